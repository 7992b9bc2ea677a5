//! SIGINT, SIGTERM and SIGHUP while tracing: remember the signal and kill the root of
//! the traced tree at once (which wakes the tracer's `waitpid`); the tracer then kills
//! every other traced process and reaps them all.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);
static ROOT_PID: AtomicI32 = AtomicI32::new(0);

const SIGNALS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    RECEIVED.store(sig, Ordering::SeqCst);
    let root = ROOT_PID.load(Ordering::SeqCst);
    if root > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe {
            libc::kill(root, libc::SIGKILL);
        }
    }
}

/// Handlers installed for the duration of a trace; dropping restores the old ones.
pub struct Guard {
    previous: Vec<(Signal, SigAction)>,
}

/// Install the handlers (without `SA_RESTART`, so a blocked `waitpid` returns EINTR).
pub fn install(root: i32) -> Guard {
    RECEIVED.store(0, Ordering::SeqCst);
    ROOT_PID.store(root, Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    let previous = SIGNALS
        .iter()
        // SAFETY: the handler only touches atomics and calls kill(2).
        .filter_map(|sig| {
            unsafe { sigaction(*sig, &action) }
                .ok()
                .map(|old| (*sig, old))
        })
        .collect();
    Guard { previous }
}

/// The signal received since [`install`], if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        ROOT_PID.store(0, Ordering::SeqCst);
        for (sig, old) in &self.previous {
            // SAFETY: restoring the disposition that was there before.
            let _ = unsafe { sigaction(*sig, old) };
        }
    }
}
