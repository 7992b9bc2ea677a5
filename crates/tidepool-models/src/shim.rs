//! The protocol between a `python` slot and its embedded shim (`shim.py`): JSON lines on
//! the shim's private copies of stdin and stdout.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tidepool_metrics::{parse_time, Series};

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
        #[serde(default)]
        series: BTreeMap<String, WireSeries>,
    },
    Error {
        trial: u64,
        error: String,
        traceback: String,
    },
}

/// A series as the shim sends it: explicit times (from a pandas DatetimeIndex), or a
/// start date and a fixed step (from a list).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireSeries {
    Timed {
        times: Vec<i64>,
        values: Vec<Number>,
    },
    Regular {
        start: String,
        step_seconds: i64,
        values: Vec<Number>,
    },
}

impl WireSeries {
    /// The series named `name`, or why it is not one.
    pub(crate) fn into_series(self, name: &str) -> Result<Series, String> {
        let (times, values) = match self {
            WireSeries::Timed { times, values } => (times, values),
            WireSeries::Regular {
                start,
                step_seconds,
                values,
            } => {
                let start = parse_time(&start, None)
                    .map_err(|err| format!("series `{name}`: \"start\": {err}"))?;
                let times = (0..values.len() as i64)
                    .map(|i| start + i * step_seconds)
                    .collect();
                (times, values)
            }
        };
        let values = values.into_iter().map(|Number(x)| x).collect();
        Series::new(name, times, values).map_err(|err| format!("series `{name}`: {err}"))
    }
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
            ..
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
    fn reads_regular_and_timed_series() {
        let line = r#"{"kind":"result","trial":1,"objective":null,"responses":{},"series":{
            "q":{"start":"2012-01-01","step_seconds":86400,"values":[1.0,"nan",3]},
            "h":{"times":[0,3600],"values":[0.5,0.25]}}}"#;
        let Message::Result { series, .. } = serde_json::from_str(line).unwrap() else {
            panic!("not a result")
        };
        let mut series = series;
        let q = series.remove("q").unwrap().into_series("q").unwrap();
        // 2012-01-01 is day 15340 since 1970-01-01.
        assert_eq!(q.times(), &[1_325_376_000, 1_325_462_400, 1_325_548_800]);
        assert!(q.values()[1].is_nan() && q.values()[2] == 3.0);
        let h = series.remove("h").unwrap().into_series("h").unwrap();
        assert_eq!((h.times(), h.values()), (&[0, 3600][..], &[0.5, 0.25][..]));
    }

    #[test]
    fn a_bad_start_or_unsorted_times_name_the_series() {
        let wire: WireSeries =
            serde_json::from_str(r#"{"start":"Jan 1","step_seconds":60,"values":[1]}"#).unwrap();
        assert!(wire
            .into_series("q")
            .unwrap_err()
            .starts_with("series `q`: \"start\""));
        let wire: WireSeries = serde_json::from_str(r#"{"times":[5,5],"values":[1,2]}"#).unwrap();
        assert!(wire
            .into_series("h")
            .unwrap_err()
            .starts_with("series `h`: "));
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
