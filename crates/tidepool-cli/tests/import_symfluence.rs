//! `tidepool import symfluence`: the real binary on SYMFLUENCE configs written from the
//! keys of SYMFLUENCE 0.9.2's templates (flat and nested), on the templates themselves
//! (fetched by .ci/run: they are GPL-3.0, so not in this repository), its errors, and
//! the hand-over to `tidepool check`.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "/work/shared/fixtures/summa-bow";

/// A SYMFLUENCE data directory with one project, `domain_Bow`, holding the Bow
/// fixture's SUMMA and mizuRoute settings, an observed-flow file and two executables.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let domain = dir.path().join("domain_Bow");
        let fixture = Path::new(FIXTURE).join("settings");
        for (sub, files) in [
            (
                "SUMMA",
                &[
                    "localParamInfo.txt",
                    "basinParamInfo.txt",
                    "fileManager.txt",
                ][..],
            ),
            ("mizuRoute", &["mizuroute.control", "param.nml.default"][..]),
        ] {
            let to = domain.join("settings").join(sub);
            std::fs::create_dir_all(&to).unwrap();
            for f in files {
                std::fs::copy(fixture.join(sub).join(f), to.join(f)).unwrap();
            }
        }
        let obs = domain.join("data/observations/streamflow/preprocessed");
        std::fs::create_dir_all(&obs).unwrap();
        let days: String = (1..=31)
            .map(|d| format!("2008-07-{d:02},{}\n", 100 + d))
            .collect();
        std::fs::write(
            obs.join("Bow_streamflow_processed.csv"),
            format!("datetime,discharge_cms\n{days}"),
        )
        .unwrap();
        std::fs::create_dir_all(domain.join("forcing/SUMMA_input")).unwrap();
        for exe in [
            "installs/summa/bin/summa_sundials.exe",
            "installs/mizuRoute/route/bin/mizuRoute.exe",
        ] {
            let p = dir.path().join(exe);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            // A real ELF executable: `[stage] exe` packs it with its libraries.
            std::fs::copy("/bin/true", &p).unwrap();
        }
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// `tidepool import symfluence ARGS` with SYMFLUENCE_DATA_DIR set to the project.
    fn import(&self, args: &[&str]) -> Output {
        Command::new(util::bin())
            .args(["import", "symfluence"])
            .args(args)
            .current_dir(self.path())
            .env("SYMFLUENCE_DATA_DIR", self.path())
            .env_remove("SYMFLUENCE_DATA")
            .output()
            .unwrap()
    }

    /// FLAT imported into `tidepool.toml`, which must succeed.
    fn import_flat(&self) {
        let cfg = self.write("bow.yaml", FLAT);
        let out = self.import(&[cfg.to_str().unwrap(), "-o", "tidepool.toml"]);
        assert!(out.status.success(), "{}", self.shown(&out));
    }

    /// Output text with this project's path shown as [DATA].
    fn shown(&self, out: &Output) -> String {
        let text = format!(
            "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.replace(&self.path().display().to_string(), "[DATA]")
    }
}

/// A flat config with the template's keys: ASYNC-DDS on 4 processes, local, basin and
/// mizuRoute parameters, one bound overridden, all three periods, scratch staging, and
/// keys the import does not map (one of SUMMA's, one of another model's).
const FLAT: &str = r#"
SYMFLUENCE_DATA_DIR: default
SYMFLUENCE_CODE_DIR: /opt/SYMFLUENCE
DOMAIN_NAME: Bow
EXPERIMENT_ID: calib_1
DOMAIN_DEFINITION_METHOD: delineate
HYDROLOGICAL_MODEL: SUMMA
MPI_PROCESSES: 4
USE_LOCAL_SCRATCH: true
RANDOM_SEED: 42
CALIBRATION_PERIOD: "2008-07-03, 2008-07-16"
EVALUATION_PERIOD: "2008-07-17, 2008-07-31"
SPINUP_PERIOD: "2008-07-01, 2008-07-02"
PARAMS_TO_CALIBRATE: k_soil,theta_sat,k_macropore
BASIN_PARAMS_TO_CALIBRATE: routingGammaScale
CALIBRATE_MIZUROUTE: true
MIZUROUTE_PARAMS_TO_CALIBRATE: velo
PARAMETER_BOUNDS:
  theta_sat: [0.35, 0.55]
