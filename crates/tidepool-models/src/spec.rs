//! What a slot runs and where it lives: the `[model]` section as data.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::filetemplate::TemplateStyle;
pub use crate::responses::ResponseSpec;

pub use crate::sentinel::Sentinel;
pub use crate::staged::StagedPaths;

/// What a slot runs (`[model]` in the run config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorkerSpec {
    /// Returns at once; for measuring the engine.
    Noop,
    /// The agent runs the trial's command pipeline (one process tree per trial).
    Command(CommandSpec),
    /// One long-lived interpreter per slot evaluating `module:function`.
    Python(PythonSpec),
    /// SUMMA (+ mizuRoute) run natively: parameters into NetCDF, flow back as `q`.
    Summa(crate::summa::SummaSpec),
}

/// A command pipeline: each stage is argv; `{name}` in an argument is replaced by the
/// parameter's value, `{trial}` by the trial id, `{attempt}` by the attempt number,
/// `{workdir}` by the directory the trial runs in (`{{` and `}}` stand for literal
/// braces). `steps` is the same pipeline with per-step env, directory and timeout;
/// exactly one of `stages` and `steps` is given. With `template_dir`, each slot works in
/// one directory populated from it once (see `workdir`); `templates` are rendered into
/// the directory the trial runs in, and `responses` are read from it after the last step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommandSpec {
    #[serde(default)]
    pub stages: Vec<Vec<String>>,
    #[serde(default)]
    pub steps: Vec<StepSpec>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The model's files, linked (read-only ones) or copied (`copy`) into the slot's work
    /// directory once per slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_dir: Option<PathBuf>,
    /// Globs (relative to `template_dir`) of files the model writes: copied, not linked.
    #[serde(default)]
    pub copy: Vec<String>,
    #[serde(default)]
    pub templates: Vec<TemplateFile>,
    /// Per parameter, how its value is written into templates (`"%.6e"`, `"F10.4"`).
    #[serde(default)]
    pub formats: BTreeMap<String, String>,
    #[serde(default)]
    pub responses: BTreeMap<String, ResponseSpec>,
}

/// One step of a pipeline: argv (`run`), its own extra environment, its directory
/// relative to the trial's directory, and its own time limit (the trial's timeout stays
/// the overall limit).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub run: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    #[serde(
        default,
        with = "crate::duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
}

impl CommandSpec {
    /// The pipeline as steps: `steps`, or `stages` as steps without their own settings.
    pub fn pipeline(&self) -> Vec<StepSpec> {
        if !self.steps.is_empty() {
            return self.steps.clone();
        }
        self.stages
            .iter()
            .map(|run| StepSpec {
                run: run.clone(),
                ..StepSpec::default()
            })
            .collect()
    }
}

/// A templated file: `"params.txt.tpl"`, or `{ file = "x.in", style = "literal",
/// output = "x.in" }`. The rendered file is `output` in the trial's directory; by
/// default the template's path as written with a `.tpl` suffix removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateFile {
    pub file: PathBuf,
    pub style: TemplateStyle,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
}

impl TemplateFile {
    /// Where the rendered file goes, relative to the trial's directory.
    pub fn output_path(&self) -> PathBuf {
        if let Some(output) = &self.output {
            return output.clone();
        }
        let written = match self.file.is_absolute() {
            true => PathBuf::from(self.file.file_name().unwrap_or_default()),
            false => self.file.clone(),
        };
        match written.to_str().and_then(|t| t.strip_suffix(".tpl")) {
            Some(stripped) if !stripped.is_empty() => PathBuf::from(stripped),
            _ => written,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateTable {
    file: PathBuf,
    #[serde(default)]
    style: TemplateStyle,
    #[serde(default)]
    output: Option<PathBuf>,
}

impl<'de> Deserialize<'de> for TemplateFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = TemplateFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a template path, or a table { file = \"...\", style = \"braces\" | \"literal\", output = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TemplateFile, E> {
                Ok(TemplateFile {
                    file: text.into(),
                    style: TemplateStyle::Braces,
                    output: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<TemplateFile, A::Error> {
                let table =
                    TemplateTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(TemplateFile {
                    file: table.file,
                    style: table.style,
                    output: table.output,
                })
            }
        }
        d.deserialize_any(Entry)
    }
}

/// A Python function `module:function` taking a dict of parameters and returning a
/// number (the objective) or a dict of named responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonSpec {
    pub function: String,
    /// The interpreter to start (e.g. a staged venv's bin/python).
    pub python: PathBuf,
    /// Directories prepended to sys.path.
    #[serde(default)]
    pub path: Vec<PathBuf>,
}

/// Where a slot lives and what it may use.
#[derive(Debug, Clone)]
pub struct SlotContext {
    pub node: String,
    pub slot: u32,
    /// The slot's own directory on node-local scratch; trial output stays here.
    pub scratch: PathBuf,
    /// Extra environment (e.g. staged PATH, VIRTUAL_ENV, LD_LIBRARY_PATH).
    pub env: Vec<(String, String)>,
    /// Which trial directories stay on scratch (`[slots] keep_workdirs`).
    pub keep: KeepWorkdirs,
    /// Kills the slot's process groups if the agent dies ([`Sentinel::none`]: no one).
    pub sentinel: Sentinel,
    /// Original path -> node-local copy of what `[stage]` staged (empty without
    /// staging); a model reading a configured path (a template directory) maps it.
    pub staged: StagedPaths,
}

/// Which trial directories a slot leaves on scratch (`[slots] keep_workdirs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepWorkdirs {
    /// The last few failed ones (their path is in the failure record); the rest go.
    #[default]
    Failed,
    /// Every trial's directory, successful or not.
    All,
    /// None: every trial directory is removed when its trial ends.
    None,
}
