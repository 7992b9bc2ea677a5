//! What the import tells its user: what it wrote, what it assumed, every key it could
//! not map with its value, and the commands to run next.

use super::keys;
use super::map::Imported;
use super::source::{show, Source};
use serde::Serialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One key left unmapped.
#[derive(Debug, Clone, Serialize)]
pub struct Unmapped {
    /// As written in the config (a flat key or a nested path).
    pub key: String,
    pub value: String,
    /// True when the key bears on a SUMMA calibration (shown without `--all-keys`).
    pub relevant: bool,
}

#[derive(Debug)]
pub struct Summary<'a> {
    config: PathBuf,
    nested: bool,
    output: Option<PathBuf>,
    imported: &'a Imported,
    unmapped: Vec<Unmapped>,
}

#[derive(Debug, Serialize)]
pub struct Json<'a> {
    config: &'a Path,
    layout: &'static str,
    output: Option<&'a Path>,
    #[serde(flatten)]
    imported: &'a Imported,
    unmapped: &'a [Unmapped],
    next: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    toml: Option<&'a str>,
}

/// A number as a person reads it: `1e-7` rather than `0.0000001`.
fn num(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A value that says something: not null, empty or SYMFLUENCE's `default`.
fn is_set(v: &yaml_rust2::Yaml) -> bool {
    let text = show(v);
    !matches!(text.as_str(), "null" | "" | "[]" | "{}") && !text.eq_ignore_ascii_case("default")
}

impl<'a> Summary<'a> {
    pub fn new(src: &Source, imported: &'a Imported, output: Option<&Path>) -> Summary<'a> {
        let unmapped = src
            .unused()
            .into_iter()
            .map(|e| Unmapped {
                key: e.written.clone(),
                value: show(&e.value),
                relevant: keys::bears_on_calibration(&e.key) && is_set(&e.value),
            })
            .collect();
        Summary {
            config: src.path.clone(),
            nested: src.nested,
            output: output.map(Path::to_owned),
            imported,
            unmapped,
        }
    }

    fn next(&self) -> Vec<String> {
        let target = self
            .output
            .as_ref()
            .map_or_else(|| "tidepool.toml".to_owned(), |p| p.display().to_string());
        let mut next = Vec::new();
        if self.output.is_none() {
            next.push(format!(
                "tidepool import symfluence {} -o {target}",
                self.config.display()
            ));
        }
        next.push(format!("tidepool check {target}"));
        next.push(format!("tidepool run {target}"));
        next
    }

    pub fn json(&'a self, toml: Option<&'a String>) -> Json<'a> {
        Json {
            config: &self.config,
            layout: if self.nested { "nested" } else { "flat" },
            output: self.output.as_deref(),
            imported: self.imported,
            unmapped: &self.unmapped,
            next: self.next(),
            toml: toml.map(String::as_str),
        }
    }

    pub fn text(&self, all_keys: bool) -> String {
        let i = self.imported;
        let mut t = String::new();
        let layout = if self.nested { "nested" } else { "flat" };
        let to = self
            .output
            .as_ref()
            .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
        let _ = writeln!(
            t,
            "imported {} ({layout}, SYMFLUENCE {}) into {to}",
            self.config.display(),
            i.symfluence_version
        );
        let _ = writeln!(t, "  run         {}", i.run_name);
        let _ = writeln!(
            t,
            "  search      {}, budget {}: {}",
            i.search.algorithm, i.search.budget, i.search.reason
        );
        let _ = writeln!(t, "  slots       {}", i.slots);
        let _ = writeln!(t, "  parameters  {}", i.parameters.len());
        for p in &i.parameters {
            let bounds = p.bounds.map_or_else(
                || "bounds".to_owned(),
                |(l, u)| format!("[{}, {}]", num(l), num(u)),
            );
            let _ = writeln!(
                t,
                "    {:<22} {:<9} {bounds} from {}",
                p.name, p.kind, p.from
            );
        }
        let o = &i.objective;
        let _ = writeln!(
            t,
            "  objective   {} on {} .. {}",
            o.metric, o.calibration.0, o.calibration.1
        );
        for note in &i.notes {
            let _ = writeln!(t, "note: {note}");
        }
        self.unmapped_text(&mut t, all_keys);
        let _ = writeln!(t, "next:");
        for cmd in self.next() {
            let _ = writeln!(t, "  {cmd}");
        }
        t
    }

    fn unmapped_text(&self, t: &mut String, all_keys: bool) {
        let (shown, hidden): (Vec<&Unmapped>, Vec<&Unmapped>) =
            self.unmapped.iter().partition(|u| u.relevant || all_keys);
        if !shown.is_empty() {
            let _ = writeln!(t, "not mapped ({}):", shown.len());
            for u in shown {
                let _ = writeln!(t, "  {} = {}", u.key, u.value);
            }
        }
        if !hidden.is_empty() {
            let _ = writeln!(
                t,
                "not mapped, not part of a SUMMA calibration: {} keys (other models, data, \
                 domain set-up; --all-keys lists them)",
                hidden.len()
            );
        }
    }
}
