//! A config error that comes from a key, printed as cargo and rustc print theirs: the
//! message, `--> FILE:LINE:COLUMN`, the source line with carets under the offending
//! value, and the hint (codespan-reporting, ASCII frame, colour only when asked).

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor, Chars, Config};
use tidepool_config::KeyProblem;

/// Render `problem` into `out` (with ANSI colour when `color`).
pub fn render(problem: &KeyProblem<'_>, color: bool) -> Vec<u8> {
    let file = SimpleFile::new(problem.path.display().to_string(), &*problem.at.text);
    let mut notes = Vec::new();
    if let Some(hint) = problem.hint {
        notes.push(format!("hint: {hint}"));
    }
    let diagnostic = Diagnostic::error()
        .with_message(format!("key `{}`: {}", problem.key, problem.message))
        .with_labels(vec![Label::primary((), first_line(problem))])
        .with_notes(notes);
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    if term::emit(&mut buffer, &config, &file, &diagnostic).is_err() {
        return Vec::new();
    }
    buffer.into_inner()
}

/// The span, cut at the end of its first line: a caret line, never a frame over lines.
fn first_line(problem: &KeyProblem<'_>) -> std::ops::Range<usize> {
    let span = problem.at.span.clone();
    let text = &problem.at.text[span.clone()];
    text.find('\n')
        .map_or(span.clone(), |i| span.start..span.start + i)
}
