//! Responses read from a command model's output files after its last step
//! (`[model.responses.NAME]`). Each kind is an [`Extractor`]: given the text of its file
//! it yields a scalar or a time series. Kinds: `csv` (a column of a CSV or whitespace
//! table, a series when it has a date column), `regex` (one capture group), `keyword`
//! (OSTRICH: the line holding a keyword, a line offset, a whitespace token), `netcdf` (a
//! variable at a coordinate value, e.g. a reach id: a series on the file's CF time axis;
//! read from the file's path, not its text). A new kind is one more variant of
//! [`ResponseSpec`] and one more extractor.

mod csv;
mod netcdf;
mod text;

pub use self::csv::{Column, CsvResponse, Delimiter};
pub use self::netcdf::NetcdfResponse;
pub use self::text::{KeywordResponse, Occurrence, RegexResponse};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_metrics::Series;

/// One `[model.responses.NAME]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ResponseSpec {
    Csv(CsvResponse),
    Regex(RegexResponse),
    Keyword(KeywordResponse),
    Netcdf(NetcdfResponse),
}

/// What one response gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    Scalar(f64),
    Series(Series),
}

/// Reads one response from the text of its file; `Err` says what is missing.
pub(crate) trait Extractor: Send + Sync + std::fmt::Debug {
    fn extract(&self, name: &str, text: &str) -> Result<Extracted, String>;

    /// A kind that reads a binary file itself does so here from its path; the text
    /// kinds give `None` and get the file's text through [`Extractor::extract`].
    fn extract_path(&self, _name: &str, _path: &Path) -> Option<Result<Extracted, String>> {
        None
    }
}

impl ResponseSpec {
    /// The file the response is read from, relative to the work directory.
    pub fn file(&self) -> &Path {
        match self {
            ResponseSpec::Csv(r) => &r.file,
            ResponseSpec::Regex(r) => &r.file,
            ResponseSpec::Keyword(r) => &r.file,
            ResponseSpec::Netcdf(r) => &r.file,
        }
    }

    /// The extractor, or why the table cannot make one (a regex that does not compile
    /// or has not exactly one capture group).
    pub(crate) fn extractor(&self) -> Result<Box<dyn Extractor>, String> {
        Ok(match self {
            ResponseSpec::Csv(r) => Box::new(r.clone()),
            ResponseSpec::Regex(r) => Box::new(r.compile()?),
            ResponseSpec::Keyword(r) => Box::new(r.clone()),
            ResponseSpec::Netcdf(r) => Box::new(r.clone()),
        })
    }

    /// Why this table cannot be used, if it cannot; for the pre-flight check.
    pub fn problem(&self) -> Option<String> {
        self.extractor().err()
    }
}

/// A response that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("response `{response}` from {}: {reason}", file.display())]
pub struct ResponseError {
    pub response: String,
    pub file: PathBuf,
    pub reason: String,
}

/// The extractors of a model, built once per slot.
#[derive(Debug, Default)]
pub(crate) struct ResponseSet {
    extractors: Vec<(String, PathBuf, Box<dyn Extractor>)>,
}

/// Scalars and series read after a trial.
#[derive(Debug, Default)]
pub(crate) struct Readings {
    pub scalars: BTreeMap<String, f64>,
    pub series: BTreeMap<String, Series>,
}

impl Readings {
    fn add(&mut self, name: &str, extracted: Extracted) {
        match extracted {
            Extracted::Scalar(x) => drop(self.scalars.insert(name.to_string(), x)),
            Extracted::Series(s) => drop(self.series.insert(name.to_string(), s)),
        }
    }
}

impl ResponseSet {
    pub(crate) fn build(specs: &BTreeMap<String, ResponseSpec>) -> Result<ResponseSet, String> {
        let mut extractors = Vec::new();
        for (name, spec) in specs {
            let extractor = spec
                .extractor()
                .map_err(|why| format!("response `{name}`: {why}"))?;
            extractors.push((name.clone(), spec.file().to_path_buf(), extractor));
        }
        Ok(ResponseSet { extractors })
    }

    /// Reads every response from files under `workdir`.
    pub(crate) fn read(&self, workdir: &Path) -> Result<Readings, ResponseError> {
        let mut readings = Readings::default();
        let mut texts: BTreeMap<&Path, String> = BTreeMap::new();
        for (name, file, extractor) in &self.extractors {
            let fail = |reason: String| ResponseError {
                response: name.clone(),
                file: workdir.join(file),
                reason,
            };
            if let Some(read) = extractor.extract_path(name, &workdir.join(file)) {
                readings.add(name, read.map_err(fail)?);
                continue;
            }
            if !texts.contains_key(file.as_path()) {
                let text = std::fs::read_to_string(workdir.join(file)).map_err(|err| {
                    fail(match err.kind() {
                        std::io::ErrorKind::NotFound => {
                            "the file does not exist: the model did not write it".to_string()
                        }
                        _ => format!("cannot read the file: {err}"),
                    })
                })?;
                texts.insert(file.as_path(), text);
            }
            let extracted = extractor
                .extract(name, &texts[file.as_path()])
                .map_err(fail)?;
            readings.add(name, extracted);
        }
        Ok(readings)
    }
}

/// A number as models write it: Rust's syntax, also with a Fortran `D` exponent
/// (`1.5D+02`); `NaN`, `nan` and `inf` are numbers too.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    text.parse::<f64>()
        .ok()
        .or_else(|| text.replace(['D', 'd'], "e").parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_deserialise_by_kind_and_refuse_unknown_keys() {
        let spec: ResponseSpec =
            toml::from_str("kind = \"regex\"\nfile = \"out.txt\"\npattern = \"kge=(\\\\S+)\"")
                .unwrap();
        assert!(matches!(spec, ResponseSpec::Regex(_)));
        let err = toml::from_str::<ResponseSpec>(
            "kind = \"csv\"\nfile = \"q.csv\"\ncolumn = 1\ncolum = 2",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `colum`"), "{err}");
    }

    #[test]
    fn fortran_d_exponents_are_numbers() {
        assert_eq!(parse_number(" 1.5D+02 "), Some(150.0));
        assert_eq!(parse_number("2.5e-1"), Some(0.25));
        assert!(parse_number("NaN").unwrap().is_nan());
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn a_missing_file_names_the_response_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let specs = BTreeMap::from([(
            "peak".to_string(),
            toml::from_str::<ResponseSpec>(
                "kind = \"keyword\"\nfile = \"out.txt\"\nkeyword = \"PEAK\"",
            )
            .unwrap(),
        )]);
        let set = ResponseSet::build(&specs).unwrap();
        let err = set.read(dir.path()).unwrap_err();
        assert_eq!(err.response, "peak");
        assert_eq!(err.file, dir.path().join("out.txt"));
        assert!(err.to_string().contains("did not write it"), "{err}");
    }
}
