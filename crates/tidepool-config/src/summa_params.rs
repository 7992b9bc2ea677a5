//! The `[[parameters]]` of a summa model against its settings: every name must resolve
//! through the parameter plan (a local or basin SUMMA parameter, a mizuRoute
//! `param.nml` entry, a `*_multp` multiplier of one, `thickness_multp`, or a
//! `[model.param_map]` entry), and a plain SUMMA value may omit `lower`/`upper`: they
//! come from the `lower | upper` columns of localParamInfo.txt or basinParamInfo.txt.
//!
//! Omitted bounds are filled into the parsed TOML before the typed sections are read
//! (only when some are omitted, so every other config parses straight from its text
//! with spans for its errors).

use crate::error::ConfigError;
use crate::preflight::tidy;
use crate::sections::RunConfig;
use std::path::{Path, PathBuf};
use tidepool_models::{SummaSpec, SummaTables, WorkerSpec};

impl RunConfig {
    /// Every parameter name resolves through the plan; an unknown one is refused at
    /// its `name`, saying which files were searched.
    pub(crate) fn check_summa_params(&self) -> Result<(), ConfigError> {
        let WorkerSpec::Summa(spec) = self.worker_spec() else {
            return Ok(());
        };
        let tables = SummaTables::read(&spec, &|p| p.to_path_buf())
            .map_err(|reason| self.invalid_with_hint("model.file_manager", reason, READ_HINT))?;
        for (i, name) in self.parameter_names().into_iter().enumerate() {
            if let Err(reason) = tables.plan(&spec, std::slice::from_ref(&name)) {
                return Err(self.invalid_with_hint(
                    &format!("parameters[{i}].name"),
                    reason,
                    NAME_HINT,
                ));
            }
        }
        Ok(())
    }
}

const READ_HINT: &str = "the fileManager names the parameter tables (globalHruParamFile, globalGruParamFile) in the settings directory; check that they are there";
const NAME_HINT: &str = "a name is a SUMMA parameter of localParamInfo.txt or basinParamInfo.txt, a mizuRoute param.nml entry, `<name>_multp` for a multiplier of one, or `thickness_multp`; map any other name in [model.param_map]";

/// `table` with the omitted bounds of a summa model's parameters filled from its
/// parameter tables; `Ok(false)` when nothing was omitted (or the model is not summa).
pub(crate) fn fill_bounds(table: &mut toml::Table, path: &Path) -> Result<bool, ConfigError> {
    let is_summa = table
        .get("model")
        .and_then(|m| m.get("kind"))
        .and_then(|k| k.as_str())
        == Some("summa");
    let Some(toml::Value::Array(params)) = table.get("parameters") else {
        return Ok(false);
    };
    let omitted: Vec<usize> = (0..params.len())
        .filter(|&i| params[i].get("lower").is_none() || params[i].get("upper").is_none())
        .collect();
    if !is_summa || omitted.is_empty() {
        return Ok(false);
    }
    let spec = model_spec(table, path)?;
    let tables = SummaTables::read(&spec, &|p| p.to_path_buf())
        .map_err(|reason| invalid(path, "model.file_manager", reason))?;
    let Some(toml::Value::Array(params)) = table.get_mut("parameters") else {
        return Ok(false);
    };
    for i in omitted {
        let Some(entry) = params[i].as_table_mut() else {
            continue;
        };
        let name = entry
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let plan = tables
            .plan(&spec, &[name.to_string()])
            .map_err(|reason| invalid(path, &format!("parameters[{i}].name"), reason))?;
        let Some((lower, upper)) = plan.bounds(name) else {
            return Err(invalid(
                path,
                &format!("parameters[{i}]"),
                format!("parameter `{name}` has no `lower`/`upper`, and no parameter table gives bounds for it (only plain SUMMA values have them); add lower and upper"),
            ));
        };
        entry.entry("lower").or_insert(toml::Value::Float(lower));
        entry.entry("upper").or_insert(toml::Value::Float(upper));
    }
    Ok(true)
}

