//! When to write colour: `--color auto|always|never` (global), with `auto` meaning
//! "stderr is a terminal and `NO_COLOR` is unset or empty" (<https://no-color.org>).
//! The one decision feeds every writer of stderr: log lines (tracing-subscriber's
//! ANSI setting), progress bars (indicatif through `console`) and config errors
//! (codespan-reporting). The choice is passed on to agents the coordinator starts
//! through `TIDEPOOL_COLOR`, the flag's environment variable.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// The environment variable that carries `--color` to child processes.
pub const COLOR_ENV: &str = "TIDEPOOL_COLOR";

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether stderr gets colour in this process.
    pub fn for_stderr(self) -> bool {
        self.resolve(
            std::env::var_os("NO_COLOR").as_deref(),
            std::io::stderr().is_terminal(),
        )
    }

    /// The decision, from the value of `NO_COLOR` and whether stderr is a terminal.
    pub fn resolve(self, no_color: Option<&OsStr>, terminal: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && no_color.is_none_or(OsStr::is_empty),
        }
    }

    /// The flag's value as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ColorWhen::Auto => "auto",
            ColorWhen::Always => "always",
            ColorWhen::Never => "never",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_and_no_no_color() {
        let set = Some(OsStr::new("1"));
        assert!(ColorWhen::Auto.resolve(None, true));
        assert!(ColorWhen::Auto.resolve(Some(OsStr::new("")), true));
        assert!(!ColorWhen::Auto.resolve(None, false));
        assert!(!ColorWhen::Auto.resolve(set, true));
        assert!(ColorWhen::Always.resolve(set, false));
        assert!(!ColorWhen::Never.resolve(None, true));
    }
}
