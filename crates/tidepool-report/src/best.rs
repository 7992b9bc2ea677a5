//! The best trial's files that `tidepool run` writes at the end of a run:
//! `RUNDIR/best/best.json` (its objective, parameters, metric terms and periods) and
//! `RUNDIR/best/hydrograph-<series>.csv` (`time,observed,simulated`; an empty cell is a
//! missing value). Absent while the run goes on; then the report says so.

use crate::error::{ReportError, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `best/best.json`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct BestFile {
    pub trial: u64,
    pub objective: f64,
    pub label: String,
    pub shown: f64,
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
    #[serde(default)]
    pub terms: BTreeMap<String, f64>,
    pub calibration: Option<[String; 2]>,
    pub evaluation: Option<[String; 2]>,
    pub warmup_end: Option<String>,
}

/// One `hydrograph-<series>.csv`: times in Unix seconds, values (`None`: missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Hydrograph {
    pub series: String,
    pub rows: Vec<HydroRow>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HydroRow {
    pub time: i64,
    pub observed: Option<f64>,
    pub simulated: Option<f64>,
}

/// The best trial's files, when the run has written them.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    pub file: BestFile,
    pub hydrographs: Vec<Hydrograph>,
}

/// The directory the best trial's files are in.
pub fn best_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("best")
}

/// Read `best/` of a run; `None` when `best.json` is not there (yet).
pub fn read(run_dir: &Path) -> Result<Option<Best>> {
    let dir = best_dir(run_dir);
    let path = dir.join("best.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReportError::ReadBest { path, source }),
    };
    let file: BestFile = serde_json::from_str(&text).map_err(|e| ReportError::BadBest {
        path: path.clone(),
        line: e.line(),
        problem: e.to_string(),
    })?;
    let mut hydrographs = Vec::new();
    for csv in hydrograph_files(&dir)? {
        hydrographs.push(read_hydrograph(&csv)?);
    }
    Ok(Some(Best { file, hydrographs }))
}

/// `hydrograph-*.csv` in `dir`, sorted by name.
fn hydrograph_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| ReportError::ReadBest {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| series_name(p).is_some())
        .collect();
    files.sort();
    Ok(files)
}

fn series_name(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("hydrograph-")?.strip_suffix(".csv")
}

/// Read one hydrograph CSV.
pub fn read_hydrograph(path: &Path) -> Result<Hydrograph> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::ReadBest {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, problem: String| ReportError::BadBest {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == "time,observed,simulated" => {}
        _ => return Err(bad(1, "the header is not `time,observed,simulated`".into())),
    }
    let mut rows = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        rows.push(parse_row(line).map_err(|problem| bad(i + 1, problem))?);
    }
    let series = series_name(path).unwrap_or("flow").to_string();
    Ok(Hydrograph { series, rows })
}

fn parse_row(line: &str) -> Result<HydroRow, String> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    let [time, observed, simulated] = cells[..] else {
        return Err(format!("expected 3 cells, found {}", cells.len()));
    };
    let value = |cell: &str| -> Result<Option<f64>, String> {
        match cell {
            "" => Ok(None),
            _ => cell
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("`{cell}` is not a number")),
        }
    };
    Ok(HydroRow {
        time: tidepool_metrics::parse_time(time, None).map_err(|e| e.to_string())?,
        observed: value(observed)?,
        simulated: value(simulated)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_files_are_read_with_missing_cells() {
        let dir = tempfile::tempdir().unwrap();
        let best = dir.path().join("best");
        std::fs::create_dir(&best).unwrap();
        std::fs::write(
            best.join("best.json"),
            r#"{"trial": 7, "objective": 0.09, "label": "kge", "shown": 0.91,
                "parameters": {"k": 0.5}, "terms": {"kge": 0.09, "kge_eval": 0.2},
                "calibration": ["2013-01-01", "2013-01-02"], "evaluation": null,
                "warmup_end": "2013-01-01"}"#,
        )
        .unwrap();
        std::fs::write(
            best.join("hydrograph-q.csv"),
            "time,observed,simulated\n2013-01-01,1.5,\n2013-01-02,,2.25\n",
        )
        .unwrap();
        let got = read(dir.path()).unwrap().unwrap();
        assert_eq!(got.file.trial, 7);
        assert_eq!(got.file.evaluation, None);
        let rows = &got.hydrographs[0].rows;
        assert_eq!(got.hydrographs[0].series, "q");
        assert_eq!(rows[0].time, 1_356_998_400); // 2013-01-01T00:00:00Z
        assert_eq!((rows[0].observed, rows[0].simulated), (Some(1.5), None));
        assert_eq!((rows[1].observed, rows[1].simulated), (None, Some(2.25)));
    }

    #[test]
    fn no_best_file_is_none_and_a_bad_row_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let csv = dir.path().join("hydrograph-q.csv");
        std::fs::write(&csv, "time,observed,simulated\n2013-01-01,x,1\n").unwrap();
        let err = read_hydrograph(&csv).unwrap_err().to_string();
        assert!(err.contains("line 2: `x` is not a number"), "{err}");
    }
}
