//! Answers that must wait: a thread holding a heap of deferred replies by the time they
//! are due, sending each when its time comes. The filesystem loop does the operation at
//! once and hands the answer here, so operations of many processes queue up together
//! (the FUSE loop is never blocked by a sleeping answer).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

type Answer = Box<dyn FnOnce() + Send>;

struct Due {
    at: Instant,
    seq: u64,
    answer: Answer,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    // Earliest first in a max-heap.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Default)]
struct State {
    heap: BinaryHeap<Due>,
    seq: u64,
}

/// The handle the filesystem defers answers through.
#[derive(Clone)]
pub struct Delayer {
    inner: Arc<(Mutex<State>, Condvar)>,
}

impl Delayer {
    /// Starts the answering thread.
    pub fn start() -> Self {
        let delayer = Delayer {
            inner: Arc::new((Mutex::new(State::default()), Condvar::new())),
        };
        let worker = delayer.clone();
        thread::Builder::new()
            .name("mdsim-answers".into())
            .spawn(move || worker.run())
            .expect("spawn the answering thread");
        delayer
    }

    /// Sends `answer` at `at` (at once if that has passed).
    pub fn at(&self, at: Instant, answer: Answer) {
        if at <= Instant::now() {
            answer();
            return;
        }
        let (lock, wake) = &*self.inner;
        let mut state = lock.lock().expect("answer heap");
        state.seq += 1;
        let seq = state.seq;
        state.heap.push(Due { at, seq, answer });
        wake.notify_one();
    }

    fn run(&self) {
        let (lock, wake) = &*self.inner;
        let mut state = lock.lock().expect("answer heap");
        loop {
            let now = Instant::now();
            match state.heap.peek().map(|d| d.at) {
                Some(at) if at <= now => {
                    let due = state.heap.pop().expect("peeked");
                    drop(state);
                    (due.answer)();
                    state = lock.lock().expect("answer heap");
                }
                Some(at) => state = wake.wait_timeout(state, at - now).expect("answer heap").0,
                None => state = wake.wait(state).expect("answer heap"),
            }
        }
    }
}
