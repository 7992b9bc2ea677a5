//! Placeholders in stage arguments (`{name}`, `{trial}`, `{attempt}`, `{workdir}`) and
//! the parameter environment variables (`TIDEPOOL_PARAM_<NAME>`).

/// What placeholders expand to for one trial.
pub(crate) struct Vars<'a> {
    pub params: &'a [(String, f64)],
    pub trial: u64,
    pub attempt: u32,
    pub workdir: &'a str,
}

/// A placeholder that cannot be expanded.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum TemplateError {
    #[error(
        "unknown placeholder `{{{name}}}` in `{arg}`; known: trial, attempt, workdir and the \
         parameters ({known}); write `{{{{` and `}}}}` for literal braces"
    )]
    Unknown {
        name: String,
        arg: String,
        known: String,
    },
}

impl Vars<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "trial" => Some(self.trial.to_string()),
            "attempt" => Some(self.attempt.to_string()),
            "workdir" => Some(self.workdir.to_string()),
            _ => self
                .params
                .iter()
                .find(|(param, _)| param == name)
                .map(|(_, value)| format_value(*value)),
        }
    }

    fn unknown(&self, name: &str, arg: &str) -> TemplateError {
        let known: Vec<&str> = self.params.iter().map(|(n, _)| n.as_str()).collect();
        TemplateError::Unknown {
            name: name.to_string(),
            arg: arg.to_string(),
            known: known.join(", "),
        }
    }
}

/// Expands the placeholders of one argument. `{{` and `}}` are literal braces; a `{`
/// not followed by an identifier and `}` (as in `awk '{print $1}'`) is kept as is.
pub(crate) fn expand(arg: &str, vars: &Vars) -> Result<String, TemplateError> {
    if !arg.contains(['{', '}']) {
        return Ok(arg.to_string());
    }
    let mut out = String::with_capacity(arg.len() + 16);
    let mut rest = arg;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(name) = placeholder(tail) {
            let value = vars.lookup(name).ok_or_else(|| vars.unknown(name, arg))?;
            out.push_str(&value);
            rest = &tail[name.len() + 2..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Placeholders every trial can expand besides the parameters.
pub const BUILTIN_PLACEHOLDERS: [&str; 3] = ["trial", "attempt", "workdir"];

/// The names of the placeholders in `arg`, in order, as [`expand`] would read them
/// (`{{`/`}}` and braces around non-identifiers are not placeholders).
pub fn placeholder_names(arg: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = arg;
    while let Some(pos) = rest.find(['{', '}']) {
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if let Some(name) = placeholder(tail) {
            names.push(name);
            rest = &tail[name.len() + 2..];
        } else {
            rest = &tail[1..];
        }
    }
    names
}

/// The identifier of a `{ident}` at the start of `text`, if there is one.
fn placeholder(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    let ident = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    ident.then_some(name)
}

/// A parameter value as text: plain decimal for ordinary magnitudes, exponent notation
/// for very small or very large ones; always the shortest text that reads back exactly.
pub(crate) fn format_value(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || (1e-5..1e16).contains(&magnitude) || !value.is_finite() {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

/// `TIDEPOOL_PARAM_<NAME>`: the name upper-cased, anything but letters and digits as `_`.
pub(crate) fn param_env_name(name: &str) -> String {
    let mut var = String::with_capacity(15 + name.len());
    var.push_str("TIDEPOOL_PARAM_");
    var.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    var
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars<'static> {
        static PARAMS: [(String, f64); 0] = [];
        Vars {
            params: &PARAMS,
            trial: 7,
            attempt: 2,
            workdir: "/scratch/trial-7-2",
        }
    }

    #[test]
    fn expands_params_trial_attempt_and_workdir() {
        let params = vec![("k_sat".to_string(), 0.25), ("n".to_string(), 3.0)];
        let v = Vars {
            params: &params,
            ..vars()
        };
        let got = expand("--k={k_sat} -n {n} {workdir}/out-{trial}.{attempt}", &v).unwrap();
        assert_eq!(got, "--k=0.25 -n 3 /scratch/trial-7-2/out-7.2");
    }

    #[test]
    fn braces_that_are_not_placeholders_stay() {
        assert_eq!(
            expand("{print $1} {{trial}} }}", &vars()).unwrap(),
            "{print $1} {trial} }"
        );
        assert_eq!(expand("{", &vars()).unwrap(), "{");
        assert_eq!(expand("{}", &vars()).unwrap(), "{}");
    }

    #[test]
    fn unknown_placeholder_is_an_error_naming_it() {
        let params = vec![("alpha".to_string(), 1.0)];
        let v = Vars {
            params: &params,
            ..vars()
        };
        let err = expand("x={alpah}", &v).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`{alpah}`") && text.contains("(alpha)"),
            "{text}"
        );
    }

    #[test]
    fn lists_the_placeholders_expand_reads() {
        assert_eq!(
            placeholder_names("{x} {{y}} {print $1} {workdir}/{z}.{trial}"),
            vec!["x", "workdir", "z", "trial"]
        );
    }

    #[test]
    fn values_round_trip_and_stay_short() {
        for value in [0.1, 3.0, -2.5, 1e-7, 6.02e23, 0.0, 12345.678] {
            let text = format_value(value);
            assert_eq!(text.parse::<f64>().unwrap(), value, "{text}");
        }
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(1e-7), "1e-7");
    }

    #[test]
    fn env_names_are_sanitised() {
        assert_eq!(param_env_name("k_sat"), "TIDEPOOL_PARAM_K_SAT");
        assert_eq!(
            param_env_name("snow.melt-rate"),
            "TIDEPOOL_PARAM_SNOW_MELT_RATE"
        );
    }
}
