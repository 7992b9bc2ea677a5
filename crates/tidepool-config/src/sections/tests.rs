use super::*;
use tidepool_models::WorkerSpec;

fn parse(text: &str) -> Result<RunConfig, ConfigError> {
    RunConfig::from_str(text, Path::new("/cfg/run.toml"))
}

const MINIMAL: &str = "[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n";

#[test]
fn minimal_config_takes_defaults() {
    let cfg = parse(MINIMAL).unwrap();
    assert_eq!(cfg.model, WorkerSpec::Noop);
    assert_eq!(cfg.slots.start_concurrency, 8);
    assert_eq!(cfg.slots.max_attempts, 3);
    assert_eq!(cfg.slots.fail_fast, 5);
    assert_eq!(cfg.launch.agents, 1);
    assert_eq!(cfg.run_dir(), Path::new("/cfg/runs/demo"));
}

#[test]
fn full_config_parses() {
    let text = r#"
[run]
name = "bow"
dir = "out/bow"
budget = 100
seed = 7
address = "127.0.0.1:0"
[launch]
mode = "local"
agents = 2
[slots]
per_node = 4
start_concurrency = 2
start_interval = "250ms"
timeout = "10m"
kill_grace = 5
overdue_factor = 1.5
heartbeat = "2s"
[model]
kind = "command"
stages = [["./model", "{x}"]]
[[parameters]]
name = "x"
lower = 0.0
upper = 1.0
[trials]
csv = "trials.csv"
"#;
    let cfg = parse(text).unwrap();
    assert_eq!(cfg.slots.start_interval, Some(Duration::from_millis(250)));
    assert_eq!(cfg.slots.timeout, Some(Duration::from_secs(600)));
    assert_eq!(cfg.slots.kill_grace, Duration::from_secs(5));
    assert_eq!(cfg.launch.resolved_mode(None), LaunchMode::Local);
    assert_eq!(
        cfg.resolve(&cfg.trials.as_ref().unwrap().csv),
        Path::new("/cfg/trials.csv")
    );
    assert_eq!(cfg.parameter_names(), vec!["x".to_string()]);
}

