//! The resume policy: what the first start decided and every resume must keep (the
//! algorithm and the slot count the optimiser was built for), whether the search
//! settings were ever changed by force (then replay checks trial ids only, for good),
//! and whether the run already finished. Its facts live in the journal's `started` and
//! `resumed` events as typed details (JSON of [`SearchSetup`] and [`Resumed`]).

use crate::error::SearchError;
use crate::search::Replay;
use serde::{Deserialize, Serialize};
use tidepool_journal::{EventKind, Journal, JournalReader, RunEvent};
use tidepool_optim::Algorithm;

/// What the first start decided: every resume builds the same optimiser from it,
/// whatever the slots are then. The `started` event's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSetup {
    pub algorithm: Algorithm,
    pub slots: usize,
}

/// A resume: the `resumed` event's detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resumed {
    /// The search settings differed from the run's and `--force` was given.
    pub forced: bool,
    /// The config keys that differed.
    pub changed: Vec<String>,
}

impl Resumed {
    /// The detail as written by tidepool before typed details: `resumed`, or
    /// `forced; changed: KEY, KEY`.
    fn from_text(text: &str) -> Resumed {
        match text.strip_prefix("forced; changed: ") {
            Some(keys) => Resumed {
                forced: true,
                changed: keys.split(", ").map(str::to_string).collect(),
            },
            None => Resumed {
                forced: text.starts_with("forced"),
                changed: Vec::new(),
            },
        }
    }

    fn read(event: &RunEvent) -> Resumed {
        serde_json::from_str(&event.detail).unwrap_or_else(|_| Resumed::from_text(&event.detail))
    }
}

/// What the journal's events say about the run so far.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The first start's set-up (absent in journals that predate it).
    pub setup: Option<SearchSetup>,
    /// Some resume changed the search settings by force.
    pub forced_before: bool,
    /// The last event says the run finished.
    pub finished: bool,
}

impl History {
    pub fn read(reader: &JournalReader) -> Result<History, SearchError> {
        Ok(History::of(&reader.events()?))
    }

    pub fn of(events: &[RunEvent]) -> History {
        History {
            setup: events
                .iter()
                .find(|e| e.kind == EventKind::Started)
                .and_then(|e| serde_json::from_str(&e.detail).ok()),
            forced_before: events
                .iter()
                .filter(|e| e.kind == EventKind::Resumed)
                .any(|e| Resumed::read(e).forced),
            finished: events.last().is_some_and(|e| e.kind == EventKind::Finished),
        }
    }

    /// The set-up of a resume: the recorded one, except an algorithm the config now
    /// names; `fresh` is what a first start would decide.
    pub fn setup(&self, configured: Option<Algorithm>, fresh: SearchSetup) -> SearchSetup {
        SearchSetup {
            algorithm: configured
                .or(self.setup.map(|s| s.algorithm))
                .unwrap_or(fresh.algorithm),
            slots: self.setup.map_or(fresh.slots, |s| s.slots),
        }
    }

    /// Exact replay, unless the search settings differ now (`changed`) or did before.
    pub fn replay(&self, changed: &[String]) -> Replay {
        match changed.is_empty() && !self.forced_before {
            true => Replay::Exact,
            false => Replay::IdsOnly,
        }
    }
}

/// Record a first start.
pub fn record_start(journal: &Journal, setup: SearchSetup) -> Result<(), SearchError> {
    let detail = serde_json::to_string(&setup).expect("plain struct serialises");
    Ok(journal.event(EventKind::Started, &detail)?)
}

/// Record a resume; `changed` lists the search settings that differ (forced).
pub fn record_resume(journal: &Journal, changed: &[String]) -> Result<(), SearchError> {
    let resumed = Resumed {
        forced: !changed.is_empty(),
        changed: changed.to_vec(),
    };
    let detail = serde_json::to_string(&resumed).expect("plain struct serialises");
    Ok(journal.event(EventKind::Resumed, &detail)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, detail: &str) -> RunEvent {
        RunEvent {
            kind,
            at: 0.0,
            detail: detail.to_string(),
        }
    }

    #[test]
    fn typed_and_older_text_details_are_read_alike() {
        let setup = r#"{"algorithm":"async-dds","slots":4}"#;
        let typed = History::of(&[
            event(EventKind::Started, setup),
            event(EventKind::Resumed, r#"{"forced":false,"changed":[]}"#),
            event(
                EventKind::Resumed,
                r#"{"forced":true,"changed":["run.seed"]}"#,
            ),
            event(EventKind::Failed, "the first 5 trials all failed"),
        ]);
        let text = History::of(&[
            event(EventKind::Started, setup),
            event(EventKind::Resumed, "resumed"),
            event(EventKind::Resumed, "forced; changed: run.seed"),
            event(EventKind::Failed, "the first 5 trials all failed"),
        ]);
        assert_eq!(typed, text);
        assert!(typed.forced_before && !typed.finished);
        assert_eq!(
            typed.setup,
            Some(SearchSetup {
                algorithm: Algorithm::AsyncDds,
                slots: 4
            })
        );
        assert_eq!(typed.replay(&[]), Replay::IdsOnly);
    }

    #[test]
    fn a_resume_without_changes_replays_exactly_and_keeps_the_setup() {
        let history = History::of(&[
            event(EventKind::Started, r#"{"algorithm":"dds","slots":8}"#),
            event(EventKind::Resumed, "resumed"),
            event(EventKind::Finished, "every trial finished"),
        ]);
        assert!(history.finished);
        assert_eq!(history.replay(&[]), Replay::Exact);
        assert_eq!(history.replay(&["run.budget".into()]), Replay::IdsOnly);
        let fresh = SearchSetup {
            algorithm: Algorithm::AsyncDds,
            slots: 2,
        };
        let kept = history.setup(None, fresh);
        assert_eq!((kept.algorithm, kept.slots), (Algorithm::Dds, 8));
        assert_eq!(
            history.setup(Some(Algorithm::Lhs), fresh).algorithm,
            Algorithm::Lhs
        );
    }

    #[test]
    fn resumes_are_recorded_typed() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::create(dir.path(), &["x".to_string()], "").unwrap();
        let setup = SearchSetup {
            algorithm: Algorithm::Dds,
            slots: 3,
        };
        record_start(&journal, setup).unwrap();
        record_resume(&journal, &["run.seed".into()]).unwrap();
        let history = History::read(&journal.reader().unwrap()).unwrap();
        assert_eq!(history.setup, Some(setup));
        assert!(history.forced_before);
    }
}