/// `[model]` as a summa spec with its paths resolved against the config's directory.
fn model_spec(table: &toml::Table, path: &Path) -> Result<SummaSpec, ConfigError> {
    let model = table
        .get("model")
        .cloned()
        .unwrap_or(toml::Value::Table(Default::default()));
    let spec: WorkerSpec = model
        .try_into()
        .map_err(|e: toml::de::Error| invalid(path, "model", e.message().to_string()))?;
    let WorkerSpec::Summa(mut spec) = spec else {
        return Err(invalid(path, "model", "not a summa model".into()));
    };
    let base = path.parent().unwrap_or(Path::new("."));
    for p in spec.paths_mut() {
        let joined: PathBuf = base.join(&*p);
        *p = tidy(&std::path::absolute(&joined).unwrap_or(joined));
    }
    Ok(spec)
}

fn invalid(path: &Path, key: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        key: key.to_string(),
        message,
        hint: Some(NAME_HINT.into()),
        at: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConfigError, RunConfig};
    use std::path::{Path, PathBuf};

    /// The fixture's settings (`../shared/fixtures/summa-bow`, next to the repository).
    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/summa-bow")
    }

    fn load(parameters: &str) -> Result<RunConfig, ConfigError> {
        let settings = fixture().join("settings");
        let text = format!(
            "[run]\nname = \"bow\"\n[model]\nkind = \"summa\"\nsumma_exe = \"/bin/sh\"\n\
             file_manager = \"{}/SUMMA/fileManager.txt\"\n\
             mizuroute_exe = \"/bin/sh\"\nmizuroute_control = \"{}/mizuRoute/mizuroute.control\"\n\
             simulation = [\"2008-07-15\", \"2008-07-30\"]\n{parameters}",
            settings.display(),
            settings.display()
        );
        let cfg = RunConfig::from_str(&text, Path::new("/runs/bow.toml"))?;
        cfg.check_summa_params()?;
        Ok(cfg)
    }

    /// `lower` and `upper` of `name` in a `name | default | lower | upper` table,
    /// Fortran `d` exponents read by hand.
    fn table_bounds(file: &str, name: &str) -> (f64, f64) {
        let text = std::fs::read_to_string(fixture().join("settings/SUMMA").join(file)).unwrap();
        let line = text
            .lines()
            .find(|l| l.split('|').next().unwrap().trim() == name)
            .unwrap();
        let cells: Vec<f64> = line
            .split('|')
            .skip(2)
            .map(|c| c.trim().replace(['d', 'D'], "e").parse().unwrap())
            .collect();
        (cells[0], cells[1])
    }

    #[test]
    fn omitted_bounds_come_from_the_parameter_tables() {
        let cfg = load(
            "[[parameters]]\nname = \"theta_sat\"\n\
             [[parameters]]\nname = \"k_macropore\"\ntransform = \"log10\"\n\
             [[parameters]]\nname = \"routingGammaScale\"\nlower = 1000\n\
             [[parameters]]\nname = \"k_soil_multp\"\nlower = 0.05\nupper = 1.5\n",
        )
        .unwrap();
        let bounds: Vec<(f64, f64)> = cfg.parameters.iter().map(|p| (p.lower, p.upper)).collect();
        assert_eq!(bounds[0], table_bounds("localParamInfo.txt", "theta_sat"));
        assert_eq!(bounds[0], (0.3, 0.6));
        assert_eq!(bounds[1], table_bounds("localParamInfo.txt", "k_macropore"));
        let gamma = table_bounds("basinParamInfo.txt", "routingGammaScale");
        assert_eq!(bounds[2], (1000.0, gamma.1), "a written bound stays");
        assert_eq!(bounds[3], (0.05, 1.5));
    }

    #[test]
    fn an_unknown_name_is_refused_naming_it_and_the_files_searched() {
        let err =
            load("[[parameters]]\nname = \"k_sol_multp\"\nlower = 0.1\nupper = 2\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("parameters[0].name"), "{text}");
        assert!(text.contains("k_sol"), "{text}");
        assert!(text.contains("localParamInfo.txt"), "{text}");
        assert!(text.contains("basinParamInfo.txt"), "{text}");
        assert!(text.contains("[model.param_map]"), "{text}");
    }

    #[test]
    fn a_multiplier_without_bounds_is_refused_with_what_to_write() {
        let err = load("[[parameters]]\nname = \"k_soil_multp\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("has no `lower`/`upper`"), "{text}");
        assert!(text.contains("add lower and upper"), "{text}");
    }
}
