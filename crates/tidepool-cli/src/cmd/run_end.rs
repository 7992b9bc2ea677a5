//! What a run leaves behind when it ends: the best parameters as TOML and JSON in
//! `RUNDIR/best/`, a summary on the terminal, and with `--json` one final line a script
//! can read (`state`, counts, the best objective and metric, parameters, paths).

use crate::output::Output;
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_journal::JournalReader;
use tidepool_pool::recorder::RunState;
use tidepool_pool::status::RunStatus;

/// Directory under the run directory holding the best trial's files.
pub const BEST_DIR: &str = "best";

/// The final line of `tidepool run --json`: the status fields plus what a script needs.
#[derive(Debug, Serialize)]
pub struct FinalLine<'a> {
    #[serde(flatten)]
    pub status: &'a RunStatus,
    /// The metric's name (`kge`), or `objective` without `[objective]`.
    pub metric: String,
    /// The best objective shown as the metric (`kge 0.91`, never a negated number).
    pub best_metric: Option<f64>,
    pub run_dir: PathBuf,
    /// The best trial's objective terms (`kge_q`, and `kge_q_eval` on the evaluation
    /// period), from `[objective]`.
    pub best_terms: BTreeMap<String, f64>,
    /// The report file, when one was written.
    pub report: Option<PathBuf>,
    /// Directory holding the best parameters (TOML, JSON) and the best trial's files.
    pub best_dir: Option<PathBuf>,
    /// A summa model's outlet reach when tidepool chose it (the highest mean flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_outlet: Option<i64>,
}

/// The best observed trial: its id, minimised objective and parameters by name.
#[derive(Debug, Clone, PartialEq)]
pub struct BestTrial {
    pub trial: u64,
    pub objective: f64,
    pub params: BTreeMap<String, f64>,
    pub responses: BTreeMap<String, f64>,
}

/// The best observed trial, if any trial was observed with an objective.
pub fn best_trial(reader: &JournalReader) -> anyhow::Result<Option<BestTrial>> {
    let Some(best) = reader.best()? else {
        return Ok(None);
    };
    let names = reader.parameters();
    let params = names
        .iter()
        .cloned()
        .zip(best.params.iter().copied())
        .collect();
    Ok(best.objective.map(|objective| BestTrial {
        trial: best.id,
        objective,
        params,
        responses: best.responses,
    }))
}

/// Write `best/parameters.toml` and `best/parameters.json`; returns the directory.
pub fn write_best_parameters(
    run_dir: &Path,
    trial: u64,
    params: &BTreeMap<String, f64>,
) -> anyhow::Result<PathBuf> {
    let dir = run_dir.join(BEST_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut toml_text = format!("# best parameters of the run, trial {trial}\n");
    toml_text.push_str(&toml::to_string(params).context("cannot write parameters as TOML")?);
    let json_text = serde_json::to_string_pretty(params)? + "\n";
    for (name, text) in [
        ("parameters.toml", toml_text),
        ("parameters.json", json_text),
    ] {
        let path = dir.join(name);
        tidepool_rundir::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir)
}

/// The human summary of a run that ended.
pub fn summary_text(s: &RunStatus, metric: &str, best_metric: Option<f64>) -> String {
    let state = match s.state {
        RunState::Finished => "finished",
        RunState::Interrupted => "interrupted (resumable)",
        RunState::Failed => "failed",
        RunState::Running => "running",
    };
    let mut text = format!(
        "run {} {state}: {} trials done ({} failed) in {:.2} s, {:.0} trials/s on {} slots",
        s.name, s.trials_done, s.trials_failed, s.elapsed_s, s.trials_per_sec, s.slots_total
    );
    if let Some(best) = best_metric {
        text.push_str(&format!(
            "\nbest {metric} {}",
            tidepool_objective::number(best)
        ));
    }
    if let Some(params) = &s.best_parameters {
        let list: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k} = {}", short_number(*v)))
            .collect();
        text.push_str(&format!("\nbest parameters: {}", list.join(", ")));
    }
    text
}

/// A number with at most 6 significant digits, for people.
pub fn short_number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-4) {
        format!("{x:.5e}")
    } else {
        let digits = 5 - x.abs().log10().floor().clamp(-5.0, 5.0) as i32;
        let text = format!("{x:.*}", digits.max(0) as usize);
        match text.contains('.') {
            true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
            false => text,
        }
    }
}

/// Print the final summary, or the final JSON line.
pub fn print_final(out: &Output, line: &FinalLine<'_>) -> anyhow::Result<()> {
    if out.is_json() {
        out.json_line(line)
    } else {
        let mut text = summary_text(line.status, &line.metric, line.best_metric);
        if !line.best_terms.is_empty() {
            let terms: Vec<String> = line
                .best_terms
                .iter()
                .map(|(k, v)| format!("{k} {}", tidepool_objective::number(*v)))
                .collect();
            text.push_str(&format!("\nbest trial's terms: {}", terms.join(", ")));
        }
        if let Some(reach) = line.chosen_outlet {
            text.push_str(&format!(
                "\noutlet: reach {reach}, the reach with the highest mean flow (set [model] outlet_reach to choose another)"
            ));
        }
        if let Some(dir) = &line.best_dir {
            text.push_str(&format!("\nbest trial's files: {}", dir.display()));
        }
        if let Some(report) = &line.report {
            text.push_str(&format!("\nreport: {}", report.display()));
        }
        out.human(&text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::short_number;

    #[test]
    fn short_numbers_keep_six_significant_digits() {
        assert_eq!(short_number(0.912345678), "0.912346");
        assert_eq!(short_number(1.0), "1");
        assert_eq!(short_number(123.456789), "123.457");
        assert_eq!(short_number(-0.5), "-0.5");
        assert_eq!(short_number(1.5e-7), "1.50000e-7");
        assert_eq!(short_number(0.0), "0");
    }
}
