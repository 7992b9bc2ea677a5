//! `sce-ua` runs through the real binary: complexes stepping on several slots, the
//! budget exact through the scheduler, and a stop by convergence before the budget.

mod util;

fn config(budget: u64, sce_ua: &str) -> String {
    format!(
        r#"[run]
name = "sce"
budget = {budget}
seed = 3
[launch]
mode = "local"
agents = 1
[slots]
per_node = 3
[model]
kind = "command"
stages = [["sh", "-c", "awk -v x={{x}} -v y={{y}} 'BEGIN{{print (x-1)^2+(y-2)^2}}'"]]
[optimizer]
algorithm = "sce-ua"
sce_ua = {sce_ua}
[[parameters]]
name = "x"
lower = -5.0
upper = 5.0
[[parameters]]
name = "y"
lower = -5.0
upper = 5.0
"#
    )
}

/// `tidepool run --json`: the final JSON line.
fn run(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calib.toml");
    std::fs::write(&path, text).unwrap();
    let out = util::tidepool(&["run", path.to_str().unwrap(), "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"))
}

#[test]
fn an_sce_ua_run_spends_its_budget_exactly_and_closes_in_on_the_minimum() {
    // 3 complexes of 5 points: a burn-in of 15, then the complexes step on 3 slots
    let end = run(&config(150, "{ complexes = 3 }"));
    assert_eq!(
        end["trials_done"].as_u64().unwrap() + end["trials_failed"].as_u64().unwrap_or(0),
        150,
        "{end}"
    );
    let best = end["best_objective"].as_f64().unwrap();
    // uniform sampling alone reaches ~0.1 in 150 draws ((10 x 10) / (pi 150) ~ 0.2)
    assert!(best < 0.05, "{end}");
}

#[test]
fn an_sce_ua_run_that_converges_ends_before_its_budget() {
    // kstop = 1 and any change allowed: the search stops after its first loop
    let end = run(&config(500, "{ complexes = 2, kstop = 1, pcento = 1e9 }"));
    let trials = end["trials_done"].as_u64().unwrap() + end["trials_failed"].as_u64().unwrap_or(0);
    // a burn-in of 10, then 2 complexes x 5 steps of 1 to 3 evaluations
    assert!((20..=40).contains(&trials), "{end}");
}
