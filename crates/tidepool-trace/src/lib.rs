//! Profile the filesystem-metadata syscalls of a command tree with ptrace + seccomp.
//!
//! A Python import on a parallel filesystem is a storm of `stat`, `open` and failed
//! lookups. This crate shows it: [`trace`] runs a command under ptrace with a seccomp
//! filter that stops the tracee only on metadata syscalls (everything else runs at full
//! speed), follows every descendant, resolves each path against the caller's cwd or
//! dirfd, and emits plain [`Event`]s. [`Report::build`] turns events into counts per
//! syscall, filesystem and shared prefix, failures by errno, peak rates over 100 ms
//! buckets, per-process counts, top directories, Python modules and a timeline, with
//! no ptrace involved, so it is tested on hand-made events.
//!
//! ```no_run
//! use tidepool_trace::{trace, Event, Report, ReportInput};
//! let argv = ["python3".into(), "-c".into(), "import json".into()];
//! let mut events: Vec<Event> = Vec::new();
//! let outcome = trace(&argv, &mut events)?;
//! let report = Report::build(&ReportInput {
//!     command: &["python3".to_string()],
//!     events: &events,
//!     processes: &outcome.processes,
//!     mounts: &outcome.mounts,
//!     shared: &[],
//!     resolved_dirs: &Default::default(),
//!     import_times: &[],
//!     exit_code: outcome.exit_code(),
//!     interrupted_by: outcome.interrupted_by,
//!     duration: outcome.duration,
//!     lustre: None,
//!     unfinished: outcome.unfinished,
//! });
//! println!("{}", report.summary());
//! # Ok::<(), tidepool_trace::TraceError>(())
//! ```
//!
//! Layout:
//! - [`syscalls`]: the traced syscalls (strace's `%file` set, `getdents64`, `fstat`)
//!   with their numbers and path arguments
//! - `filter`: the seccomp BPF program (built with `seccompiler`)
//! - `spawn`: fork, `PTRACE_TRACEME`, filter, exec
//! - [`tracer`]: the ptrace loop; its state machine (`tracer::machine`) reacts to each
//!   stop through the `Tracee` trait (`tracer::ops`), so it is tested with a fake
//! - `tracee`: reading a stopped tracee (syscall info, memory, `/proc`)
//! - `interrupt`: Ctrl-C / SIGTERM kill the traced tree
//! - [`event`]: the events and process records the tracer emits
//! - [`paths`], [`mounts`]: path resolution and filesystem attribution
//! - [`report`]: pure aggregation, JSON schema, summary, timeline CSV, comparison
//! - [`lustre`]: Lustre client `md_stats` counters, before/after

#[cfg(not(target_os = "linux"))]
compile_error!("tidepool-trace needs Linux (ptrace and seccomp).");
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("tidepool-trace supports x86_64 (and aarch64) only: its syscall table and seccomp filter are per architecture.");

pub mod error;
pub mod event;
mod filter;
mod interrupt;
pub mod lustre;
pub mod mounts;
pub mod paths;
pub mod report;
mod spawn;
pub mod syscalls;
mod tracee;
pub mod tracer;

pub use error::TraceError;
pub use event::{Event, EventSink, ProcessInfo, Termination};
pub use lustre::LustreDelta;
pub use mounts::MountTable;
pub use report::{compare, Comparison, Report, ReportInput, SCHEMA_VERSION};
pub use tracer::{trace, trace_with, SpawnOptions, TraceOutcome};
