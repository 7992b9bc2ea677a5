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
            line, key, message, ..
        } => {
            assert_eq!(line, 4);
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
        text.contains("slots.timeout") && text.contains(":4:"),
        "{text}"
    );
}

#[test]
fn unknown_model_key_is_an_error() {
    let err = parse("[run]\nname = \"d\"\n[model]\nkind = \"noop\"\nstages = []\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("model.stages") && text.contains(":5:"),
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
    assert_eq!(o.resolved_algorithm(false, 4), AsyncDds);
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
}

#[test]
fn stage_section_defaults_and_checks() {
    let cfg = parse(&format!("{MINIMAL}[stage]\narchives = [\"env.tpk\"]\n")).unwrap();
    let stage = cfg.stage.unwrap();
    assert_eq!(stage.archives, vec![std::path::PathBuf::from("env.tpk")]);
    assert_eq!((stage.fanout, stage.keep, stage.dir), (8, false, None));
    assert!(parse(MINIMAL).unwrap().stage.is_none());
    let err = parse(&format!("{MINIMAL}[stage]\narchives = []\n")).unwrap_err();
    assert!(err.to_string().contains("stage.archives"), "{err}");
    let err = parse(&format!(
        "{MINIMAL}[stage]\narchives = [\"a\"]\nfanout = 0\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("stage.fanout"), "{err}");
    let err = parse(&format!("{MINIMAL}[stage]\narchive = [\"a\"]\n")).unwrap_err();
    assert!(err.to_string().contains("stage"), "{err}");
}

#[test]
fn fail_fast_can_be_set_or_turned_off() {
    let cfg = parse(&format!("{MINIMAL}[slots]\nfail_fast = 0\n")).unwrap();
    assert_eq!(cfg.slots.fail_fast, 0);
    let cfg = parse(&format!("{MINIMAL}[slots]\nfail_fast = 12\n")).unwrap();
    assert_eq!(cfg.slots.fail_fast, 12);
}