OPTIMIZATION_METRIC: KGEp
ITERATIVE_OPTIMIZATION_ALGORITHM: ASYNC-DDS
NUMBER_OF_ITERATIONS: 50
ASYNC_DDS_POOL_SIZE: 8
ASYNC_DDS_BATCH_SIZE: 4
MAX_STAGNATION_BATCHES: 6
DDS_R: 0.25
SUMMA_INSTALL_PATH: default
SUMMA_EXE: summa_sundials.exe
MIZUROUTE_INSTALL_PATH: default
MIZUROUTE_EXE: mizuRoute.exe
SETTINGS_SUMMA_PATH: default
SETTINGS_SUMMA_FILEMANAGER: fileManager.txt
SETTINGS_MIZU_PATH: default
SETTINGS_MIZU_CONTROL_FILE: mizuroute.control
SUMMA_TIMEOUT: 5400
MIZUROUTE_TIMEOUT: 1800
SIM_REACH_ID: 71028585
CALIBRATION_TIMESTEP: daily
SETTINGS_SUMMA_OUTPUT: outputControl.txt
FUSE_TIMEOUT: 3600
"#;

/// The same config, nested as SYMFLUENCE 0.9.2 nests it.
const NESTED: &str = r#"
system:
  data_dir: default
  code_dir: /opt/SYMFLUENCE
  num_processes: 4
  use_local_scratch: true
  random_seed: 42
domain:
  name: Bow
  experiment_id: calib_1
  definition_method: delineate
  calibration_period: "2008-07-03, 2008-07-16"
  evaluation_period: "2008-07-17, 2008-07-31"
  spinup_period: "2008-07-01, 2008-07-02"
model:
  hydrological_model: SUMMA
  summa:
    params_to_calibrate: k_soil,theta_sat,k_macropore
    basin_params_to_calibrate: routingGammaScale
    install_path: default
    exe: summa_sundials.exe
    settings_path: default
    filemanager: fileManager.txt
    timeout: 5400
    output: outputControl.txt
  mizuroute:
    calibrate: true
    params_to_calibrate: velo
    install_path: default
    exe: mizuRoute.exe
    settings_path: default
    control_file: mizuroute.control
    timeout: 1800
  fuse:
    timeout: 3600
optimization:
  metric: KGEp
  calibration_timestep: daily
  algorithm: ASYNC-DDS
  iterations: 50
  parameter_bounds:
    theta_sat: [0.35, 0.55]
  dds:
    r: 0.25
    async_pool_size: 8
    async_batch_size: 4
    max_stagnation_batches: 6
evaluation:
  sim_reach_id: 71028585
"#;

/// The `[model]` keys of `kind = "summa"` (the contract between the summa tasks).
const CONTRACT_MODEL_KEYS: &[&str] = &[
    "kind",
    "summa_exe",
    "file_manager",
    "mizuroute_exe",
    "mizuroute_control",
    "settings_dir",
    "mizuroute_settings_dir",
    "trial_params",
    "priori_params",
    "spinup",
    "outlet_reach",
    "summa_timeout",
    "mizuroute_timeout",
    "forcing_dir",
    "param_map",
];

