//! serde's messages in plain words: `invalid value: integer `-1`, expected u64` becomes
//! `must be a non-negative integer, got -1`; `unknown field` becomes `unknown key`.

/// serde's name for a type, as a user would say it.
fn expected_in_words(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a string" | "a character" => "a string in quotes",
        "a sequence" => "a list in [brackets]",
        "a map" => "a table",
        _ => return None,
    })
}

/// `integer `-1`` -> `-1`; `string "x"` -> `the string "x"`.
fn got_in_words(got: &str) -> String {
    let got = got.trim();
    for kind in ["integer", "floating point", "boolean"] {
        if let Some(value) = got.strip_prefix(kind) {
            return value.trim().trim_matches('`').to_string();
        }
    }
    match got {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => format!("the {other}"),
    }
}

/// The message to show for a serde/toml error message.
pub fn plain(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return format!(
            "unknown key {}",
            rest.replacen(", expected", "; expected", 1)
        );
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("the key {field} is required here; add it");
    }
    for prefix in ["invalid value: ", "invalid type: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((got, expected)) = rest.rsplit_once(", expected ") {
                if let Some(words) = expected_in_words(expected) {
                    return format!("must be {words}, got {}", got_in_words(got));
                }
                return format!("expected {expected}, got {}", got_in_words(got));
            }
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_read_as_plain_words() {
        assert_eq!(
            plain("invalid value: integer `-1`, expected u64"),
            "must be a non-negative integer, got -1"
        );
        assert_eq!(
            plain("invalid type: string \"x\", expected u32"),
            "must be a non-negative integer, got the string \"x\""
        );
        assert_eq!(
            plain("invalid type: integer `3`, expected a string\n"),
            "must be a string in quotes, got 3"
        );
    }

    #[test]
    fn unknown_and_missing_fields_are_keys() {
        assert_eq!(
            plain("unknown field `per_nod`, expected one of `per_node`, `timeout`"),
            "unknown key `per_nod`; expected one of `per_node`, `timeout`"
        );
        assert_eq!(
            plain("missing field `name`"),
            "the key `name` is required here; add it"
        );
        assert_eq!(plain("something else"), "something else");
    }
}
