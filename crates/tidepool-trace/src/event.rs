//! What the tracer emits: one [`Event`] per finished traced syscall, and one
//! [`ProcessInfo`] per traced process. Plain data, so aggregation needs no ptrace.

use crate::syscalls::Kind;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One traced syscall, seen at its exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Process (thread group) id.
    pub pid: i32,
    pub syscall: &'static str,
    pub kind: Kind,
    /// Absolute, lexically normalised path; `None` when it could not be resolved.
    pub path: Option<String>,
    /// Raw return value: `>= 0` success, `-errno` failure.
    pub result: i64,
    /// Time of the syscall's entry since the trace started.
    pub at: Duration,
    /// The path as written named its base directory itself (`.`, `""`, `./.`): the
    /// lookup happened in that directory, not in its parent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub names_base: bool,
}

impl Event {
    /// The errno of a failed call.
    pub fn errno(&self) -> Option<i32> {
        (-4095..0)
            .contains(&self.result)
            .then(|| -self.result as i32)
    }

    pub fn failed(&self) -> bool {
        self.errno().is_some()
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    Exited(i32),
    Signaled(i32),
}

impl Termination {
    /// Shell convention: the exit code, or 128 + signal number.
    pub fn exit_code(self) -> i32 {
        match self {
            Self::Exited(code) => code,
            Self::Signaled(sig) => 128 + sig,
        }
    }
}

/// One traced process (thread group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub pid: i32,
    pub parent: Option<i32>,
    /// The last program it executed (from `/proc/PID/exe` after each exec).
    pub executable: Option<String>,
    pub termination: Option<Termination>,
}

/// Where the tracer sends events as they complete.
pub trait EventSink {
    fn event(&mut self, event: Event);
}

impl EventSink for Vec<Event> {
    fn event(&mut self, event: Event) {
        self.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(result: i64) -> Event {
        Event {
            pid: 1,
            syscall: "openat",
            kind: Kind::Path,
            path: None,
            result,
            at: Duration::ZERO,
            names_base: false,
        }
    }

    #[test]
    fn negative_small_results_are_errno() {
        assert_eq!(ev(-2).errno(), Some(2));
        assert!(ev(-2).failed());
        assert_eq!(ev(3).errno(), None);
        assert_eq!(
            ev(-5000).errno(),
            None,
            "a large negative value is not an errno"
        );
    }

    #[test]
    fn signals_map_to_128_plus() {
        assert_eq!(Termination::Signaled(9).exit_code(), 137);
        assert_eq!(Termination::Exited(3).exit_code(), 3);
    }
}