#[test]
fn typo_names_key_path_and_line() {
    let err =
        parse("[run]\nname = \"d\"\n[slots]\nper_nod = 3\n[model]\nkind = \"noop\"\n").unwrap_err();
    match err {
        ConfigError::Parse {
            at: Some(at),
            key,
            message,
            ..
        } => {
            assert_eq!((at.line, at.column), (4, 1));
            assert_eq!(key, "slots.per_nod");
            assert!(message.contains("per_node"), "{message}");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn wrong_type_names_key() {
    let err =
        parse("[run]\nname = \"d\"\n[slots]\ntimeout = \"5 parsecs\"\n[model]\nkind = \"noop\"\n")
            .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("slots.timeout") && text.contains(":4:11:"),
        "{text}"
    );
}

#[test]
fn unknown_model_key_is_an_error() {
    let err = parse("[run]\nname = \"d\"\n[model]\nkind = \"noop\"\nstages = []\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("model.stages") && text.contains(":5:1:"),
        "{text}"
    );
}

#[test]
fn slurm_is_chosen_inside_an_allocation() {
    let cfg = parse(MINIMAL).unwrap();
    assert_eq!(cfg.launch.resolved_mode(Some("1234")), LaunchMode::Slurm);
    let cfg = parse(&format!("{MINIMAL}[launch]\nmode = \"local\"\n")).unwrap();
    assert_eq!(cfg.launch.resolved_mode(Some("1234")), LaunchMode::Local);
}

#[test]
fn invalid_values_name_their_key() {
    let err = parse(&format!("{MINIMAL}[slots]\nmax_attempts = 0\n")).unwrap_err();
    assert!(err.to_string().contains("slots.max_attempts"));
    let bad = format!("{MINIMAL}[[parameters]]\nname = \"a\"\nlower = 2\nupper = 1\n");
    assert!(parse(&bad)
        .unwrap_err()
        .to_string()
        .contains("parameters[0]"));
}

const CALIB: &str = r#"
[run]
name = "calib"
budget = 100
seed = 7
[model]
kind = "noop"
[[parameters]]
name = "k"
lower = 0.01
upper = 10.0
transform = "log10"
initial = 1.0
[[parameters]]
name = "n"
lower = 1
upper = 9
integer = true
[optimizer]
algorithm = "dds"
r = 0.3
bound_rule = "reflect-or-clamp"
"#;

fn calib(text: &str) -> Result<RunConfig, ConfigError> {
    RunConfig::from_str(text, Path::new("/runs/calib.toml"))
}

#[test]
fn optimizer_and_parameter_options_are_read() {
    let cfg = calib(CALIB).unwrap();
    assert_eq!(
        cfg.optimizer.algorithm,
        Some(tidepool_optim::Algorithm::Dds)
    );
    assert_eq!(cfg.optimizer.r, 0.3);
    assert_eq!(
        cfg.optimizer.bound_rule,
        tidepool_optim::BoundRule::ReflectOrClamp
    );
    let k = cfg.parameters[0].clone();
    assert_eq!(k.transform, tidepool_optim::Transform::Log10);
    assert_eq!(k.initial, Some(1.0));
    assert!(cfg.parameters[1].integer);
}

#[test]
fn the_default_algorithm_follows_slots_and_trials() {
    let o = OptimizerSection::default();
    use tidepool_optim::Algorithm::*;
    assert_eq!(o.resolved_algorithm(false, 1), Dds);
    assert_eq!(o.resolved_algorithm(false, 4), ParDds);
    assert_eq!(o.resolved_algorithm(false, 2), ParDds);
    assert_eq!(o.resolved_algorithm(true, 4), List);
}

#[test]
fn bad_parameters_and_r_are_refused_by_key() {
    let log = CALIB.replace("lower = 0.01", "lower = -1.0");
    let err = calib(&log).unwrap_err().to_string();
    assert!(
        err.contains("parameters[0]") && err.contains("`k`"),
        "{err}"
    );
    let r = CALIB.replace("r = 0.3", "r = 1.5");
    let err = calib(&r).unwrap_err().to_string();
    assert!(err.contains("optimizer.r"), "{err}");
    let typo = CALIB.replace("r = 0.3", "rr = 0.3");
    assert!(calib(&typo).unwrap_err().to_string().contains("rr"));
}

#[test]
fn search_differences_name_the_keys() {
    let before = calib(CALIB).unwrap();
    let changed = CALIB
        .replace("r = 0.3", "r = 0.25")
        .replace("upper = 9", "upper = 12")
        .replace(
            "name = \"calib\"",
            "name = \"calib\"\naddress = \"127.0.0.1:0\"",
        );
    let after = calib(&changed).unwrap();
    assert_eq!(
        after.search_differences(&before),
        vec!["optimizer.r".to_string(), "parameters[1].upper".to_string()]
    );
    assert!(before.search_differences(&before).is_empty());
    assert_eq!(after.place_of("optimizer.r"), "/runs/calib.toml:22:5");
    assert_eq!(after.place_of("trials.csv"), "/runs/calib.toml");
}

#[test]
fn stage_section_defaults_and_checks() {
    let cfg = parse(&format!("{MINIMAL}[stage]\narchives = [\"env.tpk\"]\n")).unwrap();
    let stage = cfg.stage.unwrap();
    assert_eq!(stage.archives, vec![std::path::PathBuf::from("env.tpk")]);
    assert_eq!((stage.fanout, stage.keep, stage.dir), (8, false, None));
    assert!(parse(MINIMAL).unwrap().stage.is_none());
    let err = parse(&format!("{MINIMAL}[stage]\narchives = []\n")).unwrap_err();
    assert!(
        err.to_string()
            .contains("key `stage`: [stage] names nothing to stage"),
        "{err}"
    );
    let cfg = parse(&format!(
        "{MINIMAL}[stage]\npython = \"venv\"\nexe = [\"bin/m\"]\ndirs = [\"data\"]\n"
    ))
    .unwrap();
    let stage = cfg.stage.unwrap();
    assert!(stage.archives.is_empty() && stage.packs_on_the_fly());
    assert_eq!(
        (stage.python, stage.exe, stage.dirs),
        (
            Some("venv".into()),
            vec!["bin/m".into()],
            vec!["data".into()]
        )
    );
    let err = parse(&format!(
        "{MINIMAL}[stage]\narchives = [\"a\"]\nfanout = 0\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("stage.fanout"), "{err}");
    let err = parse(&format!("{MINIMAL}[stage]\narchive = [\"a\"]\n")).unwrap_err();
    assert!(err.to_string().contains("stage"), "{err}");
}

#[test]
fn run_names_are_plain_identifiers() {
    for good in ["demo", "calib-2024_v1.3", "A", "x.y"] {
        let text = MINIMAL.replace("\"demo\"", &format!("{good:?}"));
        assert!(parse(&text).is_ok(), "{good} is a plain name");
    }
    for bad in [
        "../../x", "/abs", ".", "..", ".hidden", "a/b", "a b", "x\\y", "é", "",
    ] {
        let text = MINIMAL.replace("\"demo\"", &format!("{bad:?}"));
        let err = parse(&text).unwrap_err();
        let shown = err.to_string();
        assert!(
            matches!(&err, ConfigError::Invalid { key, path, .. }
                if key == "run.name" && path == Path::new("/cfg/run.toml")),
            "{bad}: {shown}"
        );
        assert!(
            shown.contains("letters, digits"),
            "{bad}: the rule is shown: {shown}"
        );
    }
}

/// Line and column of the error's location.
fn line_col(err: &ConfigError) -> (usize, usize) {
    let at = err
        .location()
        .unwrap_or_else(|| panic!("no location in {err}"));
    (at.line, at.column)
}

#[test]
fn value_checks_point_at_the_value() {
    let err = parse(&format!("{MINIMAL}[slots]\nmax_attempts = 0\n")).unwrap_err();
    assert_eq!(line_col(&err), (6, 16), "{err}");
    assert!(err
        .to_string()
        .starts_with("/cfg/run.toml:6:16: key `slots.max_attempts`"));
}

#[test]
fn cross_key_parameter_checks_point_at_the_offending_field() {
    let bad = format!("{MINIMAL}[[parameters]]\nname = \"a\"\nlower = 5\nupper = 2\n");
    let err = parse(&bad).unwrap_err();
    assert_eq!(line_col(&err), (7, 9), "{err}");
    assert!(err.to_string().contains("parameters[0].lower"), "{err}");
    let init =
        format!("{MINIMAL}[[parameters]]\nname = \"a\"\nlower = 1\nupper = 2\ninitial = 3\n");
    assert_eq!(line_col(&parse(&init).unwrap_err()), (9, 11));
}

#[test]
fn a_negative_budget_is_said_in_plain_words() {
    let err = parse("[run]\nname = \"d\"\nbudget = -1\n[model]\nkind = \"noop\"\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(":3:10: key `run.budget`: must be a non-negative integer, got -1"),
        "{text}"
    );
}

#[test]
fn a_missing_model_is_blamed_on_the_file() {
    let err = parse("[run]\nname = \"d\"\n").unwrap_err();
    assert!(
        matches!(&err, ConfigError::MissingTable { table, .. } if table == "model"),
        "{err}"
    );
    assert!(err
        .to_string()
        .starts_with("config file /cfg/run.toml has no `[model]` table"));
}

#[test]
fn an_empty_file_says_so() {
    for text in ["", "\n  \n", "# only a comment\n"] {
        let err = parse(text).unwrap_err();
        assert!(matches!(err, ConfigError::Empty { .. }), "{err}");
    }
}

#[test]
fn syntax_errors_have_a_column() {
    let err = parse("[run]\nname = \"d\n[model]\nkind = \"noop\"\n").unwrap_err();
    assert_eq!(line_col(&err).0, 2, "{err}");
}

/// Parse, then run the pre-flight checks.
fn preflight(text: &str) -> Result<RunConfig, ConfigError> {
    let cfg = parse(text)?;
    cfg.preflight()?;
    Ok(cfg)
}

#[test]
fn unknown_placeholders_are_refused_at_their_argument() {
    let text = "[run]\nname = \"d\"\n[model]\nkind = \"command\"\nstages = [[\"echo\", \"{x}\", \"{z}\"]]\n[[parameters]]\nname = \"x\"\nlower = 0\nupper = 1\n";
    let err = preflight(text).unwrap_err();
    assert_eq!(line_col(&err), (5, 27), "{err}");
    let shown = err.to_string();
    assert!(
        shown.contains("model.stages[0][2]") && shown.contains("`{z}`"),
        "{shown}"
    );
    assert!(shown.contains("(x) and trial, attempt, workdir"), "{shown}");
    for ok in [
        "{x}",
        "{trial}",
        "{workdir}/out",
        "{attempt}",
        "{{z}}",
        "{print $1}",
    ] {
        let fine = text.replace("\"{z}\"", &format!("{ok:?}"));
        assert!(
            preflight(&fine).is_ok(),
            "{ok}: {:?}",
            preflight(&fine).err()
        );
    }
}

#[test]
fn empty_stages_and_stages_without_program_are_refused() {
    let base = "[run]\nname = \"d\"\n[model]\nkind = \"command\"\n";
    let err = preflight(&format!("{base}stages = []\n")).unwrap_err();
    assert_eq!(line_col(&err), (5, 10), "{err}");
    let err = preflight(&format!("{base}stages = [[\"a\"], []]\n")).unwrap_err();
    assert!(
        err.to_string()
            .contains("key `model.stages[1]`: stage 2 has no program"),
        "{err}"
    );
}

#[test]
fn trials_with_an_optimizer_are_refused() {
    // Parsing alone accepts it: a config recorded in a journal is read back on resume.
    let both = format!("{MINIMAL}[trials]\ncsv = \"t.csv\"\n[optimizer]\nalgorithm = \"dds\"\n");
    assert!(parse(&both).is_ok());
    let text = format!("{MINIMAL}[trials]\ncsv = \"t.csv\"\n[optimizer]\nalgorithm = \"dds\"\n");
    let err = preflight(&text).unwrap_err();
    assert_eq!(line_col(&err), (7, 1), "{err}");
    assert!(err.to_string().contains("both given"), "{err}");
    let alone = preflight(&format!("{MINIMAL}[trials]\ncsv = \"t.csv\"\n")).unwrap_err();
    assert!(
        alone.to_string().contains("key `trials.csv`: file"),
        "{alone}"
    );
}

#[test]
fn programs_given_as_paths_must_exist_and_be_executable() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    let model = |program: &str| {
        format!(
            "[run]\nname = \"d\"\n[model]\nkind = \"command\"\nstages = [[\"{program}\", \"1\"]]\n"
        )
    };
    let check = |program: &str| {
        RunConfig::from_str(&model(program), &config)
            .unwrap()
            .preflight()
    };
    let err = check("./missing-model").unwrap_err();
    assert_eq!(line_col(&err), (5, 12), "{err}");
    assert!(err.to_string().contains("not found (no file"), "{err}");
    std::fs::write(dir.path().join("model.sh"), "#!/bin/sh\n").unwrap();
    assert!(check("./model.sh")
        .unwrap_err()
        .to_string()
        .contains("not executable"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.path().join("model.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    check("./model.sh").unwrap();
    check("/bin/sh").unwrap();
    check("echo").unwrap();
    check("{workdir}/model").unwrap();
    let err = check("/no/such/bin").unwrap_err();
    assert!(err.to_string().contains("/no/such/bin"), "{err}");
}

#[test]
fn relative_programs_run_from_the_config_directory() {
    let text = "[run]\nname = \"d\"\n[model]\nkind = \"command\"\nstages = [[\"./m\", \"a/b\"], [\"echo\"], [\"/bin/sh\"]]\n";
    let cfg = parse(text).unwrap();
    let WorkerSpec::Command(spec) = cfg.worker_spec() else {
        panic!("not a command")
    };
    assert_eq!(
        spec.stages[0],
        vec!["/cfg/m".to_string(), "a/b".to_string()]
    );
    assert_eq!(spec.stages[1][0], "echo");
    assert_eq!(spec.stages[2][0], "/bin/sh");
}

#[test]
fn input_files_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    let text = format!(
        "{MINIMAL}[[parameters]]\nname = \"x\"\nlower = 0\nupper = 1\n[trials]\ncsv = \"t.csv\"\n"
    );
    let cfg = RunConfig::from_str(&text, &config).unwrap();
    let err = cfg.preflight().unwrap_err();
    assert_eq!(line_col(&err), (10, 7), "{err}");
    assert!(err.to_string().contains("key `trials.csv`: file"), "{err}");
    std::fs::write(dir.path().join("t.csv"), "x\n0.5\n").unwrap();
    cfg.preflight().unwrap();
    let staged = format!("{MINIMAL}[stage]\narchives = [\"env.tpk\"]\n");
    let err = RunConfig::from_str(&staged, &config)
        .unwrap()
        .preflight()
        .unwrap_err();
    assert!(err.to_string().contains("key `stage.archives[0]`"), "{err}");
}

#[test]
fn fail_fast_can_be_set_or_turned_off() {
    let cfg = parse(&format!("{MINIMAL}[slots]\nfail_fast = 0\n")).unwrap();
    assert_eq!(cfg.slots.fail_fast, 0);
    let cfg = parse(&format!("{MINIMAL}[slots]\nfail_fast = 12\n")).unwrap();
    assert_eq!(cfg.slots.fail_fast, 12);
}

#[test]
fn sce_ua_settings_are_read_and_bad_ones_refused_by_key() {
    let text = CALIB.replace(
        "algorithm = \"dds\"",
        "algorithm = \"sce-ua\"\nsce_ua = { complexes = 4, kstop = 3, pcento = 0.1 }",
    );
    let cfg = calib(&text).unwrap();
    assert_eq!(
        cfg.optimizer.algorithm,
        Some(tidepool_optim::Algorithm::SceUa)
    );
    let s = cfg.optimizer.settings(500).sce_ua;
    assert_eq!((s.complexes, s.kstop, s.pcento, s.peps), (4, 3, 0.1, 1e-7));
    assert_eq!(s.complex_size, None);
    let zero = text.replace("complexes = 4", "complexes = 0");
    let err = calib(&zero).unwrap_err().to_string();
    assert!(err.contains("optimizer.sce_ua.complexes"), "{err}");
    // two parameters: a simplex of 4 cannot fit complexes of 3
    let big = text.replace("kstop = 3", "kstop = 3, complex_size = 3, simplex_size = 4");
    let err = calib(&big).unwrap_err().to_string();
    assert!(err.contains("optimizer.sce_ua.simplex_size"), "{err}");
    let typo = text.replace("kstop = 3", "k_stop = 3");
    assert!(calib(&typo).unwrap_err().to_string().contains("k_stop"));
}
