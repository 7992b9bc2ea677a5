//! Every TOML block in docs/*.md that is a run config, or a fragment of one, parses:
//! the documentation cannot drift from the parser. A fragment without `[run]` or
//! `[model]` gets a minimal one of each added before it is parsed.

use std::path::{Path, PathBuf};
use tidepool_config::RunConfig;

/// The ```toml blocks of a Markdown text, with the line each starts on.
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) if line.trim() == "```toml" => current = Some((i + 2, String::new())),
            (Some(_), true) => blocks.extend(current.take()),
            (Some((_, text)), false) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The block as a whole config: a fragment is wrapped with what it lacks.
fn as_config(block: &str) -> String {
    let has = |table: &str| block.lines().any(|l| l.trim() == format!("[{table}]"));
    let mut text = String::new();
    if !has("run") {
        text.push_str("[run]\nname = \"docs\"\n");
    }
    if !has("model") {
        text.push_str("[model]\nkind = \"noop\"\n");
    }
    text.push_str(block);
    text
}

/// Where the block is taken to live: a SUMMA config's files (settings, observations)
/// are laid out next to it as in the SUMMA fixture, so it is read from there.
fn config_path(block: &str, name: &str) -> PathBuf {
    match block.lines().any(|l| l.trim() == "kind = \"summa\"") {
        true => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/summa-bow")
            .join(name),
        false => PathBuf::from(name),
    }
}

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

#[test]
fn every_toml_block_in_the_docs_parses() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(docs_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let markdown = std::fs::read_to_string(&page).unwrap();
        for (line, block) in toml_blocks(&markdown) {
            let name = format!("{}:{line}", page.file_name().unwrap().to_string_lossy());
            if let Err(e) = RunConfig::from_str(&as_config(&block), &config_path(&block, &name)) {
                failures.push(format!("{name}: {e}"));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "docs disagree with the parser:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 5, "only {checked} TOML blocks found in docs/");
}

#[test]
fn a_block_with_an_unknown_key_would_be_caught() {
    let markdown = "text\n```toml\n[launch]\nlocal_agents = 2\n```\n";
    let blocks = toml_blocks(markdown);
    assert_eq!(
        blocks,
        vec![(3, "[launch]\nlocal_agents = 2\n".to_string())]
    );
    let err = RunConfig::from_str(&as_config(&blocks[0].1), Path::new("x.md")).unwrap_err();
    assert!(err.to_string().contains("launch.local_agents"), "{err}");
}

#[test]
fn the_example_configs_parse() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for entry in walk(&examples) {
        if entry.extension().is_some_and(|e| e == "toml") {
            RunConfig::load(&entry).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
