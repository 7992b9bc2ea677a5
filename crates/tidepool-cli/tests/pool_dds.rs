//! `pool-dds` runs through the real binary, and the report of slot time lost at its
//! batch barriers.

mod util;

/// Trials sleep x/10 s, so every batch waits for its slowest trial: the run reports
/// a non-zero loss, and less loss than the time spent running trials.
#[test]
fn a_pool_dds_run_reports_slot_time_lost_at_barriers() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("calib.toml");
    std::fs::write(
        &config,
        r#"[run]
name = "pd"
budget = 24
seed = 1
[launch]
mode = "local"
agents = 1
[slots]
per_node = 4
[model]
kind = "command"
stages = [["sh", "-c", "sleep $(awk -v x={x} 'BEGIN{print x/10}'); echo {x}"]]
[optimizer]
algorithm = "pool-dds"
[[parameters]]
name = "x"
lower = 0.0
upper = 3.0
"#,
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("pool-dds: "))
        .unwrap_or_else(|| panic!("no barrier report in:\n{text}"));
    let number_before = |unit: &str| -> f64 {
        let at = line.find(unit).unwrap();
        line[..at].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let lost = number_before(" s (");
    let busy = number_before(" s spent running");
    assert!(lost > 0.0 && busy > 0.0, "{line}");
    assert!(line.contains("batches"), "{line}");
}
