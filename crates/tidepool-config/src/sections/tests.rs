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
