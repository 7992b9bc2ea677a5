//! `tidepool check CONFIG`: every check that can run without starting the run (keys,
//! paths, executables, templates, observation file, periods), then what the run would
//! do. Nothing is written: the run directory is neither created nor locked.

use crate::output::Output;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_config::{algorithm_name, RunConfig};
use tidepool_models::WorkerSpec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run config (TOML; see docs/config.md).
    pub config: PathBuf,
    /// Override `[launch] agents`, as `tidepool run --agents` would.
    #[arg(long)]
    pub agents: Option<usize>,
    /// Print the plan as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// What `tidepool run` would do with this config.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub config: PathBuf,
    pub run_name: String,
    pub run_dir: PathBuf,
    pub launch_mode: String,
    pub agents: usize,
    pub slots_per_node: Option<u32>,
    pub model: String,
    pub algorithm: String,
    pub budget: Option<u64>,
    pub parameters: Vec<ParameterPlan>,
    pub stage: Vec<String>,
    /// What a trial is scored on (`[objective]`), one line per fact; empty: the
    /// model reports the objective itself.
    pub objective: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ParameterPlan {
    pub name: String,
    pub lower: f64,
    pub upper: f64,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let cfg = RunConfig::load(&args.config)?;
    cfg.preflight()?;
    let mut plan = plan(&cfg, &args);
    if let Some(objective) = cfg.load_objective()? {
        plan.objective = objective_lines(&objective);
    }
    out.result(&plan, plan_text)?;
    Ok(ExitCode::SUCCESS)
}

fn plan(cfg: &RunConfig, args: &Args) -> Plan {
    let agents = args.agents.unwrap_or(cfg.launch.agents);
    let mode = cfg
        .launch
        .resolved_mode(std::env::var("SLURM_JOB_ID").ok().as_deref());
    let slots = super::run::total_slots(cfg, agents);
    let algorithm = cfg
        .optimizer
        .resolved_algorithm(cfg.trials.is_some(), slots);
    Plan {
        config: args.config.clone(),
        run_name: cfg.run.name.clone(),
        run_dir: cfg.run_dir(),
        launch_mode: mode_name(&mode).to_string(),
        agents,
        slots_per_node: cfg.slots.per_node,
        model: model_text(&cfg.worker_spec()),
        algorithm: algorithm_name(algorithm).to_string(),
        budget: cfg.run.budget,
        parameters: cfg
            .parameters
            .iter()
            .map(|p| ParameterPlan {
                name: p.name.clone(),
                lower: p.lower,
                upper: p.upper,
            })
            .collect(),
        stage: cfg.stage.iter().flat_map(|s| stage_lines(cfg, s)).collect(),
        objective: Vec::new(),
    }
}

/// What `[stage]` moves to node-local storage.
fn stage_lines(cfg: &RunConfig, s: &tidepool_config::StageSection) -> Vec<String> {
    let shown = |p: &std::path::Path| cfg.resolve(p).display().to_string();
    let first = "(packed at the first start)";
    let mut lines: Vec<String> = s
        .archives
        .iter()
        .map(|a| format!("archive {}", shown(a)))
        .collect();
    lines.extend(
        s.python
            .iter()
            .map(|p| format!("python venv {} {first}", shown(p))),
    );
    lines.extend(
        s.exe
            .iter()
            .map(|p| format!("executable {} with its libraries {first}", shown(p))),
    );
    lines.extend(
        s.dirs
            .iter()
            .map(|p| format!("directory {} {first}", shown(p))),
    );
    lines
}

