//! The terminal summary: a few aligned tables.

use super::Report;
use std::fmt::Write;

/// Left-align the first column, right-align the others.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::from("  ");
        for (i, cell) in cells.iter().enumerate().take(cols) {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn n(v: u64) -> String {
    v.to_string()
}

/// The command as a shell would take it back: arguments with spaces or quotes quoted.
fn quoted(argv: &[String]) -> String {
    shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "))
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "command: {}", quoted(&r.command));
    let _ = writeln!(
        out,
        "exit code {}, {:.2} s, {} processes{}",
        r.exit_code,
        r.duration_s,
        r.processes.len(),
        r.interrupted_by
            .map_or(String::new(), |s| format!(" (interrupted by signal {s})"))
    );
    let _ = writeln!(
        out,
        "metadata operations: {} total, {} failed ({} ENOENT), peak {}/s (100 ms buckets); apart: fd-based fstat {}, getcwd {}",
        r.total, r.failed, r.enoent, r.peak_per_sec, r.fd_stat.count, r.getcwd
    );
    if r.python_modules.loaded > 0 {
        let _ = writeln!(
            out,
            "python modules loaded: {} ({} stdlib, {} site-packages)",
            r.python_modules.loaded, r.python_modules.stdlib, r.python_modules.site_packages
        );
    }
    out.push('\n');
    let mut syscalls: Vec<_> = r.by_syscall.iter().collect();
    syscalls.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let rows: Vec<Vec<String>> = syscalls
        .iter()
        .map(|(name, c)| vec![name.to_string(), n(c.count), n(c.failed)])
        .collect();
    out.push_str(&table(&["syscall", "calls", "failed"], &rows));
    out.push('\n');
    let rows: Vec<Vec<String>> = r
        .by_filesystem
        .iter()
        .map(|(mp, c)| {
            vec![
                mp.clone(),
                c.fstype.clone(),
                n(c.total),
                n(c.failed),
                n(c.peak_per_sec),
            ]
        })
        .collect();
    out.push_str(&table(
        &["filesystem", "type", "total", "failed", "peak/s"],
        &rows,
    ));
    if !r.shared.is_empty() {
        out.push('\n');
        let elsewhere = r.elsewhere.iter().map(|c| ("(elsewhere)", c));
        let rows: Vec<Vec<String>> = r
            .shared
            .iter()
            .map(|(p, c)| (p.as_str(), c))
            .chain(elsewhere)
            .map(|(p, c)| {
                vec![
                    p.to_string(),
                    n(c.total),
                    n(c.failed),
                    n(c.enoent),
                    n(c.peak_per_sec),
                ]
            })
            .collect();
        out.push_str(&table(
            &["shared prefix", "total", "failed", "ENOENT", "peak/s"],
            &rows,
        ));
    }
    render_failures_and_dirs(r, &mut out);
    render_packages(r, &mut out);
    render_imports(r, &mut out);
    render_processes(r, &mut out);
    if let Some(l) = &r.lustre {
        let _ = writeln!(
            out,
            "\nLustre client metadata requests during the run ({}): {}",
            l.source, l.total
        );
    }
    out
}

fn render_failures_and_dirs(r: &Report, out: &mut String) {
    if !r.failures_by_errno.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .failures_by_errno
            .iter()
            .map(|(e, c)| vec![e.clone(), n(*c)])
            .collect();
        out.push_str(&table(&["errno", "failed"], &rows));
    }
    for (title, dirs) in [
        ("directory (most lookups)", &r.top_dirs.lookups),
        ("directory (most failed lookups)", &r.top_dirs.failed),
    ] {
        if !dirs.is_empty() {
            out.push('\n');
            let rows: Vec<Vec<String>> = dirs
                .iter()
                .map(|d| vec![d.dir.clone(), n(d.count)])
                .collect();
            out.push_str(&table(&[title, "calls"], &rows));
        }
    }
}

