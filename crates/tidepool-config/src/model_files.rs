//! Pre-flight checks of a command model built from files (`[model] template_dir`,
//! `templates`, `formats`, `steps`, `responses`), and the paths as the agents use them.
//! Refused before the run starts, each pointing at its key: a template directory that
//! is not one, a template that cannot be read or whose `{{name}}` names no parameter
//! (the template's file, line and column in the message), a literal-style template no
//! parameter occurs in, a format that cannot be read or that names no parameter, a
//! response table that cannot work (a regex without exactly one group), both `stages`
//! and `steps`, and a step without a program.
//!
//! Relative paths: `template_dir` is relative to the config file's directory;
//! `templates` to `template_dir` when it is given, else to the config file's
//! directory; response files and step `dir`s to the directory a trial runs in.

use crate::error::ConfigError;
use crate::sections::RunConfig;
use std::path::PathBuf;
use tidepool_models::{check_template, CommandSpec, ValueFormat, WorkerSpec};

impl RunConfig {
    /// The checks above; a no-op for other model kinds.
    pub(crate) fn check_model_files(&self) -> Result<(), ConfigError> {
        let WorkerSpec::Command(spec) = &self.model else {
            return Ok(());
        };
        self.check_steps(spec)?;
        self.check_formats(spec)?;
        for (name, response) in &spec.responses {
            if let Some(problem) = response.problem() {
                let field = match response {
                    tidepool_models::ResponseSpec::Regex(_) => ".pattern",
                    _ => "",
                };
                return Err(self.invalid(&format!("model.responses.{name}{field}"), problem));
            }
        }
        if let Some(dir) = &spec.template_dir {
            let resolved = self.resolve(dir);
            if !resolved.is_dir() {
                return Err(self.invalid_with_hint(
                    "model.template_dir",
                    format!("template directory {} not found", resolved.display()),
                    "a relative path is relative to the config file's directory",
                ));
            }
        }
        self.check_templates(spec)
    }

    fn check_steps(&self, spec: &CommandSpec) -> Result<(), ConfigError> {
        if !spec.steps.is_empty() && !spec.stages.is_empty() {
            return Err(self.invalid_with_hint(
                "model.steps",
                "both `stages` and `steps` are given",
                "`steps` are `stages` with their own env, dir and timeout: keep one of the two",
            ));
        }
        for (i, step) in spec.steps.iter().enumerate() {
            if step.run.first().is_none_or(|program| program.is_empty()) {
                return Err(self.invalid(
                    &format!("model.steps[{i}].run"),
                    format!("step {} has no program to run", i + 1),
                ));
            }
        }
        Ok(())
    }

    fn check_formats(&self, spec: &CommandSpec) -> Result<(), ConfigError> {
        let names = self.parameter_names();
        for (name, text) in &spec.formats {
            let key = format!("model.formats.{name}");
            if !names.contains(name) {
                return Err(self.invalid_with_hint(
                    &key,
                    format!("format for `{name}`, which is no parameter"),
                    format!(
                        "formats are given per [[parameters]] name ({})",
                        names.join(", ")
                    ),
                ));
            }
            if let Err(err) = ValueFormat::parse(text) {
                return Err(self.invalid(&key, err.to_string()));
            }
        }
        Ok(())
    }

    fn check_templates(&self, spec: &CommandSpec) -> Result<(), ConfigError> {
        let names = self.parameter_names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for (i, template) in spec.templates.iter().enumerate() {
            let key = format!("model.templates[{i}]");
            let path = self.template_path(spec, &template.file);
            let text = std::fs::read_to_string(&path).map_err(|err| {
                self.invalid_with_hint(
                    &key,
                    format!("cannot read template {}: {err}", path.display()),
                    "a relative template path is relative to template_dir, or to the config file's directory without one",
                )
            })?;
            if let Err(err) = check_template(&path, &text, template.style, &names) {
                return Err(self.invalid_with_hint(
                    &key,
                    err.to_string(),
                    "write `{{name}}` for a [[parameters]] name, or {{trial}}, {{attempt}}, {{workdir}}",
                ));
            }
        }
        Ok(())
    }

    /// A template's file as the agents read it.
    fn template_path(&self, spec: &CommandSpec, file: &std::path::Path) -> PathBuf {
        let base = match &spec.template_dir {
            Some(dir) => self.resolve(dir),
            None => self.resolve(std::path::Path::new("")),
        };
        tidy(&base.join(file))
    }

    /// `template_dir` and template files made absolute, each template's output named
    /// explicitly (from the path as written).
    pub(crate) fn resolve_model_files(&self, spec: &mut CommandSpec) {
        let resolved: Vec<PathBuf> = spec
            .templates
            .iter()
            .map(|t| self.template_path(spec, &t.file))
            .collect();
        for (template, path) in spec.templates.iter_mut().zip(resolved) {
            template.output = Some(template.output_path());
            template.file = path;
        }
        if let Some(dir) = &mut spec.template_dir {
            *dir = tidy(&self.resolve(dir));
        }
    }
}

fn tidy(path: &std::path::Path) -> PathBuf {
    path.components().collect()
}

#[cfg(test)]
mod tests {
    use crate::{ConfigError, RunConfig};
    use std::path::Path;
    use tidepool_models::WorkerSpec;