/// The objective's terms, periods and observations.
fn objective_lines(objective: &tidepool_objective::Objective) -> Vec<String> {
    use tidepool_objective::TermKind;
    let mut lines = vec![format!("shown as {}", objective.sense().label)];
    for term in objective.terms() {
        lines.push(match &term.kind {
            TermKind::Metric(m) => format!(
                "term {} (weight {}): {} of {} against {} observed values",
                term.name,
                term.weight,
                m.metric,
                m.simulated.as_deref().unwrap_or("the model's series"),
                m.observed.values().len()
            ),
            TermKind::Response { response, goal } => format!(
                "term {} (weight {}): response {response}, {goal:?}",
                term.name, term.weight
            ),
        });
    }
    if let Some(p) = objective.periods() {
        lines.push(format!("calibration {}", p.calibration.describe()));
        if p.scored != p.calibration {
            lines.push(format!(
                "scored {} (after the warm-up)",
                p.scored.describe()
            ));
        }
        if let Some(e) = p.evaluation {
            lines.push(format!("evaluation {}", e.describe()));
        }
    }
    lines
}

fn mode_name(mode: &tidepool_launch::LaunchMode) -> &'static str {
    use tidepool_launch::LaunchMode;
    match mode {
        LaunchMode::Local => "local",
        LaunchMode::Slurm => "slurm",
        LaunchMode::Mpirun => "mpirun",
        LaunchMode::Manual => "manual",
    }
}

fn model_text(spec: &WorkerSpec) -> String {
    match spec {
        WorkerSpec::Noop => "noop (returns at once)".into(),
        WorkerSpec::Command(c) => command_text(c),
        WorkerSpec::Python(p) => format!("python: {} in {}", p.function, p.python.display()),
        WorkerSpec::Summa(s) => summa_text(s),
    }
}

fn summa_text(s: &tidepool_models::SummaSpec) -> String {
    let routing = match &s.mizuroute_exe {
        Some(exe) => format!(" + mizuRoute {}", exe.display()),
        None => " (lumped, no routing)".into(),
    };
    let outlet = match s.outlet_reach {
        Some(reach) => format!("reach {reach}"),
        None => "the reach with the highest mean flow".into(),
    };
    format!(
        "summa: {}{routing}, fileManager {}; flow `q` at {outlet}",
        s.summa_exe.display(),
        s.file_manager.display()
    )
}

fn command_text(c: &tidepool_models::CommandSpec) -> String {
    let programs: Vec<&str> = c
        .stages
        .iter()
        .filter_map(|s| s.first().map(String::as_str))
        .chain(
            c.steps
                .iter()
                .filter_map(|s| s.run.first().map(String::as_str)),
        )
        .collect();
    let mut text = format!(
        "command: {} step(s): {}",
        programs.len(),
        programs.join(" | ")
    );
    if let Some(dir) = &c.template_dir {
        text += &format!("; a work dir per slot from {}", dir.display());
    }
    if !c.templates.is_empty() {
        text += &format!("; {} template(s)", c.templates.len());
    }
    if !c.responses.is_empty() {
        let names: Vec<&str> = c.responses.keys().map(String::as_str).collect();
        text += &format!("; responses {}", names.join(", "));
    }
    text
}

fn plan_text(p: &Plan) -> String {
    let mut lines = vec![
        format!("{}: ok", p.config.display()),
        format!("run {} in {}", p.run_name, p.run_dir.display()),
        format!(
            "launch: {} mode, {} agent(s), {} slot(s) per node",
            p.launch_mode,
            p.agents,
            p.slots_per_node
                .map_or_else(|| "one per core".to_string(), |n| n.to_string())
        ),
        format!("model: {}", p.model),
        format!(
            "search: {}, budget {}",
            p.algorithm,
            p.budget
                .map_or_else(|| "all rows".to_string(), |b| b.to_string())
        ),
    ];
    for param in &p.parameters {
        lines.push(format!(
            "  parameter {} in [{}, {}]",
            param.name, param.lower, param.upper
        ));
    }
    for item in &p.stage {
        lines.push(format!("stage: {item}"));
    }
    for item in &p.objective {
        lines.push(format!("objective: {item}"));
    }
    lines.join("\n")
}
