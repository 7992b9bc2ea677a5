//! Checks of `[objective]` that need no file: each refusal names its key and says
//! what to do.

use tidepool_objective::{validate, Column, ObjectiveSpec};

const OBS: &str = "[observed]\ncsv = \"q.csv\"\ndate = 0\nvalue = \"q\"\n";
const CAL: &str = "calibration = [\"2013-01-01\", \"2013-12-31\"]\n";

/// The key and message of the refusal of `text`.
fn refused(text: &str) -> (String, String) {
    let spec: ObjectiveSpec = toml::from_str(text).unwrap();
    let err = validate(&spec).unwrap_err();
    (err.key().unwrap().to_string(), err.to_string())
}

fn term(body: &str) -> String {
    format!("[[terms]]\n{body}")
}

#[test]
fn columns_read_as_names_or_indices() {
    let spec: ObjectiveSpec = toml::from_str(&format!("metric = \"kge\"\n{CAL}{OBS}")).unwrap();
    let observed = spec.observed.as_ref().unwrap();
    assert_eq!(observed.date, Column::Index(0));
    assert_eq!(observed.value, Column::Name("q".into()));
    assert_eq!(observed.factor, 1.0);
    validate(&spec).unwrap();
    let err = toml::from_str::<ObjectiveSpec>(&format!(
        "metric = \"kge\"\n{CAL}{}",
        OBS.replace("date = 0", "date = -1")
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("a column index counts from 0, got -1"),
        "{err}"
    );
}

#[test]
fn one_form_and_something_to_score() {
    let both = format!(
        "metric = \"kge\"\n{CAL}{OBS}{}",
        term("response = \"a\"\ndirection = \"minimize\"\n")
    );
    assert_eq!(refused(&both).0, "objective.terms");
    let (key, message) = refused(CAL);
    assert_eq!(key, "objective");
    assert!(message.contains("says nothing to score"), "{message}");
}

#[test]
fn a_term_is_a_metric_with_observations_or_a_response_with_a_direction() {
    let cases = [
        (
            term("metric = \"kge\"\nresponse = \"a\"\n"),
            "objective.terms[0].response",
            "not both",
        ),
        (
            term("weight = 2.0\n"),
            "objective.terms[0]",
            "scores nothing",
        ),
        (
            term("metric = \"nse\"\n"),
            "objective.terms[0]",
            "needs observations",
        ),
        (
            term("response = \"loss\"\n"),
            "objective.terms[0]",
            "direction = \"minimize\"",
        ),
        (
            format!(
                "{}{}",
                term("response = \"loss\"\ndirection = \"maximise\"\n"),
                OBS.replace("[observed]", "[terms.observed]")
            ),
            "objective.terms[0].observed",
            "is for metric terms",
        ),
        (
            term("response = \"a\"\ndirection = \"minimize\"\nweight = 0\n"),
            "objective.terms[0].weight",
            "above 0",
        ),
    ];
    for (text, key, says) in cases {
        let (got, message) = refused(&format!("{CAL}{text}"));
        assert_eq!(got, key, "{message}");
        assert!(message.contains(says), "{key}: {message}");
    }
}

#[test]
fn names_default_from_metric_and_series_and_must_be_unique() {
    let obs = OBS.replace("[observed]", "[terms.observed]");
    let two = format!(
        "{CAL}{}{obs}{}{obs}",
        term("metric = \"kge\"\nsimulated = \"q\"\n"),
        term("name = \"kge_q_eval\"\nmetric = \"nse\"\n")
    );
    let (key, message) = refused(&two);
    assert_eq!(key, "objective.terms[1].name");
    assert!(message.contains("`kge_q_eval` is used twice"), "{message}");
}

#[test]
fn periods_belong_to_metric_terms() {
    let (key, message) = refused(&format!("metric = \"kge\"\n{OBS}"));
    assert_eq!(key, "objective");
    assert!(message.contains("add calibration = ["), "{message}");
    let (key, _) = refused(&format!(
        "response = \"a\"\ndirection = \"minimize\"\n{CAL}"
    ));
    assert_eq!(key, "objective.calibration");
    let (key, message) = refused(&format!("metric = \"kge\"\n{CAL}{OBS}delimiter = \"ab\"\n"));
    assert_eq!(key, "objective.observed.delimiter", "{message}");
}
