//! The one place that writes to the terminal: human text, JSON documents, errors.
//!
//! Commands build a value, then call [`Output::human`] or [`Output::json`]; they never
//! `println!` themselves. Commands that offer `--json` switch with [`Output::with_json`].

use serde::Serialize;
use std::io::{IsTerminal, Write};

/// True when `err` comes from writing to a pipe whose reader has gone (`| head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Where and how results are printed.
#[derive(Debug, Clone)]
pub struct Output {
    json: bool,
    /// Colour on stderr (see [`crate::color`]).
    color: bool,
}

impl Output {
    pub fn new(json: bool, color: bool) -> Self {
        Self { json, color }
    }

    /// The same output, switched to JSON when a command's own `--json` flag is set.
    pub fn with_json(&self, json: bool) -> Self {
        Self {
            json: self.json || json,
            color: self.color,
        }
    }

    /// True when the user asked for machine-readable output (`--json`).
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// True when stderr is an interactive terminal (live progress bars make sense).
    pub fn is_terminal(&self) -> bool {
        std::io::stderr().is_terminal()
    }

    /// A progress bar counting bytes, shown only on a terminal and never with `--json`.
    /// `label` is text, or `{msg}` for a label the caller sets with `set_message`.
    pub fn byte_progress(&self, label: &str) -> indicatif::ProgressBar {
        if !self.is_terminal() || self.json {
            return indicatif::ProgressBar::hidden();
        }
        let template =
            format!("{label:8} [{{bar:40}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}}");
        let style = indicatif::ProgressStyle::with_template(&template)
            .expect("valid progress template")
            .progress_chars("=> ");
        indicatif::ProgressBar::new(0).with_style(style)
    }

    /// Print human-readable text to stdout (suppressed in JSON mode).
    pub fn human(&self, text: &str) {
        if !self.json {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            if !text.ends_with('\n') {
                let _ = stdout.write_all(b"\n");
            }
        }
    }

    /// Print one JSON document on stdout.
    pub fn json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, value)?;
        stdout.write_all(b"\n")?;
        Ok(())
    }

    /// Print one JSON document on one line of stdout (a final line scripts read).
    pub fn json_line<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer(&mut stdout, value)?;
        stdout.write_all(b"\n")?;
        Ok(())
    }

    /// Print either the JSON form (with `--json`) or the human form of a result.
    pub fn result<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            self.json(value)
        } else {
            self.human(&human(value));
            Ok(())
        }
    }

    /// Print text for a person on stderr (also in JSON mode): a summary next to a
    /// result that goes to stdout.
    pub fn stderr(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stderr.write_all(b"\n");
        }
    }

    /// Print a warning on stderr (also in JSON mode).
    pub fn warn(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
    }

    /// Print an error and its chain of causes on stderr; a config error that comes from
    /// a key with a source excerpt and a caret.
    pub fn error(&self, err: &anyhow::Error) {
        let mut stderr = std::io::stderr().lock();
        let problem = err
            .downcast_ref::<tidepool_config::ConfigError>()
            .and_then(|e| e.key_problem());
        if let Some(problem) = problem {
            let _ = stderr.write_all(&crate::diagnostic::render(&problem, self.color));
            return;
        }
        let label = console::style("error")
            .red()
            .bold()
            .force_styling(self.color);
        let _ = writeln!(stderr, "{label}: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {cause}");
        }
    }
}

/// Log lines (tracing) go to stderr; `-v` raises the level, `RUST_LOG` overrides it.
/// `color` switches ANSI colour in log lines and progress bars.
pub fn init_logging(verbose: u8, color: bool) {
    console::set_colors_enabled(color);
    console::set_colors_enabled_stderr(color);
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}