fn render_packages(r: &Report, out: &mut String) {
    const SHOWN: usize = 15;
    if r.python_packages.is_empty() {
        return;
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = r
        .python_packages
        .iter()
        .take(SHOWN)
        .map(|p| {
            vec![
                p.package.clone(),
                n(p.ops),
                format!("{:.1}%", 100.0 * p.share),
                n(p.failed),
                n(p.modules),
                format!("{:.2}", p.span_s),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "python package",
            "calls",
            "share",
            "failed",
            "modules",
            "span s",
        ],
        &rows,
    ));
    if r.python_packages.len() > SHOWN {
        let _ = writeln!(
            out,
            "  ... and {} more packages (see --json)",
            r.python_packages.len() - SHOWN
        );
    }
}

/// The chain of importers, short: the module that imported the package, then for each
/// run of modules of one package above it only the outermost.
fn importers(chain: &[String]) -> Vec<&str> {
    let top = |m: &str| m.split('.').next().unwrap_or("").to_string();
    let mut out: Vec<&str> = chain.iter().take(1).map(String::as_str).collect();
    for (i, module) in chain.iter().enumerate().skip(1) {
        let last_of_run = chain.get(i + 1).is_none_or(|next| top(next) != top(module));
        if last_of_run && out.last() != Some(&module.as_str()) {
            out.push(module);
        }
    }
    out
}

fn render_imports(r: &Report, out: &mut String) {
    const SHOWN: usize = 15;
    if r.python_imports.is_empty() {
        return;
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = r
        .python_imports
        .iter()
        .take(SHOWN)
        .map(|p| {
            let chain = std::iter::once(p.package.as_str())
                .chain(importers(&p.imported_by))
                .collect::<Vec<_>>()
                .join(" <- ");
            let ms = |us: u64| format!("{:.1}", us as f64 / 1000.0);
            vec![chain, ms(p.cumulative_us), ms(p.self_us), n(p.modules)]
        })
        .collect();
    out.push_str(&table(
        &[
            "python import (who imported it)",
            "cumulative ms",
            "self ms",
            "modules",
        ],
        &rows,
    ));
}

fn render_processes(r: &Report, out: &mut String) {
    const SHOWN: usize = 10;
    let mut procs: Vec<_> = r.processes.iter().collect();
    procs.sort_by(|a, b| b.total.cmp(&a.total).then(a.pid.cmp(&b.pid)));
    let rows: Vec<Vec<String>> = procs
        .iter()
        .take(SHOWN)
        .map(|p| {
            vec![
                p.executable.clone().unwrap_or_else(|| "?".into()),
                p.pid.to_string(),
                n(p.total),
                n(p.failed),
                p.exit_code.map_or("-".into(), |c| c.to_string()),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&table(
        &["process", "pid", "total", "failed", "exit"],
        &rows,
    ));
    if procs.len() > SHOWN {
        let _ = writeln!(
            out,
            "  ... and {} more processes (see --json)",
            procs.len() - SHOWN
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned() {
        let t = table(
            &["name", "calls"],
            &[
                vec!["openat".into(), "1234".into()],
                vec!["x".into(), "5".into()],
            ],
        );
        assert_eq!(t, "  name    calls\n  openat   1234\n  x           5\n");
    }

    #[test]
    fn importer_chains_keep_each_package_s_outermost_module() {
        let chain = ["symfluence.models.lstm", "symfluence.models", "symfluence"].map(String::from);
        assert_eq!(importers(&chain), ["symfluence.models.lstm", "symfluence"]);
        let chain = [
            "numpy._core.overrides",
            "numpy._core",
            "numpy",
            "pandas.core",
            "pandas",
        ]
        .map(String::from);
        assert_eq!(
            importers(&chain),
            ["numpy._core.overrides", "numpy", "pandas"]
        );
        assert!(importers(&[]).is_empty());
    }

    #[test]
    fn the_command_line_keeps_its_quoting() {
        let argv = ["python3", "-c", "import json, sqlite3", "it's"].map(String::from);
        assert_eq!(quoted(&argv), r#"python3 -c 'import json, sqlite3' "it's""#);
    }
}
