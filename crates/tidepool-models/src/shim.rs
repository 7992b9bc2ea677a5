//! The protocol between a `python` slot and its embedded shim (`shim.py`): JSON lines on
//! the shim's private copies of stdin and stdout.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The shim's source, passed to the interpreter with `-c`.
pub const SHIM_SOURCE: &str = include_str!("shim.py");

/// A trial sent to the shim.
#[derive(Debug, Serialize)]
pub(crate) struct Request<'a> {
    pub trial: u64,
    pub attempt: u32,
    pub params: &'a [(String, f64)],
}

/// A line from the shim.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Message {
    Ready {
        python: String,
        pid: u32,
    },
    NotReady {
        error: String,
        traceback: String,
    },
    Result {
        trial: u64,
        objective: Option<Number>,
        responses: BTreeMap<String, Number>,
    },
    Error {
        trial: u64,
        error: String,
        traceback: String,
    },
}

/// A number as the shim sends it: finite values as JSON numbers, the others as the
/// strings "nan", "inf", "-inf".
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "NumberText")]
pub(crate) struct Number(pub f64);

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberText {
    Finite(f64),
    Special(String),
}

impl TryFrom<NumberText> for Number {
    type Error = String;
    fn try_from(text: NumberText) -> Result<Self, Self::Error> {
        match text {
            NumberText::Finite(x) => Ok(Number(x)),
            NumberText::Special(s) => match s.as_str() {
                "nan" | "inf" | "-inf" => Ok(Number(s.parse().unwrap_or(f64::NAN))),
                _ => Err(format!("`{s}` is not a number")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_results_with_special_numbers() {
        let line =
            r#"{"kind":"result","trial":3,"objective":"nan","responses":{"a":1.5,"b":"-inf"}}"#;
        let Message::Result {
            trial,
            objective,
            responses,
        } = serde_json::from_str(line).unwrap()
        else {
            panic!("not a result")
        };
        assert_eq!(trial, 3);
        assert!(objective.unwrap().0.is_nan());
        assert_eq!(responses["a"].0, 1.5);
        assert_eq!(responses["b"].0, f64::NEG_INFINITY);
    }

    #[test]
    fn rejects_other_strings_as_numbers() {
        let line = r#"{"kind":"result","trial":3,"objective":"high","responses":{}}"#;
        assert!(serde_json::from_str::<Message>(line).is_err());
    }

    #[test]
    fn requests_keep_parameter_order() {
        let params = vec![("z".to_string(), 1.0), ("a".to_string(), 2.0)];
        let request = Request {
            trial: 1,
            attempt: 2,
            params: &params,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"trial":1,"attempt":2,"params":[["z",1.0],["a",2.0]]}"#
        );
    }
}
