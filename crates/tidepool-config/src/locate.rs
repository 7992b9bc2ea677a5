//! From a byte offset in a TOML file to a line number and a key path such as
//! `slots.per_node`, so errors point at what to fix.

/// 1-based line number of `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text[..end].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The dotted key path at `offset`: the enclosing `[table]` plus the key on that line.
pub fn key_path_at(text: &str, offset: usize) -> String {
    let line_no = line_of(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let Some(line) = lines.get(line_no - 1) else {
        return String::from("(end of file)");
    };
    if let Some(header) = table_header(line) {
        return header;
    }
    let table = lines[..line_no - 1]
        .iter()
        .rev()
        .find_map(|l| table_header(l));
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    match table {
        Some(t) if !key.is_empty() => format!("{t}.{key}"),
        Some(t) => t,
        None => key.to_string(),
    }
}

/// `[slots]` -> `slots`, `[[parameters]]` -> `parameters`, other lines -> None.
fn table_header(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if !trimmed.starts_with('[') {
        return None;
    }
    let inner = trimmed.trim_start_matches('[');
    let end = inner.find(']')?;
    Some(inner[..end].trim().to_string())
}

/// Line of the `[table]` header for `table`, if present.
pub fn line_of_table(text: &str, table: &str) -> Option<usize> {
    text.lines()
        .position(|l| table_header(l).as_deref() == Some(table))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "[run]\nname = \"x\"\n\n[slots]\nper_nod = 3\n[[parameters]]\nname = \"a\"\n";

    #[test]
    fn finds_key_in_table() {
        let offset = TEXT.find("per_nod").unwrap();
        assert_eq!(line_of(TEXT, offset), 5);
        assert_eq!(key_path_at(TEXT, offset), "slots.per_nod");
    }

    #[test]
    fn finds_header_and_array_tables() {
        assert_eq!(key_path_at(TEXT, 1), "run");
        let offset = TEXT.rfind("name").unwrap();
        assert_eq!(key_path_at(TEXT, offset), "parameters.name");
        assert_eq!(line_of_table(TEXT, "slots"), Some(4));
    }
}
