//! Step timeouts in `[model] steps`: a number of seconds (`30`, `0.5`) or a string with
//! a unit (`"500ms"`, `"30s"`, `"5m"`, `"2h"`), the same forms as durations elsewhere in
//! the config. Written back as a number of seconds.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::Duration;

/// Parse `"500ms"`, `"30s"`, `"5m"`, `"2h"` or a bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration; write e.g. \"500ms\", \"30s\", \"5m\" or \"2h\"")
    })?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}`; use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(value * scale).map_err(|err| format!("`{text}`: {err}"))
}

pub(crate) mod optional {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Seconds(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let duration = match Written::deserialize(d)? {
            Written::Seconds(x) => Duration::try_from_secs_f64(x).map_err(|e| e.to_string()),
            Written::Text(text) => parse(&text),
        };
        duration.map(Some).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_each_unit() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse("5 days")
            .unwrap_err()
            .contains("unknown duration unit"));
    }
}
