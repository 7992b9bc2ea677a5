//! Who imports each expensive package: Python's `-X importtime` lines
//! (`PYTHONPROFILEIMPORTTIME=1`) turned into one row per top-level package, with its
//! cumulative import time and the chain of modules that first pulled it in
//! (`torch <- symfluence.models.lstm <- symfluence`).
//!
//! Python prints a module's line when its import finishes, after the lines of the
//! modules it imported, indented two spaces deeper:
//! ```text
//! import time: self [us] | cumulative | imported package
//! import time:       210 |        210 |     numpy._globals
//! import time:      1500 |      90000 |   numpy
//! import time:       300 |      95000 | pandas
//! ```
//! So a line's children are the deeper lines just before it.

use super::ImportRow;
use std::collections::BTreeMap;

/// The prefix of every import-time line.
pub const PREFIX: &str = "import time:";

/// One parsed line: depth (0 = imported from the top), module, self and cumulative µs.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    depth: usize,
    module: String,
    self_us: u64,
    cumulative_us: u64,
}

fn parse_line(line: &str) -> Option<Line> {
    let rest = line.strip_prefix(PREFIX)?;
    let mut parts = rest.splitn(3, '|');
    let self_us = parts.next()?.trim().parse().ok()?;
    let cumulative_us = parts.next()?.trim().parse().ok()?;
    let name = parts.next()?.strip_prefix(' ')?;
    let module = name.trim_start();
    Some(Line {
        depth: (name.len() - module.len()) / 2,
        module: module.trim_end().to_string(),
        self_us,
        cumulative_us,
    })
}

fn top(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

/// The parent of each line (an index), from the nesting: a line's children are the
/// deeper lines before it that have no parent yet.
fn parents(lines: &[Line]) -> Vec<Option<usize>> {
    let mut parent = vec![None; lines.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        while let Some(&last) = open.last() {
            if lines[last].depth <= line.depth {
                break;
            }
            if lines[last].depth == line.depth + 1 {
                parent[last] = Some(i);
            }
            open.pop();
        }
        open.push(i);
    }
    parent
}

/// One row per top-level package, most cumulative time first: where it was first
/// entered from another package (or from the top), and who imported it.
pub fn import_rows(text_lines: &[String]) -> Vec<ImportRow> {
    let lines: Vec<Line> = text_lines.iter().filter_map(|l| parse_line(l)).collect();
    let parent = parents(&lines);
    let mut rows: BTreeMap<&str, ImportRow> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let package = top(&line.module);
        let row = rows.entry(package).or_insert_with(|| ImportRow {
            package: package.to_string(),
            cumulative_us: 0,
            self_us: 0,
            modules: 0,
            imported_by: Vec::new(),
        });
        row.self_us += line.self_us;
        row.modules += 1;
        let entered_here = parent[i].is_none_or(|p| top(&lines[p].module) != package);
        if entered_here && line.cumulative_us > row.cumulative_us {
            row.cumulative_us = line.cumulative_us;
            row.imported_by = chain(&lines, &parent, i);
        }
    }
    let mut rows: Vec<ImportRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.cumulative_us
            .cmp(&a.cumulative_us)
            .then_with(|| a.package.cmp(&b.package))
    });
    rows
}

/// The modules above line `i`, nearest first.
fn chain(lines: &[Line], parent: &[Option<usize>], mut i: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(p) = parent[i] {
        out.push(lines[p].module.clone());
        i = p;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    const SAMPLE: &str = "\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   encodings.aliases
import time:       400 |        500 | encodings
import time:       200 |        200 |         torch._C
import time:      9000 |       9200 |       torch
import time:        50 |       9250 |     symfluence.models.lstm
import time:        30 |       9280 |   symfluence.models
import time:        10 |         10 |   json
import time:        20 |       9310 | symfluence
";

    #[test]
    fn lines_parse_with_their_depth() {
        let l = parse_line("import time:       200 |        200 |         torch._C").unwrap();
        assert_eq!(
            (l.depth, l.module.as_str(), l.self_us, l.cumulative_us),
            (4, "torch._C", 200, 200)
        );
        assert!(parse_line("import time: self [us] | cumulative | imported package").is_none());
        assert!(parse_line("Traceback (most recent call last):").is_none());
    }

    #[test]
    fn each_package_names_who_imported_it() {
        let rows = import_rows(&lines(SAMPLE));
        let names: Vec<&str> = rows.iter().map(|r| r.package.as_str()).collect();
        assert_eq!(names, ["symfluence", "torch", "encodings", "json"]);
        let torch = &rows[1];
        assert_eq!(torch.cumulative_us, 9200);
        assert_eq!(torch.self_us, 9200);
        assert_eq!(torch.modules, 2);
        assert_eq!(
            torch.imported_by,
            ["symfluence.models.lstm", "symfluence.models", "symfluence"]
        );
        assert!(rows[0].imported_by.is_empty(), "imported from the top");
        assert_eq!(rows[3].imported_by, ["symfluence"]);
    }
}