    /// A config in `dir` with a `model/` template directory holding `params.txt.tpl`.
    fn setup(template: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("model")).unwrap();
        std::fs::write(dir.path().join("model/params.txt.tpl"), template).unwrap();
        dir
    }

    fn config(dir: &Path, model: &str) -> Result<RunConfig, ConfigError> {
        let text = format!(
            "[run]\nname = \"d\"\n[model]\nkind = \"command\"\ntemplate_dir = \"model\"\n{model}\n\
             [[parameters]]\nname = \"cmax\"\nlower = 1\nupper = 500\n"
        );
        let cfg = RunConfig::from_str(&text, &dir.join("run.toml"))?;
        cfg.preflight()?;
        Ok(cfg)
    }

    const STEPS: &str = "steps = [{ run = [\"sh\", \"-c\", \"true\"] }]\n";

    fn line_col(err: &ConfigError) -> (usize, usize) {
        let at = err
            .location()
            .unwrap_or_else(|| panic!("no location in {err}"));
        (at.line, at.column)
    }

    #[test]
    fn an_unknown_template_placeholder_names_the_template_line_and_column() {
        let dir = setup("cmax {{cmax}}\n  bexp {{bexp}}\n");
        let err = config(
            dir.path(),
            &format!("{STEPS}templates = [\"params.txt.tpl\"]"),
        )
        .unwrap_err();
        let text = err.to_string();
        let template = dir.path().join("model/params.txt.tpl");
        assert!(
            text.contains(&format!(
                "{}:2:8: placeholder `{{{{bexp}}}}` names no parameter",
                template.display()
            )),
            "{text}"
        );
        assert!(text.contains("model.templates[0]"), "{text}");
        assert_eq!(line_col(&err), (7, 14), "{err}");
    }

    #[test]
    fn a_good_model_from_files_passes_and_its_paths_are_resolved() {
        let dir = setup("cmax {{cmax}}\n");
        let model = format!(
            "{STEPS}templates = [\"params.txt.tpl\"]\nformats = {{ cmax = \"F10.4\" }}\n\
             [model.responses.q]\nkind = \"csv\"\nfile = \"q.csv\"\ncolumn = \"q\"\ndate_column = 0\n"
        );
        let cfg = config(dir.path(), &model).unwrap();
        let WorkerSpec::Command(spec) = cfg.worker_spec() else {
            panic!("not a command model")
        };
        assert_eq!(spec.template_dir, Some(dir.path().join("model")));
        assert_eq!(
            spec.templates[0].file,
            dir.path().join("model/params.txt.tpl")
        );
        assert_eq!(spec.templates[0].output, Some("params.txt".into()));
    }

    #[test]
    fn formats_must_name_a_parameter_and_be_readable() {
        let dir = setup("{{cmax}}");
        let err = config(dir.path(), &format!("{STEPS}formats = {{ k = \"F10.4\" }}")).unwrap_err();
        assert!(
            err.to_string()
                .contains("format for `k`, which is no parameter"),
            "{err}"
        );
        let err = config(dir.path(), &format!("{STEPS}formats = {{ cmax = \"%d\" }}")).unwrap_err();
        assert!(err.to_string().contains("model.formats.cmax"), "{err}");
        assert_eq!(line_col(&err), (7, 20), "{err}");
    }

    #[test]
    fn a_literal_template_without_any_parameter_is_refused() {
        let dir = setup("nothing to replace\n");
        let model =
            format!("{STEPS}templates = [{{ file = \"params.txt.tpl\", style = \"literal\" }}]");
        let err = config(dir.path(), &model).unwrap_err();
        assert!(
            err.to_string().contains("no parameter name (cmax) occurs"),
            "{err}"
        );
    }

    #[test]
    fn response_tables_are_checked() {
        let dir = setup("");
        let model = format!(
            "{STEPS}[model.responses.kge]\nkind = \"regex\"\nfile = \"log\"\npattern = \"kge=\"\n"
        );
        let err = config(dir.path(), &model).unwrap_err();
        assert!(err.to_string().contains("0 capture groups"), "{err}");
        let model =
            format!("{STEPS}[model.responses.q]\nkind = \"csv\"\nfile = \"q.csv\"\ncolum = 1\n");
        let err = config(dir.path(), &model).unwrap_err();
        assert!(err.to_string().contains("unknown key `colum`"), "{err}");
        assert!(
            err.to_string().contains("key `model.responses.q.colum`"),
            "{err}"
        );
        assert_eq!(line_col(&err), (10, 1), "{err}");
    }

    #[test]
    fn stages_with_steps_a_missing_template_dir_and_a_misspelt_key_are_refused() {
        let dir = setup("");
        let err = config(dir.path(), &format!("{STEPS}stages = [[\"true\"]]")).unwrap_err();
        assert!(
            err.to_string().contains("both `stages` and `steps`"),
            "{err}"
        );
        std::fs::remove_dir_all(dir.path().join("model")).unwrap();
        let err = config(dir.path(), STEPS).unwrap_err();
        assert!(err.to_string().contains("template directory"), "{err}");
        assert_eq!(line_col(&err), (5, 16), "{err}");
        let err = config(dir.path(), &format!("{STEPS}tempaltes = []")).unwrap_err();
        assert!(err.to_string().contains("unknown key `tempaltes`"), "{err}");
    }
}
