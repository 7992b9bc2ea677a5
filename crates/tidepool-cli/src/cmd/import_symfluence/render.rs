//! The imported config as TOML text, in the layout of docs/summa.md, with a comment
//! line where a value needs explaining. Values go through `toml`'s own quoting.

use super::map::Imported;
use std::fmt::Write;
use std::path::Path;

fn s(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn p(path: &Path) -> String {
    s(&path.to_string_lossy())
}

fn pair(a: &str, b: &str) -> String {
    format!("[{}, {}]", s(a), s(b))
}

fn f(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

/// The TOML text; `source` is the SYMFLUENCE config's path, named in the header.
pub fn render(i: &Imported, source: &Path) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Imported from {} by `tidepool import symfluence` (SYMFLUENCE {}).",
        source.display(),
        i.symfluence_version
    );
    run(&mut t, i);
    model(&mut t, i);
    objective(&mut t, i);
    parameters(&mut t, i);
    optimizer(&mut t, i);
    stage(&mut t, i);
    t
}

fn run(t: &mut String, i: &Imported) {
    let _ = writeln!(t, "\n[run]\nname = {}", s(&i.run_name));
    let _ = writeln!(t, "# {}", i.search.reason);
    let _ = writeln!(t, "budget = {}", i.search.budget);
    if let Some(seed) = i.seed {
        let _ = writeln!(t, "seed = {seed}");
    }
    let _ = writeln!(
        t,
        "\n[slots]\n# NUM_PROCESSES: SYMFLUENCE's parallel runs. On several nodes give the \
         slots per node here.\nper_node = {}",
        i.slots
    );
}

fn model(t: &mut String, i: &Imported) {
    let _ = writeln!(t, "\n[model]\nkind = \"summa\"");
    let _ = writeln!(t, "summa_exe = {}", p(&i.summa_exe));
    let _ = writeln!(t, "file_manager = {}", p(&i.file_manager));
    let _ = writeln!(t, "settings_dir = {}", p(&i.settings_dir));
    if let Some((exe, control, dir)) = &i.mizuroute {
        let _ = writeln!(t, "mizuroute_exe = {}", p(exe));
        let _ = writeln!(t, "mizuroute_control = {}", p(control));
        let _ = writeln!(t, "mizuroute_settings_dir = {}", p(dir));
    }
    if let Some(tp) = &i.trial_params {
        let _ = writeln!(t, "trial_params = {}", s(tp));
    }
    if let Some((a, b)) = &i.spinup {
        let _ = writeln!(t, "spinup = {}", pair(a, b));
    }
    if let Some(r) = i.outlet_reach {
        let _ = writeln!(t, "outlet_reach = {r}");
    }
    let _ = writeln!(t, "summa_timeout = \"{}s\"", i.summa_timeout);
    if i.mizuroute.is_some() {
        let _ = writeln!(t, "mizuroute_timeout = \"{}s\"", i.mizuroute_timeout);
    }
    if i.stage {
        let _ = writeln!(t, "forcing_dir = {}", p(&i.forcing_dir));
    }
}

fn objective(t: &mut String, i: &Imported) {
    let o = &i.objective;
    let _ = writeln!(
        t,
        "\n[objective]\nmetric = {}\nsimulated = \"q\"",
        s(o.metric)
    );
    let _ = writeln!(
        t,
        "calibration = {}",
        pair(&o.calibration.0, &o.calibration.1)
    );
    if let Some((a, b)) = &o.evaluation {
        let _ = writeln!(t, "evaluation = {}", pair(a, b));
    }
    let _ = writeln!(t, "[objective.observed]\ncsv = {}", p(&o.csv));
    let _ = writeln!(t, "date = {}\nvalue = {}", s(&o.date), s(&o.value));
    if o.daily {
        let _ = writeln!(t, "# CALIBRATION_TIMESTEP: daily\ndaily = \"mean\"");
    }
}

fn parameters(t: &mut String, i: &Imported) {
    for q in &i.parameters {
        let _ = writeln!(t, "\n[[parameters]]\nname = {}", s(&q.name));
        match q.bounds {
            Some((lo, hi)) => {
                let _ = writeln!(t, "lower = {}\nupper = {}", f(lo), f(hi));
            }
            None => {
                let _ = writeln!(t, "# bounds: {}", q.from);
            }
        }
    }
}

fn optimizer(t: &mut String, i: &Imported) {
    let _ = writeln!(t, "\n[optimizer]\nalgorithm = {}", s(i.search.algorithm));
    let _ = writeln!(t, "r = {}", f(i.search.r));
    if let Some((pool, batch, stagnation)) = i.search.pool {
        let _ = writeln!(
            t,
            "pool_size = {pool}\nbatch_size = {batch}\nstagnation_limit = {stagnation}"
        );
    }
}

fn stage(t: &mut String, i: &Imported) {
    if !i.stage {
        return;
    }
    let mut exes = vec![p(&i.summa_exe)];
    if let Some((exe, ..)) = &i.mizuroute {
        exes.push(p(exe));
    }
    let _ = writeln!(
        t,
        "\n# USE_LOCAL_SCRATCH: the executables (with their libraries) and the forcing \
         staged on every node.\n[stage]\nexe = [{}]\ndirs = [{}]",
        exes.join(", "),
        p(&i.forcing_dir)
    );
}
