//! From a byte offset in a TOML file to a line number and a key path such as
//! `slots.per_node` or `parameters[1].lower`, so errors point at what to fix.

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
    if table_header(line).is_some() {
        return indexed_table(&lines[..line_no]).unwrap_or_default();
    }
    let table = indexed_table(&lines[..line_no - 1]);
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

/// The last table header in `lines`, an array table with its index:
/// `slots`, `parameters[1]`.
fn indexed_table(lines: &[&str]) -> Option<String> {
    let (at, name) = lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| table_header(l).map(|name| (i, name)))?;
    if !lines[at].trim().starts_with("[[") {
        return Some(name);
    }
    let index = lines[..at]
        .iter()
        .filter(|l| l.trim().starts_with("[[") && table_header(l).as_deref() == Some(&name))
        .count();
    Some(format!("{name}[{index}]"))
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
        assert_eq!(key_path_at(TEXT, offset), "parameters[0].name");
        let two = format!("{TEXT}[[parameters]]\nlower = \"x\"\n");
        assert_eq!(
            key_path_at(&two, two.rfind("lower").unwrap()),
            "parameters[1].lower"
        );
        assert_eq!(key_path_at(&two, two.rfind("[[").unwrap()), "parameters[1]");
    }
}
