//! The report of a hand-made run: a journal written through the journal's API with
//! known times, and `best/` files; the HTML's structure (headings, figures, tables) is
//! snapshot-tested with numbers filtered, and the figures' numbers are checked by hand.

use std::path::Path;
use tidepool_journal::{
    EventKind, FinishedTrial, Journal, ProposedTrial, SlotEvent, SlotEventKind, StartedTrial,
    TrialStatus,
};
use tidepool_report::{ObjectiveView, RunData};

const CONFIG: &str = r#"[run]
name = "fixture"
budget = 4
[optimizer]
algorithm = "pool-dds"
[[parameters]]
name = "k"
lower = 0.0
upper = 10.0
[[parameters]]
name = "s_max"
lower = 50
upper = 500
"#;

const T0: f64 = 1_700_000_000.0;

fn slot(journal: &Journal, slot: u32, kind: SlotEventKind, at: f64) {
    journal
        .slot_event(SlotEvent {
            node: "n1".into(),
            agent: 0,
            slot,
            kind,
            at: T0 + at,
            detail: String::new(),
        })
        .unwrap();
}

/// Trial `id` on slot `slot` of n1 from `start` to `end` (seconds after T0), with its
/// objective (`None`: failed with `reason`).
fn trial(journal: &Journal, id: u64, slot: u32, (start, end): (f64, f64), objective: Option<f64>) {
    journal
        .proposed(&ProposedTrial {
            id,
            params: vec![id as f64, 100.0 + id as f64],
            queued_at: T0 + start,
        })
        .unwrap();
    journal
        .started(StartedTrial {
            id,
            node: "n1".into(),
            slot,
            attempt: 1,
            started_at: T0 + start,
        })
        .unwrap();
    let mut done = match objective {
        Some(o) => FinishedTrial::ok(id, Some(o), Default::default()),
        None => {
            FinishedTrial::unsuccessful(id, TrialStatus::Failed, "exit 3", "\nno forcing file\n")
        }
    };
    done.finished_at = T0 + end;
    journal.finished(done).unwrap();
    journal.observed(id, objective).unwrap();
}

/// Two slots ready at 1 s and 2 s; batch 1: trials 0 (slot 0, 1-5 s) and 1 (slot 1,
/// 2-3 s); batch 2: trials 2 (slot 0, 5-6 s, failed) and 3 (slot 1, 5-8 s).
fn fixture_run(dir: &Path) {
    let names = vec!["k".to_string(), "s_max".to_string()];
    let journal = Journal::create(dir, &names, CONFIG).unwrap();
    journal
        .event(EventKind::Started, r#"{"algorithm":"pool-dds","slots":2}"#)
        .unwrap();
    slot(&journal, 0, SlotEventKind::Started, 0.0);
    slot(&journal, 1, SlotEventKind::Started, 0.0);
    slot(&journal, 0, SlotEventKind::Ready, 1.0);
    slot(&journal, 1, SlotEventKind::Ready, 2.0);
    trial(&journal, 0, 0, (1.0, 5.0), Some(0.4));
    trial(&journal, 1, 1, (2.0, 3.0), Some(0.3));
    trial(&journal, 2, 0, (5.0, 6.0), None);
    trial(&journal, 3, 1, (5.0, 8.0), Some(0.1));
    journal
        .event(EventKind::Finished, "every trial finished")
        .unwrap();
    journal.close().unwrap();
}

fn write_best(dir: &Path) {
    let best = dir.join("best");
    std::fs::create_dir(&best).unwrap();
    std::fs::write(
        best.join("best.json"),
        r#"{"trial": 3, "objective": 0.1, "label": "kge", "shown": 0.9,
            "parameters": {"k": 3.0, "s_max": 103.0}, "terms": {"kge": 0.1, "kge_eval": 0.2},
            "calibration": ["2013-01-01", "2013-01-04"], "evaluation": ["2013-01-05", "2013-01-06"],
            "warmup_end": "2013-01-02"}"#,
    )
    .unwrap();
    let rows: String = (1..=6)
        .map(|d| {
            format!(
                "2013-01-0{d},{}.5,{}\n",
                d,
                if d == 3 { String::new() } else { d.to_string() }
            )
        })
        .collect();
    std::fs::write(
        best.join("hydrograph-q.csv"),
        format!("time,observed,simulated\n{rows}"),
    )
    .unwrap();
}

/// The HTML without the figures' insides and the style sheet, numbers as `#`.
fn structure(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("<svg") {
        out += &rest[..at];
        let end = rest[at..].find("</svg>").expect("closed svg") + at + "</svg>".len();
        out += "<svg/>";
        rest = &rest[end..];
    }
    out += rest;
    let start = out.find("<style>").unwrap();
    let end = out.find("</style>").unwrap();
    out.replace_range(start..end, "<style>");
    numbers_as_hash(&out)
}

/// Numbers in text (not in tags) as `#`: `2013-01-01` -> `#-#-#`, `71.4 %` -> `# %`.
fn numbers_as_hash(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let (mut in_tag, mut in_number) = (false, false);
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ => {}
        }
        let digit = !in_tag && (c.is_ascii_digit() || (in_number && c == '.'));
        if digit && !in_number {
            out.push('#');
        } else if !digit {
            out.push(c);
        }
        in_number = digit;
    }
    out
}

fn kge() -> ObjectiveView {
    ObjectiveView {
        label: "kge".into(),
        offset: 1.0,
        sign: -1.0,
    }
}

#[test]
fn a_finished_pool_dds_run_has_every_section_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    fixture_run(dir.path());
    write_best(dir.path());
    let data = RunData::load(dir.path(), false).unwrap();
    let html = tidepool_report::render(&data, &kge()).unwrap();
    // progress, traces, best values, hydrograph, utilisation, gate, barriers
    assert_eq!(tidepool_report::figure_count(&html), 7);
    // Self-contained: nothing to fetch or run (the only URL is the SVG namespace).
    for fetch in ["<script", "src=", "href=", "url("] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    // Best kge = 1 - 0.1. Slot 0: busy 4 + 1 of 7 s (1..8); slot 1: 1 + 3 of 6 s.
    // Barrier loss: batch 1 (1..5): slot 0 idle 0, slot 1 idle 3 - 1 = 2 (from 2 s);
    // batch 2 (5..8): slot 0 idle 2, slot 1 idle 0: total 4.
    assert!(html.contains("<td>best</td><td>kge 0.9</td>"), "{html}");
    assert!(html.contains("<td>n1 #0</td><td>2</td><td>5.0</td><td>7.0</td><td>71.4 %</td>"));
    assert!(html.contains("<td>n1 #1</td><td>2</td><td>4.0</td><td>6.0</td><td>66.7 %</td>"));
    assert!(html.contains("<td>all slots</td><td>4</td><td></td><td></td><td>69.2 %</td>"));
    assert!(html.contains("4.0 slot-seconds idle at barriers over 2 batches"));
    assert!(html.contains("<td>exit 3</td><td>1</td><td>no forcing file</td>"));
    insta::assert_snapshot!(structure(&html));
}

#[test]
fn a_run_without_best_files_or_trials_says_what_appears_later() {
    let dir = tempfile::tempdir().unwrap();
    let names = vec!["k".to_string()];
    let journal = Journal::create(dir.path(), &names, "[run]\nname = \"empty\"\n").unwrap();
    journal.close().unwrap();
    let data = RunData::load(dir.path(), true).unwrap();
    let html = tidepool_report::render(&data, &ObjectiveView::default()).unwrap();
    assert!(html.contains("appears when the run ends"));
    insta::assert_snapshot!(structure(&html));
}
