//! The examples' configs and template agree with the model and with SPOTPY's setup.

use std::path::{Path, PathBuf};

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(path)
}

fn config(name: &str) -> toml::Value {
    toml::from_str(&std::fs::read_to_string(example(name)).unwrap()).unwrap()
}

/// SPOTPY 1.6.7's spot_setup_hymod_python.py: names and bounds.
const SPOTPY_BOUNDS: [(&str, f64, f64); 5] = [
    ("cmax", 1.0, 500.0),
    ("bexp", 0.1, 2.0),
    ("alpha", 0.1, 0.99),
    ("Ks", 0.001, 0.10),
    ("Kq", 0.1, 0.99),
];

#[test]
fn both_examples_calibrate_spotpys_parameters_with_dds_on_kge() {
    for name in ["hymod-exe/tidepool.toml", "hymod-python/tidepool.toml"] {
        let cfg = config(name);
        let params: Vec<(String, f64, f64)> = cfg["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().into(),
                    p["lower"].as_float().unwrap(),
                    p["upper"].as_float().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, f64, f64)> = SPOTPY_BOUNDS
            .iter()
            .map(|(n, l, u)| (n.to_string(), *l, *u))
            .collect();
        assert_eq!(params, expected, "{name}");
        assert_eq!(cfg["run"]["budget"].as_integer(), Some(1000), "{name}");
        assert_eq!(
            cfg["optimizer"]["algorithm"].as_str(),
            Some("dds"),
            "{name}"
        );
        assert_eq!(cfg["objective"]["metric"].as_str(), Some("kge"), "{name}");
        let calibration = cfg["objective"]["calibration"].as_array().unwrap();
        assert_eq!(
            calibration[0].as_str(),
            Some("2013-01-01"),
            "{name}: SPOTPY scores from day 367"
        );
        let factor = cfg["objective"]["observed"]["factor"].as_float().unwrap();
        assert_eq!(factor, 86_400.0 / 1.783e6, "{name}: l/s -> mm/day");
    }
}

#[test]
fn the_rendered_template_is_a_parameter_file_the_binary_reads() {
    let template = std::fs::read_to_string(example("hymod-exe/model/params.txt.tpl")).unwrap();
    let mut rendered = template.clone();
    for (name, lower, _) in SPOTPY_BOUNDS {
        let placeholder = format!("{{{{{name}}}}}");
        assert!(
            template.contains(&placeholder),
            "{placeholder} missing from the template"
        );
        rendered = rendered.replace(&placeholder, &format!("{lower:?}"));
    }
    assert!(
        !rendered.contains("{{"),
        "a placeholder names no parameter: {rendered}"
    );
    let p = tidepool_hymod::parse_params(&rendered, Path::new("params.txt")).unwrap();
    assert_eq!(
        p,
        tidepool_hymod::Params {
            cmax: 1.0,
            bexp: 0.1,
            alpha: 0.1,
            ks: 0.001,
            kq: 0.1
        }
    );
    let forcing = example("hymod-exe/model/hymod_input.csv");
    assert_eq!(
        tidepool_hymod::read_forcing(&forcing).unwrap().days.len(),
        1827,
        "the link to the data"
    );
}
