//! `kind = "netcdf"`: a variable of a NetCDF file taken along one dimension where its
//! coordinate variable holds a value (`variable = "IRFroutedRunoff"`, `coordinate =
//! "reachID"`, `value = 71028585`), as a series on the file's CF time axis. The reach is
//! found by its id, never by position (tidepool-summa's `series_at`).

use super::{Extracted, Extractor};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[model.responses.NAME] kind = "netcdf"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetcdfResponse {
    pub file: PathBuf,
    /// The variable, on `(time, X)` or `(X, time)`.
    pub variable: String,
    /// The coordinate variable of `X` (e.g. `reachID`).
    pub coordinate: String,
    /// The coordinate's value picking the position along `X`.
    pub value: i64,
}

impl Extractor for NetcdfResponse {
    fn extract(&self, _name: &str, _text: &str) -> Result<Extracted, String> {
        Err("a NetCDF file is read from its path, not as text".into())
    }

    fn extract_path(&self, _name: &str, path: &Path) -> Option<Result<Extracted, String>> {
        let read = tidepool_summa::netcdf_io::series_at(
            path,
            &self.variable,
            &self.coordinate,
            self.value,
        );
        Some(
            read.map(Extracted::Series)
                .map_err(|err| crate::summa::chain(&err)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture's mizuRoute output (`../shared/fixtures/summa-bow`, next to the repository).
    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/summa-bow/outputs/mizuRoute/run1.h.2008.nc"
    );

    fn response(value: i64) -> NetcdfResponse {
        NetcdfResponse {
            file: FIXTURE.into(),
            variable: "IRFroutedRunoff".into(),
            coordinate: "reachID".into(),
            value,
        }
    }

    /// The values of `IRFroutedRunoff` at the reach's position, as `ncdump` prints them.
    fn ncdump_column(reach: i64) -> Vec<f64> {
        let dump = |var: &str| {
            let out = std::process::Command::new("ncdump")
                .args(["-v", var, FIXTURE])
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            let data = text.split("data:").nth(1).unwrap().to_string();
            let body = data.split(&format!("{var} =")).nth(1).unwrap();
            body.split(';')
                .next()
                .unwrap()
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty())
                .map(|t| t.parse::<f64>().unwrap())
                .collect::<Vec<f64>>()
        };
        let ids = dump("reachID");
        let at = ids.iter().position(|id| *id == reach as f64).unwrap();
        let flow = dump("IRFroutedRunoff");
        flow.chunks(ids.len()).map(|row| row[at]).collect()
    }

    #[test]
    fn the_outlet_reach_is_read_by_id_and_matches_ncdump() {
        let present = tidepool_testkit::which("ncdump").is_some();
        if !tidepool_testkit::require(present, "ncdump (Debian's netcdf-bin)") {
            return;
        }
        let got = response(71028585)
            .extract_path("q", Path::new(FIXTURE))
            .unwrap()
            .unwrap();
        let Extracted::Series(series) = got else {
            panic!("not a series");
        };
        let expected = ncdump_column(71028585);
        assert_eq!(series.values().len(), 16);
        for (got, want) in series.values().iter().zip(&expected) {
            assert!(
                (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn a_response_table_reads_the_series_from_the_work_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(FIXTURE, dir.path().join("routed.nc")).unwrap();
        let spec: super::super::ResponseSpec = toml::from_str(
            "kind = \"netcdf\"\nfile = \"routed.nc\"\nvariable = \"IRFroutedRunoff\"\n\
             coordinate = \"reachID\"\nvalue = 71028585",
        )
        .unwrap();
        let specs = std::collections::BTreeMap::from([("q".to_string(), spec)]);
        let set = super::super::ResponseSet::build(&specs).unwrap();
        let readings = set.read(dir.path()).unwrap();
        let q = &readings.series["q"];
        assert_eq!(q.values().len(), 16);
        // 2008-07-15 00:00 UTC, the first day of the fixture's output.
        assert_eq!(q.times()[0], 1_216_080_000);
    }

    #[test]
    fn an_unknown_reach_names_it() {
        let err = response(42)
            .extract_path("q", Path::new(FIXTURE))
            .unwrap()
            .unwrap_err();
        assert!(err.contains("42"), "{err}");
    }
}