fn parse(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// SYMFLUENCE 0.9.2's ASYNC-DDS loop, counting evaluations: the pool, then batches
/// until the target of iterations x batch is reached or the batches run out.
fn symfluence_async_dds_evaluations(iterations: u64, pool: u64, batch: u64) -> u64 {
    let target = iterations * batch;
    let mut total = pool;
    for _ in 1..=iterations {
        if total >= target {
            break;
        }
        total += batch;
    }
    total
}

fn check_flat_values(t: &toml::Table, data: &Path) {
    let d = data.display();
    let run = t["run"].as_table().unwrap();
    assert_eq!(run["name"].as_str(), Some("Bow-calib_1"));
    assert_eq!(
        run["budget"].as_integer().map(|b| b as u64),
        Some(symfluence_async_dds_evaluations(50, 8, 4))
    );
    assert_eq!(run["seed"].as_integer(), Some(42));
    assert_eq!(t["slots"]["per_node"].as_integer(), Some(4));
    let m = t["model"].as_table().unwrap();
    for key in m.keys() {
        assert!(
            CONTRACT_MODEL_KEYS.contains(&key.as_str()),
            "[model] {key} is not in the contract"
        );
    }
    let s = |k: &str| m[k].as_str().unwrap().to_owned();
    assert_eq!(s("kind"), "summa");
    assert_eq!(
        s("summa_exe"),
        format!("{d}/installs/summa/bin/summa_sundials.exe")
    );
    assert_eq!(
        s("file_manager"),
        format!("{d}/domain_Bow/settings/SUMMA/fileManager.txt")
    );
    assert_eq!(
        s("mizuroute_exe"),
        format!("{d}/installs/mizuRoute/route/bin/mizuRoute.exe")
    );
    assert_eq!(
        s("mizuroute_control"),
        format!("{d}/domain_Bow/settings/mizuRoute/mizuroute.control")
    );
    assert_eq!(s("summa_timeout"), "5400s");
    assert_eq!(s("mizuroute_timeout"), "1800s");
    assert_eq!(
        s("forcing_dir"),
        format!("{d}/domain_Bow/forcing/SUMMA_input")
    );
    assert_eq!(m["outlet_reach"].as_integer(), Some(71028585));
    assert_eq!(m["spinup"].as_array().unwrap().len(), 2);
    let o = t["objective"].as_table().unwrap();
    assert_eq!(o["metric"].as_str(), Some("kge2012"));
    assert_eq!(o["simulated"].as_str(), Some("q"));
    assert_eq!(o["calibration"][0].as_str(), Some("2008-07-03"));
    assert_eq!(o["evaluation"][1].as_str(), Some("2008-07-31"));
    assert_eq!(o["observed"]["value"].as_str(), Some("discharge_cms"));
    assert_eq!(o["observed"]["daily"].as_str(), Some("mean"));
    // Bounds as written in the fixture's localParamInfo.txt / basinParamInfo.txt
    // (`1.d-07 | 100.d-07`, `1.d-07 | 1.d-01`, `360 | 72000.0`), PARAMETER_BOUNDS for
    // theta_sat, SYMFLUENCE's mizuRoute table for velo (0.1 .. 5.0).
    let params: Vec<(String, f64, f64)> = t["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let f = |k: &str| p[k].as_float().unwrap();
            (
                p["name"].as_str().unwrap().to_owned(),
                f("lower"),
                f("upper"),
            )
        })
        .collect();
    let expect = [
        ("k_soil", 1.0e-7, 1.0e-5),
        ("theta_sat", 0.35, 0.55),
        ("k_macropore", 1.0e-7, 0.1),
        ("routingGammaScale", 360.0, 72000.0),
        ("velo", 0.1, 5.0),
    ];
    assert_eq!(params.len(), expect.len());
    for ((name, lo, hi), (en, el, eh)) in params.iter().zip(expect) {
        assert_eq!(name, en);
        assert!(
            (lo - el).abs() <= el.abs() * 1e-12 && (hi - eh).abs() <= eh.abs() * 1e-12,
            "{name}"
        );
    }
    let opt = t["optimizer"].as_table().unwrap();
    assert_eq!(opt["algorithm"].as_str(), Some("pool-dds"));
    assert_eq!(opt["r"].as_float(), Some(0.25));
    assert_eq!(opt["pool_size"].as_integer(), Some(8));
    assert_eq!(opt["batch_size"].as_integer(), Some(4));
    assert_eq!(opt["stagnation_limit"].as_integer(), Some(6));
    let stage = t["stage"].as_table().unwrap();
    assert_eq!(stage["exe"].as_array().unwrap().len(), 2);
}

