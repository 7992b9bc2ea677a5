//! Templated input files (`[model] templates`): per trial, the text of a template with
//! its placeholders replaced by the trial's values is written (atomically) into the
//! work directory.
//!
//! Two styles:
//! - `braces` (the default): `{{name}}` (spaces inside allowed: `{{ name }}`) names a
//!   parameter or one of `trial`, `attempt`, `workdir`; a `{{` not followed by a name and
//!   `}}` stays as it is. A name that is neither is refused before the run starts
//!   ([`check_template`], with the line and column).
//! - `literal` (OSTRICH style): every occurrence of a parameter's name in the text is
//!   replaced, the longest name first where names overlap (`kq` before `k`). Names
//!   should therefore be distinctive (`__cmax__`); a template in which no parameter
//!   occurs is refused.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// How a template marks where values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateStyle {
    #[default]
    Braces,
    Literal,
}

/// A `{{name}}` placeholder found in a template, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub line: usize,
    pub column: usize,
}

/// A template that names something no trial can fill in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateFileError {
    #[error(
        "{}:{line}:{column}: placeholder `{{{{{name}}}}}` names no parameter; known: {known}",
        path.display()
    )]
    Unknown {
        path: std::path::PathBuf,
        name: String,
        line: usize,
        column: usize,
        known: String,
    },
    #[error(
        "{}: no parameter name ({known}) occurs in this literal-style template, so no \
         value would be written into it",
        path.display()
    )]
    NothingReplaced {
        path: std::path::PathBuf,
        known: String,
    },
}

/// The `{{name}}` placeholders of a braces-style template, in order.
pub fn template_placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some((start, name, end)) = next_placeholder(line, from) {
            found.push(Placeholder {
                name: name.to_string(),
                line: index + 1,
                column: line[..start].chars().count() + 1,
            });
            from = end;
        }
    }
    found
}

/// Checks a template against the names a trial fills in (`names`: the parameters;
/// the built-ins are always known).
pub fn check_template(
    path: &Path,
    text: &str,
    style: TemplateStyle,
    names: &[&str],
) -> Result<(), TemplateFileError> {
    let known = || {
        let mut all: Vec<&str> = names.to_vec();
        all.extend(crate::BUILTIN_PLACEHOLDERS);
        all.join(", ")
    };
    match style {
        TemplateStyle::Braces => {
            let is_known = |n: &str| names.contains(&n) || crate::BUILTIN_PLACEHOLDERS.contains(&n);
            match template_placeholders(text)
                .into_iter()
                .find(|p| !is_known(&p.name))
            {
                None => Ok(()),
                Some(p) => Err(TemplateFileError::Unknown {
                    path: path.to_path_buf(),
                    name: p.name,
                    line: p.line,
                    column: p.column,
                    known: known(),
                }),
            }
        }
        TemplateStyle::Literal => match names.iter().any(|n| !n.is_empty() && text.contains(n)) {
            true => Ok(()),
            false => Err(TemplateFileError::NothingReplaced {
                path: path.to_path_buf(),
                known: names.join(", "),
            }),
        },
    }
}

/// The template's text with its placeholders replaced; `value` gives the text of a
/// name (`None`: unknown, kept as written, which [`check_template`] refuses earlier).
pub(crate) fn render(
    text: &str,
    style: TemplateStyle,
    names: &[&str],
    value: impl Fn(&str) -> Option<String>,
) -> String {
    match style {
        TemplateStyle::Braces => render_braces(text, value),
        TemplateStyle::Literal => render_literal(text, names, value),
    }
}

fn render_braces(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    while let Some((start, name, end)) = next_placeholder(text, from) {
        out.push_str(&text[from..start]);
        match value(name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&text[start..end]),
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

fn render_literal(text: &str, names: &[&str], value: impl Fn(&str) -> Option<String>) -> String {
    let mut ordered: Vec<(&str, String)> = names
        .iter()
        .filter(|n| !n.is_empty())
        .filter_map(|n| value(n).map(|v| (*n, v)))
        .collect();
    ordered.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (name, v) in &ordered {
            if let Some(after) = rest.strip_prefix(name) {
                out.push_str(v);
                rest = after;
                continue 'scan;
            }
        }
        let next = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    out
}

/// The next `{{ name }}` at or after byte `from`: (start, name, end) byte offsets.
fn next_placeholder(text: &str, from: usize) -> Option<(usize, &str, usize)> {
    let mut at = from;
    while let Some(pos) = text[at..].find("{{") {
        let start = at + pos;
        let inner_start = start + 2;
        if let Some(close) = text[inner_start..].find("}}") {
            let inner = &text[inner_start..inner_start + close];
            let name = inner.trim();
            if is_name(name) {
                return Some((start, name, inner_start + close + 2));
            }
        }
        at = start + 1;
    }
    None
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Writes `text` to `path` through a temporary file in the same directory renamed into
/// place, so a model never reads a half-written file (and a symlink at `path` is
/// replaced, never written through).
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.tidepool-tmp"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str) -> Option<String> {
        match name {
            "cmax" => Some("250".into()),
            "k" => Some("0.5".into()),
            "kq" => Some("0.9".into()),
            "trial" => Some("7".into()),
            _ => None,
        }
    }

    #[test]
    fn braces_are_replaced_and_other_braces_stay() {
        let text = "cmax {{cmax}}\nk={{ k }} trial {{trial}}\nawk {{ not a name }} {{}}\n";
        let got = render(text, TemplateStyle::Braces, &["cmax", "k"], values);
        assert_eq!(got, "cmax 250\nk=0.5 trial 7\nawk {{ not a name }} {{}}\n");
    }

    #[test]
    fn literal_names_are_replaced_longest_first() {
        let text = "kq k  cmax\nkqk";
        let got = render(text, TemplateStyle::Literal, &["k", "kq", "cmax"], values);
        assert_eq!(got, "0.9 0.5  250\n0.90.5");
    }

    #[test]
    fn placeholders_carry_line_and_column() {
        let found = template_placeholders("a\n  x = {{cmax}}, {{ bexp }}\n");
        assert_eq!(
            found,
            vec![
                Placeholder {
                    name: "cmax".into(),
                    line: 2,
                    column: 7
                },
                Placeholder {
                    name: "bexp".into(),
                    line: 2,
                    column: 17
                },
            ]
        );
    }

    #[test]
    fn unknown_placeholders_are_refused_with_their_place() {
        let path = Path::new("model/params.txt.tpl");
        let err = check_template(
            path,
            "k {{k}}\n\n x {{kk}}\n",
            TemplateStyle::Braces,
            &["k"],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "model/params.txt.tpl:3:4: placeholder `{{kk}}` names no parameter; known: k, \
             trial, attempt, workdir"
        );
        assert!(check_template(path, "{{workdir}}/{{k}}", TemplateStyle::Braces, &["k"]).is_ok());
    }

    #[test]
    fn a_literal_template_naming_no_parameter_is_refused() {
        let path = Path::new("x.in");
        let err = check_template(path, "nothing here", TemplateStyle::Literal, &["cmax"]);
        assert!(matches!(
            err,
            Err(TemplateFileError::NothingReplaced { .. })
        ));
        assert!(check_template(path, "a cmax b", TemplateStyle::Literal, &["cmax"]).is_ok());
    }

    #[test]
    fn atomic_write_replaces_a_symlink_not_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("original");
        std::fs::write(&target, "template").unwrap();
        let link = dir.path().join("params.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, "rendered").unwrap();
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "rendered");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "template");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
