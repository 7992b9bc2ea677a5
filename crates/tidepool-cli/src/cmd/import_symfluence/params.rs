//! The parameters SYMFLUENCE calibrates, with their bounds.
//!
//! `PARAMS_TO_CALIBRATE` (local, per HRU) and `BASIN_PARAMS_TO_CALIBRATE` (per GRU) are
//! SUMMA names whose absolute value SYMFLUENCE searches; in tidepool's summa model a
//! plain SUMMA name means the same. `MIZUROUTE_PARAMS_TO_CALIBRATE` counts only with
//! `CALIBRATE_MIZUROUTE: true`. Bounds, as SYMFLUENCE's parameter manager takes them:
//! `PARAMETER_BOUNDS` (`{name: [min, max]}`) first, else the lower/upper columns of
//! localParamInfo.txt / basinParamInfo.txt (Fortran numbers, `1.d-07`; swapped when
//! reversed, widened by 10 % of the value when equal), else for mizuRoute SYMFLUENCE's
//! own table. When the settings are not on this machine the file bounds are left out:
//! the summa model reads them from the same files when it runs.

use super::error::ImportError;
use super::source::{number, Source};
use std::path::Path;
use yaml_rust2::Yaml;

/// One `[[parameters]]` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    pub name: String,
    pub kind: &'static str,
    pub bounds: Option<Bounds>,
    /// Where the bounds come from (`PARAMETER_BOUNDS`, a file, SYMFLUENCE's table).
    pub from: String,
}

/// How `from` begins for a parameter its info file does not list.
pub const NOT_LISTED: &str = "not listed in";

/// SYMFLUENCE 0.9.2's bounds of mizuRoute parameters (`parameter_bounds_registry`).
const MIZU_BOUNDS: &[(&str, f64, f64)] = &[
    ("velo", 0.1, 5.0),
    ("diff", 100.0, 5000.0),
    ("mann_n", 0.01, 0.1),
    ("wscale", 0.0001, 0.01),
    ("fshape", 1.0, 5.0),
    ("tscale", 3600.0, 172800.0),
];

/// A parameter's (lower, upper).
pub type Bounds = (f64, f64);

/// `PARAMETER_BOUNDS`, by parameter name.
type Overrides = Vec<(String, Bounds)>;

/// The parameters of the config, local first, then basin, then mizuRoute.
pub fn params(src: &Source, settings: &Path) -> Result<Vec<Param>, ImportError> {
    let local = src.names("PARAMS_TO_CALIBRATE");
    let basin = src.names("BASIN_PARAMS_TO_CALIBRATE");
    let mizu = if src.bool("CALIBRATE_MIZUROUTE")?.unwrap_or(false) {
        src.names("MIZUROUTE_PARAMS_TO_CALIBRATE")
    } else {
        Vec::new()
    };
    if local.is_empty() && basin.is_empty() && mizu.is_empty() {
        return Err(ImportError::NoParameters {
            path: src.path.clone(),
            local: src.shown("PARAMS_TO_CALIBRATE"),
            basin: src.shown("BASIN_PARAMS_TO_CALIBRATE"),
        });
    }
    let overrides = overrides(src)?;
    let file = |key: &str, default: &str| {
        settings.join(src.path_setting(key).unwrap_or_else(|| default.to_owned()))
    };
    let local_info = file("SETTINGS_SUMMA_LOCAL_PARAMS_FILE", "localParamInfo.txt");
    let basin_info = file("SETTINGS_SUMMA_BASIN_PARAMS_FILE", "basinParamInfo.txt");
    let mut out = summa_params(src, local, "local", &local_info, &overrides);
    out.extend(summa_params(src, basin, "basin", &basin_info, &overrides));
    for name in mizu {
        out.push(mizu_param(src, name, &overrides)?);
    }
    Ok(out)
}

/// SUMMA parameters of one kind, bounded by `PARAMETER_BOUNDS` or the info file.
fn summa_params(
    src: &Source,
    names: Vec<String>,
    kind: &'static str,
    info: &Path,
    overrides: &Overrides,
) -> Vec<Param> {
    let table = std::fs::read_to_string(info).ok();
    names
        .into_iter()
        .map(|name| {
            let (bounds, from) = match (overrides.iter().find(|(n, _)| *n == name), &table) {
                (Some((_, b)), _) => (Some(*b), src.shown("PARAMETER_BOUNDS")),
                (None, Some(t)) => match info_bounds(t, &name) {
                    Some(b) => (Some(b), file_name(info)),
                    None => (None, format!("{NOT_LISTED} {}", file_name(info))),
                },
                (None, None) => (None, format!("{} at run time", file_name(info))),
            };
            Param {
                name,
                kind,
                bounds,
                from,
            }
        })
        .collect()
}