#[test]
fn flat_config_maps_every_key_to_the_summa_contract() {
    let p = Project::new();
    let cfg = p.write("bow.yaml", FLAT);
    let out = p.import(&[cfg.to_str().unwrap(), "-o", "tidepool.toml"]);
    assert!(out.status.success(), "{}", p.shown(&out));
    check_flat_values(&parse(&p.path().join("tidepool.toml")), p.path());
    insta::assert_snapshot!("import_flat", p.shown(&out));
}

#[test]
fn nested_config_gives_the_same_config_as_the_flat_one() {
    let p = Project::new();
    let flat = p.write("flat.yaml", FLAT);
    let nested = p.write("nested.yaml", NESTED);
    let a = p.import(&[flat.to_str().unwrap(), "-o", "flat.toml"]);
    let b = p.import(&[nested.to_str().unwrap(), "-o", "nested.toml"]);
    assert!(a.status.success() && b.status.success(), "{}", p.shown(&b));
    let nested_toml = parse(&p.path().join("nested.toml"));
    check_flat_values(&nested_toml, p.path());
    assert_eq!(parse(&p.path().join("flat.toml")), nested_toml);
    let err = String::from_utf8_lossy(&b.stderr);
    assert!(
        err.contains("  model.summa.output = outputControl.txt"),
        "{err}"
    );
}

