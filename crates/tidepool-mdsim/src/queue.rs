//! The metadata server as one queue: a single server that serves one operation every
//! `1 / capacity` seconds, in arrival order, and answers each `latency` after its
//! service ends. An operation that arrives while the server is busy waits behind the
//! ones already queued; `backlog` is how many were ahead of it.
//!
//! Pure: time is passed in as nanoseconds since the simulator started, so the model is
//! tested without clocks or sleeps.

/// How the server is shaped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Operations served per second.
    pub capacity_per_sec: u64,
    /// Added to every answer after its service, in nanoseconds.
    pub latency_ns: u64,
}

impl Shape {
    fn service_ns(&self) -> u64 {
        1_000_000_000 / self.capacity_per_sec.max(1)
    }
}

/// When one admitted operation is answered and how many waited ahead of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Nanoseconds since start at which the answer goes out.
    pub answer_at_ns: u64,
    /// Operations queued ahead of this one when it arrived.
    pub backlog: u64,
}

/// The queue's state: when the server is next free, and what it has served.
#[derive(Debug, Clone)]
pub struct Queue {
    shape: Shape,
    free_at_ns: u64,
    served: u64,
    peak_backlog: u64,
    wait_ns_total: u64,
}

impl Queue {
    pub fn new(shape: Shape) -> Self {
        Queue {
            shape,
            free_at_ns: 0,
            served: 0,
            peak_backlog: 0,
            wait_ns_total: 0,
        }
    }

    /// Admits an operation arriving at `now_ns`.
    pub fn admit(&mut self, now_ns: u64) -> Admission {
        let service = self.shape.service_ns();
        let start = self.free_at_ns.max(now_ns);
        let backlog = (start - now_ns).div_ceil(service);
        self.free_at_ns = start + service;
        self.served += 1;
        self.wait_ns_total += start - now_ns;
        self.peak_backlog = self.peak_backlog.max(backlog);
        Admission {
            answer_at_ns: self.free_at_ns + self.shape.latency_ns,
            backlog,
        }
    }

    /// Operations queued (not yet served) at `now_ns`.
    pub fn backlog_at(&self, now_ns: u64) -> u64 {
        self.free_at_ns
            .saturating_sub(now_ns)
            .div_ceil(self.shape.service_ns())
    }

    pub fn served(&self) -> u64 {
        self.served
    }

    pub fn peak_backlog(&self) -> u64 {
        self.peak_backlog
    }

    /// Total time operations spent waiting for the server, in nanoseconds.
    pub fn wait_ns_total(&self) -> u64 {
        self.wait_ns_total
    }

    /// Starts a new measurement of the peak backlog (a bench phase).
    pub fn reset_peak(&mut self) {
        self.peak_backlog = 0;
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn queue() -> Queue {
        // 1000 ops/s: one operation per millisecond, answers 0.5 ms after service.
        Queue::new(Shape {
            capacity_per_sec: 1000,
            latency_ns: MS / 2,
        })
    }

    #[test]
    fn a_burst_is_served_one_per_service_time() {
        let mut q = queue();
        let answers: Vec<Admission> = (0..5).map(|_| q.admit(0)).collect();
        // By hand: the k-th of a burst at t=0 ends service at (k+1) ms, answered 0.5 ms later,
        // with k operations ahead of it.
        let expected: Vec<Admission> = (0..5)
            .map(|k| Admission {
                answer_at_ns: (k + 1) * MS + MS / 2,
                backlog: k,
            })
            .collect();
        assert_eq!(answers, expected);
        assert_eq!(q.peak_backlog(), 4);
        assert_eq!(q.served(), 5);
        // waits 0 + 1 + 2 + 3 + 4 ms
        assert_eq!(q.wait_ns_total(), 10 * MS);
        assert_eq!(q.backlog_at(2 * MS), 3);
    }

    #[test]
    fn an_idle_server_answers_after_service_and_latency() {
        let mut q = queue();
        q.admit(0);
        let late = q.admit(100 * MS);
        assert_eq!(
            late,
            Admission {
                answer_at_ns: 101 * MS + MS / 2,
                backlog: 0
            }
        );
        assert_eq!(q.backlog_at(200 * MS), 0);
    }

    #[test]
    fn a_reset_peak_counts_from_the_reset_on() {
        let mut q = queue();
        for _ in 0..3 {
            q.admit(0);
        }
        assert_eq!(q.peak_backlog(), 2);
        q.reset_peak();
        q.admit(50 * MS);
        assert_eq!(q.peak_backlog(), 0);
        assert_eq!(q.served(), 4);
    }
}
