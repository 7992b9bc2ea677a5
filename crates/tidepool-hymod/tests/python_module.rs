//! examples/hymod-python/hymod_model.py (the python-slot model) against the Rust model.

mod util;

use std::path::Path;

/// Imports the module as a python slot would and prints `simulate(params)` as JSON.
const RUN: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import hymod_model
names = ["cmax", "bexp", "alpha", "Ks", "Kq"]
print(json.dumps(hymod_model.simulate(dict(zip(names, map(float, sys.argv[2:]))))))
"#;

#[test]
fn python_module_gives_the_rust_flows() {
    let Some(venv) = tidepool_testkit::test_venv() else {
        return;
    };
    let module_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hymod-python");
    let forcing = tidepool_hymod::read_forcing(&util::forcing()).unwrap();
    for set in &util::SETS {
        let mut args = vec![module_dir.display().to_string()];
        args.extend(set.iter().map(|v| format!("{v:?}")));
        let out: serde_json::Value =
            serde_json::from_str(&util::python(&venv.join("bin/python"), RUN, &args)).unwrap();
        assert_eq!(out["start"], "2012-01-01");
        let q: Vec<f64> = out["q"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let [cmax, bexp, alpha, ks, kq] = *set;
        let p = tidepool_hymod::Params {
            cmax,
            bexp,
            alpha,
            ks,
            kq,
        };
        let rust = tidepool_hymod::simulate(&p, &forcing.precip, &forcing.pet);
        util::assert_close(&format!("{set:?}"), &q, &rust, 1e-12);
        assert!(q.iter().any(|v| *v > 0.0));
    }
}
