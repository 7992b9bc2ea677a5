//! The Pareto front section of a multi-objective run's report, on hand-made journals:
//! two objectives give a scatter with the front, three give parallel coordinates.

use tidepool_journal::{FinishedTrial, Journal, ProposedTrial};
use tidepool_report::{ObjectiveView, RunData};

const CONFIG: &str = r#"[run]
name = "front"
[optimizer]
algorithm = "padds"
[[parameters]]
name = "k"
lower = 0.0
upper = 10.0
[objective]
[[objective.terms]]
name = "high"
response = "h"
direction = "minimize"
[[objective.terms]]
name = "low"
response = "l"
direction = "minimize"
"#;

/// Trials with these objective vectors; `front` the recorded archive.
fn run(dir: &std::path::Path, config: &str, vectors: &[&[f64]], front: &[u64]) -> String {
    let journal = Journal::create(dir, &["k".to_string()], config).unwrap();
    for (id, v) in vectors.iter().enumerate() {
        let id = id as u64;
        let trial = ProposedTrial {
            id,
            params: vec![id as f64],
            queued_at: 1.0,
        };
        journal.proposed(&trial).unwrap();
        let sum = v.iter().sum();
        journal
            .finished(FinishedTrial::ok(id, Some(sum), Default::default()))
            .unwrap();
        journal.observed_vector(id, Some(sum), Some(v)).unwrap();
    }
    journal.front(front).unwrap();
    journal.close().unwrap();
    let data = RunData::load(dir, false).unwrap();
    assert_eq!(data.objective_names[..2], ["high", "low"]);
    tidepool_report::render(&data, &ObjectiveView::default()).unwrap()
}

fn pareto_section(html: &str) -> &str {
    let start = html
        .find("<section id=\"pareto\">")
        .expect("a Pareto section");
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

#[test]
fn two_objectives_give_a_scatter_with_the_front() {
    let dir = tempfile::tempdir().unwrap();
    let html = run(
        dir.path(),
        CONFIG,
        &[&[1.0, 3.0], &[2.0, 2.0], &[3.0, 3.0]],
        &[0, 1],
    );
    let section = pareto_section(&html);
    assert!(section.contains("Pareto front: 2 of 3 trials (lower is better)"));
    assert!(section.contains("high (distance from perfect)"));
    assert!(section.contains("2 trials are on the front"));
    // one red marker per front member, radius 4 (the legend's marker is a third)
    assert_eq!(section.matches("r=\"4\"").count(), 3, "{section}");
}

#[test]
fn three_objectives_give_parallel_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}[[objective.terms]]\nname = \"volume\"\nresponse = \"v\"\ndirection = \"minimize\"\n"
    );
    let html = run(
        dir.path(),
        &config,
        &[&[1.0, 3.0, 2.0], &[2.0, 2.0, 2.0], &[3.0, 3.0, 3.0]],
        &[0, 1],
    );
    let section = pareto_section(&html);
    assert!(section.contains("in parallel coordinates"));
    // axis labels with each objective's range over all trials
    assert!(section.contains("volume [2, 3]"), "{section}");
}

#[test]
fn a_single_objective_run_has_no_pareto_section() {
    let dir = tempfile::tempdir().unwrap();
    let journal =
        Journal::create(dir.path(), &["k".to_string()], "[run]\nname = \"one\"\n").unwrap();
    journal.close().unwrap();
    let data = RunData::load(dir.path(), false).unwrap();
    let html = tidepool_report::render(&data, &ObjectiveView::default()).unwrap();
    assert!(!html.contains("id=\"pareto\""));
}
