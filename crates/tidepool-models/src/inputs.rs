//! What a `command` trial's files get before its first step: the declared response
//! files removed (so a stale output is never read as this trial's), each template
//! rendered with the trial's values (formatted per `[model] formats`) and written
//! atomically, and, in a slot work directory, `params.json`. Templates are read once
//! when the slot starts.

use crate::filetemplate::{render, write_atomically};
use crate::format::ValueFormat;
use crate::{CommandSpec, TemplateStyle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A template read into memory.
#[derive(Debug)]
struct Loaded {
    output: PathBuf,
    style: TemplateStyle,
    text: String,
}

/// A slot's per-trial inputs.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    templates: Vec<Loaded>,
    formats: BTreeMap<String, ValueFormat>,
    outputs: Vec<PathBuf>,
}

/// One trial's values for templates.
pub(crate) struct Values<'a> {
    pub params: &'a [(String, f64)],
    pub trial: u64,
    pub attempt: u32,
    pub workdir: &'a str,
}

impl Inputs {
    /// Reads the templates (a relative path is relative to `template_dir`, else to the
    /// current directory) and parses the formats.
    pub(crate) fn load(spec: &CommandSpec) -> Result<Inputs, String> {
        let mut formats = BTreeMap::new();
        for (name, text) in &spec.formats {
            let format = ValueFormat::parse(text).map_err(|e| format!("formats.{name}: {e}"))?;
            formats.insert(name.clone(), format);
        }
        let base = spec.template_dir.clone().unwrap_or_default();
        let templates = spec
            .templates
            .iter()
            .map(|t| {
                let path = base.join(&t.file);
                let text = std::fs::read_to_string(&path)
                    .map_err(|err| format!("cannot read template {}: {err}", path.display()))?;
                Ok(Loaded {
                    output: t.output_path(),
                    style: t.style,
                    text,
                })
            })
            .collect::<Result<_, String>>()?;
        let outputs = spec
            .responses
            .values()
            .map(|r| r.file().to_path_buf())
            .collect();
        Ok(Inputs {
            templates,
            formats,
            outputs,
        })
    }

    /// Template outputs, relative to the trial's directory (never linked into it).
    pub(crate) fn rendered_files(&self) -> Vec<PathBuf> {
        self.templates.iter().map(|t| t.output.clone()).collect()
    }

    /// Prepares `dir` for one trial.
    pub(crate) fn write(&self, dir: &Path, values: &Values) -> Result<(), String> {
        for output in &self.outputs {
            let path = dir.join(output);
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(format!(
                        "cannot remove old output {}: {err}",
                        path.display()
                    ))
                }
                _ => {}
            }
        }
        let names: Vec<&str> = values.params.iter().map(|(n, _)| n.as_str()).collect();
        for template in &self.templates {
            let text = render(&template.text, template.style, &names, |n| {
                self.value(values, n)
            });
            let path = dir.join(&template.output);
            write_atomically(&path, &text)
                .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        }
        Ok(())
    }

    fn value(&self, values: &Values, name: &str) -> Option<String> {
        match name {
            "trial" => return Some(values.trial.to_string()),
            "attempt" => return Some(values.attempt.to_string()),
            "workdir" => return Some(values.workdir.to_string()),
            _ => {}
        }
        let (_, value) = values.params.iter().find(|(n, _)| n == name)?;
        let format = self.formats.get(name).unwrap_or(&ValueFormat::Shortest);
        Some(format.write(*value))
    }
}
