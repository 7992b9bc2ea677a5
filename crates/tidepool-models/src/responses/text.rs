//! Responses read from text output: `kind = "regex"` (the one capture group of a
//! pattern's first or last match) and `kind = "keyword"` (OSTRICH style: the first or
//! last line containing `keyword`, then `line` lines further down, then the
//! whitespace-separated token number `column`, counted from 0).

use super::{parse_number, Extracted, Extractor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which match counts when there are several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Occurrence {
    #[default]
    First,
    Last,
}

/// `[model.responses.NAME] kind = "regex"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexResponse {
    pub file: PathBuf,
    /// A regular expression (Rust `regex` syntax) with exactly one capture group.
    pub pattern: String,
    #[serde(default)]
    pub occurrence: Occurrence,
}

/// `[model.responses.NAME] kind = "keyword"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordResponse {
    pub file: PathBuf,
    pub keyword: String,
    /// Lines below the keyword's line (0: the same line).
    #[serde(default)]
    pub line: usize,
    /// The whitespace-separated token, counted from 0.
    #[serde(default)]
    pub column: usize,
    #[serde(default)]
    pub occurrence: Occurrence,
}

/// A regex response with its pattern compiled.
#[derive(Debug)]
pub(crate) struct CompiledRegex {
    regex: regex::Regex,
    occurrence: Occurrence,
}

impl RegexResponse {
    pub(crate) fn compile(&self) -> Result<CompiledRegex, String> {
        let regex = regex::Regex::new(&self.pattern)
            .map_err(|err| format!("pattern `{}` is not a valid regex: {err}", self.pattern))?;
        let groups = regex.captures_len() - 1;
        if groups != 1 {
            return Err(format!(
                "pattern `{}` has {groups} capture groups; it needs exactly one, around the \
                 number (write others as `(?:...)`)",
                self.pattern
            ));
        }
        Ok(CompiledRegex {
            regex,
            occurrence: self.occurrence,
        })
    }
}

impl Extractor for CompiledRegex {
    fn extract(&self, _name: &str, text: &str) -> Result<Extracted, String> {
        let mut matches = self.regex.captures_iter(text);
        let found = match self.occurrence {
            Occurrence::First => matches.next(),
            Occurrence::Last => matches.last(),
        };
        let captured = found
            .and_then(|c| c.get(1))
            .ok_or_else(|| format!("pattern `{}` does not match", self.regex.as_str()))?
            .as_str();
        parse_number(captured)
            .map(Extracted::Scalar)
            .ok_or_else(|| format!("the captured text `{captured}` is not a number"))
    }
}

impl Extractor for KeywordResponse {
    fn extract(&self, _name: &str, text: &str) -> Result<Extracted, String> {
        let lines: Vec<&str> = text.lines().collect();
        let mut hits = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains(&self.keyword));
        let found = match self.occurrence {
            Occurrence::First => hits.next(),
            Occurrence::Last => hits.next_back(),
        };
        let (at, _) = found.ok_or_else(|| format!("no line contains `{}`", self.keyword))?;
        let target = at + self.line;
        let line = lines.get(target).ok_or_else(|| {
            format!(
                "`{}` is on line {}, and the file ends before {} lines further",
                self.keyword,
                at + 1,
                self.line
            )
        })?;
        let token = line.split_whitespace().nth(self.column).ok_or_else(|| {
            format!(
                "line {} has {} tokens, no token {} (tokens count from 0)",
                target + 1,
                line.split_whitespace().count(),
                self.column
            )
        })?;
        parse_number(token)
            .map(Extracted::Scalar)
            .ok_or_else(|| format!("token `{token}` on line {} is not a number", target + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "step 1 kge=0.5\nstep 2 kge=0.61 nse=0.4\n\
                       SUMMARY\n  name   value\n  peak   12.75  m3/s\nSUMMARY\n  x  1.0D-3\n";

    fn regex(pattern: &str, occurrence: Occurrence) -> CompiledRegex {
        RegexResponse {
            file: "log".into(),
            pattern: pattern.into(),
            occurrence,
        }
        .compile()
        .unwrap()
    }

    #[test]
    fn regex_takes_the_first_or_last_capture() {
        let first = regex(r"kge=(\S+)", Occurrence::First);
        assert_eq!(first.extract("k", LOG).unwrap(), Extracted::Scalar(0.5));
        let last = regex(r"kge=(\S+)", Occurrence::Last);
        assert_eq!(last.extract("k", LOG).unwrap(), Extracted::Scalar(0.61));
        let err = regex(r"rmse=(\S+)", Occurrence::First)
            .extract("k", LOG)
            .unwrap_err();
        assert_eq!(err, "pattern `rmse=(\\S+)` does not match");
    }

    #[test]
    fn regex_needs_exactly_one_group() {
        let spec = |p: &str| RegexResponse {
            file: "log".into(),
            pattern: p.into(),
            occurrence: Occurrence::First,
        };
        assert!(spec("kge=(a)(b)")
            .compile()
            .unwrap_err()
            .contains("2 capture groups"));
        assert!(spec("kge=")
            .compile()
            .unwrap_err()
            .contains("0 capture groups"));
        assert!(spec("kge=(")
            .compile()
            .unwrap_err()
            .contains("not a valid regex"));
    }

    #[test]
    fn keyword_goes_down_lines_and_across_tokens() {
        let spec = |line, column, occurrence| KeywordResponse {
            file: "log".into(),
            keyword: "SUMMARY".into(),
            line,
            column,
            occurrence,
        };
        let first = spec(2, 1, Occurrence::First);
        assert_eq!(first.extract("p", LOG).unwrap(), Extracted::Scalar(12.75));
        let last = spec(1, 1, Occurrence::Last);
        assert_eq!(last.extract("p", LOG).unwrap(), Extracted::Scalar(0.001));
        let err = spec(2, 5, Occurrence::First).extract("p", LOG).unwrap_err();
        assert_eq!(err, "line 5 has 3 tokens, no token 5 (tokens count from 0)");
        let err = spec(9, 0, Occurrence::Last).extract("p", LOG).unwrap_err();
        assert!(err.contains("ends before 9 lines further"), "{err}");
        let err = spec(2, 2, Occurrence::First).extract("p", LOG).unwrap_err();
        assert_eq!(err, "token `m3/s` on line 5 is not a number");
    }
}
