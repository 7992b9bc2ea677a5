//! From a key path such as `slots.max_attempts`, `parameters[0].upper` or
//! `model.stages[0][1]` to the byte span of what was written there, so that checks
//! made after parsing (one key or across keys) point at the offending value.
//!
//! The text is parsed a second time with `toml_edit`, which keeps spans; a path that
//! was not written (a default) falls back to the nearest written ancestor.

use crate::error::{ConfigError, Location};
use std::ops::Range;
use std::sync::Arc;
use toml_edit::{ImDocument, Item};

impl ConfigError {
    /// This error with the location of its key's value in `text` filled in, when it
    /// comes from a key and has none yet.
    pub(crate) fn located_in(mut self, text: &Arc<str>) -> Self {
        if let ConfigError::Invalid { key, at, .. } | ConfigError::Parse { key, at, .. } = &mut self
        {
            if at.is_none() {
                *at = span_of(text, key, Target::Value).map(|span| Location::boxed(text, span));
            }
        }
        self
    }
}

impl crate::RunConfig {
    /// `FILE:LINE:COLUMN` of what is written for `key` (or of its nearest written
    /// ancestor), or `FILE` when nothing of it is written.
    pub fn place_of(&self, key: &str) -> String {
        let at = span_of(&self.text, key, Target::Value).map(|s| Location::new(&self.text, s));
        crate::error::Place(&self.source, at.as_ref()).to_string()
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `parameters[0].upper` -> [Key(parameters), Index(0), Key(upper)].
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Step::Key(name));
        }
        while let Some((index, tail)) = rest.split_once(']') {
            if let Ok(i) = index.parse() {
                out.push(Step::Index(i));
            }
            rest = tail.strip_prefix('[').unwrap_or(tail);
        }
    }
    out
}

/// What of the last step to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The value written for the key (for a table: its header).
    Value,
    /// The key itself (for unknown keys).
    Key,
}

/// The span of `path` in `text`, or of its nearest written ancestor; `None` when the
/// text does not parse or nothing of the path was written.
pub fn span_of(text: &str, path: &str, target: Target) -> Option<Range<usize>> {
    let doc = ImDocument::parse(text).ok()?;
    let mut item = doc.as_item();
    let mut best = None;
    let steps = steps(path);
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let next = match step {
            Step::Key(key) => {
                let table = item.as_table_like()?;
                if last && target == Target::Key {
                    return table.key(key).and_then(|k| k.span()).or(best);
                }
                table.get(key)
            }
            Step::Index(index) => item.get(*index),
        };
        let Some(next) = next else {
            return best;
        };
        item = next;
        best = item_span(text, item).or(best);
    }
    best
}

/// A value's span; for a table, its header line only.
fn item_span(text: &str, item: &Item) -> Option<Range<usize>> {
    let header = |span: Range<usize>| {
        let end = text[span.clone()]
            .find('\n')
            .map_or(span.end, |i| span.start + i);
        span.start..end
    };
    match item {
        Item::ArrayOfTables(tables) => tables.get(0).and_then(|t| t.span()).map(header),
        Item::Table(table) => table.span().map(header),
        other => other.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[run]\nname = \"x\"\n[slots]\nmax_attempts = 0\n[model]\nkind = \"command\"\nstages = [[\"a\", \"{z}\"]]\n[[parameters]]\nname = \"a\"\n[[parameters]]\nname = \"b\"\nupper = 2\n";

    fn at(path: &str, target: Target) -> &'static str {
        let span = span_of(TEXT, path, target).unwrap();
        &TEXT[span]
    }

    #[test]
    fn splits_paths() {
        assert_eq!(
            steps("model.stages[0][1]"),
            vec![
                Step::Key("model"),
                Step::Key("stages"),
                Step::Index(0),
                Step::Index(1)
            ]
        );
    }

    #[test]
    fn finds_values_keys_and_array_elements() {
        assert_eq!(at("slots.max_attempts", Target::Value), "0");
        assert_eq!(at("slots.max_attempts", Target::Key), "max_attempts");
        assert_eq!(at("model.stages[0][1]", Target::Value), "\"{z}\"");
        assert_eq!(at("parameters[1].upper", Target::Value), "2");
    }

    #[test]
    fn falls_back_to_the_nearest_written_ancestor() {
        assert_eq!(at("parameters[0].upper", Target::Value), "[[parameters]]");
        assert_eq!(at("slots.heartbeat", Target::Value), "[slots]");
        assert!(span_of(TEXT, "stage.fanout", Target::Value).is_none());
    }
}