/// A mizuRoute parameter, bounded by `PARAMETER_BOUNDS` or SYMFLUENCE's table.
fn mizu_param(src: &Source, name: String, overrides: &Overrides) -> Result<Param, ImportError> {
    let over = overrides.iter().find(|(n, _)| *n == name).map(|(_, b)| *b);
    let table = MIZU_BOUNDS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, l, u)| (*l, *u));
    let (bounds, from) = match (over, table) {
        (Some(b), _) => (b, src.shown("PARAMETER_BOUNDS")),
        (None, Some(b)) => (b, "SYMFLUENCE's mizuRoute bounds".to_owned()),
        (None, None) => {
            return Err(ImportError::NoMizuBounds {
                path: src.path.clone(),
                key: src.shown("MIZUROUTE_PARAMS_TO_CALIBRATE"),
                name,
            })
        }
    };
    Ok(Param {
        name,
        kind: "mizuroute",
        bounds: Some(bounds),
        from,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `PARAMETER_BOUNDS: {name: [min, max]}`.
fn overrides(src: &Source) -> Result<Overrides, ImportError> {
    let Some(v) = src.get("PARAMETER_BOUNDS") else {
        return Ok(Vec::new());
    };
    let bad = || src.bad("PARAMETER_BOUNDS", "a mapping {name: [lower, upper]}");
    let Yaml::Hash(h) = v else { return Err(bad()) };
    h.iter()
        .map(|(k, v)| {
            let name = k.as_str().ok_or_else(bad)?.to_owned();
            let pair = match v {
                Yaml::Array(a) if a.len() == 2 => (number(&a[0]), number(&a[1])),
                Yaml::Hash(m) => (
                    m.get(&Yaml::String("min".into())).and_then(number),
                    m.get(&Yaml::String("max".into())).and_then(number),
                ),
                _ => (None, None),
            };
            match pair {
                (Some(l), Some(u)) if l < u => Ok((name, (l, u))),
                _ => Err(bad()),
            }
        })
        .collect()
}

/// A parameter's bounds in a `name | default | lower | upper` table (read by
/// `tidepool_summa::paraminfo`), as SYMFLUENCE takes them: swapped when reversed,
/// widened by 10 % when equal. A table that does not parse gives no bounds.
pub fn info_bounds(table: &str, name: &str) -> Option<Bounds> {
    let rows = tidepool_summa::paraminfo::parse(table).ok()?;
    let row = rows.iter().find(|p| p.name == name)?;
    let (mut lo, mut hi) = (row.lower, row.upper);
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    if lo == hi {
        let pad = if lo == 0.0 { 0.1 } else { lo.abs() * 0.1 };
        (lo, hi) = (lo - pad, hi + pad);
    }
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "! comment | x | y | z\n\
        k_soil                    |      7.5d-06 |       1.d-07 |     100.d-07\n\
        theta_sat                 |       0.5500 |       0.3000 |       0.6000\n\
        flipped                   |       1.0    |       5.0    |       2.0\n\
        fixed                     |       2.0    |       2.0    |       2.0\n";

    #[test]
    fn info_tables_read_fortran_numbers_and_fix_bounds_as_symfluence() {
        assert_eq!(info_bounds(TABLE, "k_soil"), Some((1e-7, 1e-5)));
        assert_eq!(info_bounds(TABLE, "theta_sat"), Some((0.3, 0.6)));
        assert_eq!(info_bounds(TABLE, "flipped"), Some((2.0, 5.0)));
        assert_eq!(info_bounds(TABLE, "fixed"), Some((1.8, 2.2)));
        assert_eq!(info_bounds(TABLE, "comment"), None);
        assert_eq!(info_bounds(TABLE, "absent"), None);
    }

    #[test]
    fn overrides_then_files_then_mizuroute_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("localParamInfo.txt"), TABLE).unwrap();
        let src = Source::parse(
            Path::new("c.yaml"),
            "PARAMS_TO_CALIBRATE: k_soil,theta_sat\nBASIN_PARAMS_TO_CALIBRATE: routingGammaScale\nCALIBRATE_MIZUROUTE: true\nMIZUROUTE_PARAMS_TO_CALIBRATE: velo,diff\nPARAMETER_BOUNDS:\n  theta_sat: [0.35, 0.5]\n  diff: {min: 200, max: 900}\n",
        )
        .unwrap();
        let p = params(&src, dir.path()).unwrap();
        let got: Vec<(&str, &str, Option<Bounds>)> = p
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.bounds))
            .collect();
        assert_eq!(
            got,
            [
                ("k_soil", "local", Some((1e-7, 1e-5))),
                ("theta_sat", "local", Some((0.35, 0.5))),
                ("routingGammaScale", "basin", None),
                ("velo", "mizuroute", Some((0.1, 5.0))),
                ("diff", "mizuroute", Some((200.0, 900.0))),
            ]
        );
        assert_eq!(p[2].from, "basinParamInfo.txt at run time");
        let src = Source::parse(Path::new("c.yaml"), "PARAMS_TO_CALIBRATE: k_sol\n").unwrap();
        let p = params(&src, dir.path()).unwrap();
        assert_eq!(p[0].from, "not listed in localParamInfo.txt");
    }

    #[test]
    fn mizuroute_parameters_count_only_when_calibrated() {
        let src = Source::parse(
            Path::new("c.yaml"),
            "PARAMS_TO_CALIBRATE: k_soil\nMIZUROUTE_PARAMS_TO_CALIBRATE: velo\nCALIBRATE_MIZUROUTE: false\n",
        )
        .unwrap();
        let p = params(&src, Path::new("/nonexistent")).unwrap();
        assert_eq!(p.len(), 1);
    }
}