#[test]
fn stdout_without_o_and_json_summary_for_scripts() {
    let p = Project::new();
    let cfg = p.write("bow.yaml", FLAT);
    let out = p.import(&[cfg.to_str().unwrap()]);
    assert!(out.status.success());
    let toml_text = String::from_utf8(out.stdout).unwrap();
    assert!(toml::from_str::<toml::Table>(&toml_text).is_ok());
    let out = p.import(&[cfg.to_str().unwrap(), "--json", "--async"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["layout"], "flat");
    assert_eq!(v["search"]["algorithm"], "async-dds");
    let unmapped: Vec<&str> = v["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        unmapped,
        [
            "SYMFLUENCE_CODE_DIR",
            "SETTINGS_SUMMA_OUTPUT",
            "FUSE_TIMEOUT"
        ]
    );
    let t: toml::Table = toml::from_str(v["toml"].as_str().unwrap()).unwrap();
    assert_eq!(t["optimizer"]["algorithm"].as_str(), Some("async-dds"));
    // Keys of other models are counted in the summary, listed with --all-keys.
    let err = |args: &[&str]| String::from_utf8(p.import(args).stderr).unwrap();
    assert!(!err(&[cfg.to_str().unwrap()]).contains("FUSE_TIMEOUT"));
    let all = err(&[cfg.to_str().unwrap(), "--all-keys"]);
    assert!(all.contains("  FUSE_TIMEOUT = 3600\n"), "{all}");
}

#[test]
fn an_existing_output_is_kept_without_force() {
    let p = Project::new();
    let cfg = p.write("bow.yaml", FLAT);
    p.write("tidepool.toml", "keep me\n");
    let out = p.import(&[cfg.to_str().unwrap(), "-o", "tidepool.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(p.path().join("tidepool.toml")).unwrap(),
        "keep me\n"
    );
    insta::assert_snapshot!("import_exists", p.shown(&out));
    let out = p.import(&[cfg.to_str().unwrap(), "-o", "tidepool.toml", "--force"]);
    assert!(out.status.success());
    parse(&p.path().join("tidepool.toml"));
}

#[test]
fn symfluence_before_0_8_4_counts_iterations_per_process() {
    let p = Project::new();
    let cfg = p.write("bow.yaml", FLAT);
    let out = p.import(&[
        cfg.to_str().unwrap(),
        "-o",
        "old.toml",
        "--symfluence-version",
        "0.8.3",
    ]);
    assert!(out.status.success(), "{}", p.shown(&out));
    // 0.8.3: target 50 x 4 processes = 200, at most 200 / 4 = 50 batches; the pool
    // of 8 then ceil(192 / 4) = 48 batches: 8 + 192.
    assert_eq!(
        parse(&p.path().join("old.toml"))["run"]["budget"].as_integer(),
        Some(200)
    );
}

#[test]
fn errors_name_the_file_the_key_and_what_to_do() {
    let p = Project::new();
    for (name, from, to) in [
        (
            "import_bad_period",
            "\"2008-07-03, 2008-07-16\"",
            "\"2008-07-16 to 2008-07-03\"",
        ),
        ("import_unknown_metric", "KGEp", "MARE"),
        ("import_missing_domain", "DOMAIN_NAME: Bow\n", ""),
    ] {
        let cfg = p.write("bad.yaml", &FLAT.replacen(from, to, 1));
        let out = p.import(&[cfg.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        insta::assert_snapshot!(name, p.shown(&out));
    }
    let nested = p.write(
        "bad.yaml",
        &NESTED.replacen("iterations: 50", "iterations: many", 1),
    );
    let out = p.import(&[nested.to_str().unwrap()]);
    insta::assert_snapshot!("import_bad_nested_value", p.shown(&out));
}

/// SYMFLUENCE 0.9.2's own templates, flat and nested: imported, parsed, and what the
/// template sets is what the output says.
#[test]
fn symfluence_templates_import() {
    let dir = std::env::var_os("TIDEPOOL_SYMFLUENCE_TEMPLATES").map(PathBuf::from);
    let present = dir
        .as_ref()
        .is_some_and(|d| d.join("config_template_comprehensive.yaml").is_file());
    if !util::require(
        present,
        "SYMFLUENCE 0.9.2 templates (TIDEPOOL_SYMFLUENCE_TEMPLATES)",
    ) {
        return;
    }
    let dir = dir.unwrap();
    let p = Project::new();
    for name in [
        "config_template_comprehensive.yaml",
        "config_template_comprehensive_nested.yaml",
    ] {
        let out_name = format!("{name}.toml");
        let out = p.import(&[dir.join(name).to_str().unwrap(), "-o", &out_name]);
        assert!(out.status.success(), "{name}: {}", p.shown(&out));
        let t = parse(&p.path().join(&out_name));
        // Both templates: PSO (replaced by dds) with 1000 iterations, KGE, 21 local and
        // 2 basin parameters, a lumped domain (no mizuRoute).
        assert_eq!(t["run"]["budget"].as_integer(), Some(1001), "{name}");
        assert_eq!(t["objective"]["metric"].as_str(), Some("kge"));
        assert_eq!(
            t["objective"]["calibration"][0].as_str(),
            Some("2004-01-01")
        );
        assert_eq!(t["parameters"].as_array().unwrap().len(), 23);
        assert!(t["model"].get("mizuroute_exe").is_none());
        assert_eq!(t["objective"]["observed"]["daily"].as_str(), Some("mean"));
        // The flat template has no SPINUP_PERIOD but starts the experiment in 2002
        // (SYMFLUENCE then runs SUMMA from there); the nested one spins up 2002-2003.
        let spinup = t["model"]["spinup"].as_array().unwrap();
        assert!(
            spinup[0].as_str().unwrap().starts_with("2002-01-01"),
            "{name}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("`PSO` has no tidepool equivalent"), "{err}");
    }
}

/// The import's output handed to `tidepool check`: it must parse as a run config of
/// the summa model (a kind tidepool-config learns with the summa model's task).
#[test]
fn import_then_check() {
    let p = Project::new();
    p.import_flat();
    let out = util::tidepool(&["check", p.path().join("tidepool.toml").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tidepool check failed:\n{err}");
}

/// Everything but `[model]` checked by today's `tidepool check`: the output with its
/// model swapped for `noop` passes (run name, budget, slots, objective and its observed
/// file, parameters and bounds, optimizer, the staged executables).
#[test]
fn the_import_passes_check_apart_from_the_model() {
    let p = Project::new();
    p.import_flat();
    let mut t = parse(&p.path().join("tidepool.toml"));
    let mut noop = toml::Table::new();
    noop.insert("kind".into(), "noop".into());
    t.insert("model".into(), noop.into());
    let path = p.write("noop.toml", &toml::to_string(&t).unwrap());
    let out = util::tidepool(&["check", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", p.shown(&out));
}
