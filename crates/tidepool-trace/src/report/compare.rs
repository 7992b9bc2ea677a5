//! Two reports side by side, with differences (B - A) and ratios (B / A).

use super::{table_rows, Report};
use serde::{Deserialize, Serialize};

/// One compared figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub metric: String,
    pub a: f64,
    pub b: f64,
    /// b - a.
    pub diff: f64,
    /// b / a; `None` when a is zero.
    pub ratio: Option<f64>,
}

/// The comparison of report A with report B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub rows: Vec<CompareRow>,
}

fn row(metric: impl Into<String>, a: f64, b: f64) -> CompareRow {
    CompareRow {
        metric: metric.into(),
        a,
        b,
        diff: b - a,
        ratio: (a != 0.0).then(|| b / a),
    }
}

/// Compare headline figures, then every syscall, filesystem and shared prefix that
/// appears in either report.
pub fn compare(a_name: &str, a: &Report, b_name: &str, b: &Report) -> Comparison {
    let mut rows = vec![
        row("total", a.total as f64, b.total as f64),
        row("failed", a.failed as f64, b.failed as f64),
        row("enoent", a.enoent as f64, b.enoent as f64),
        row("peak_per_sec", a.peak_per_sec as f64, b.peak_per_sec as f64),
        row("duration_s", a.duration_s, b.duration_s),
        row("fd_stat", a.fd_stat.count as f64, b.fd_stat.count as f64),
        row(
            "python_modules",
            a.python_modules.loaded as f64,
            b.python_modules.loaded as f64,
        ),
        row(
            "processes",
            a.processes.len() as f64,
            b.processes.len() as f64,
        ),
    ];
    let keys = |f: fn(&Report) -> Vec<String>| {
        let mut k = f(a);
        k.extend(f(b));
        k.sort();
        k.dedup();
        k
    };
    for name in keys(|r| r.by_syscall.keys().cloned().collect()) {
        let get = |r: &Report| r.by_syscall.get(&name).map_or(0.0, |c| c.count as f64);
        rows.push(row(format!("syscall {name}"), get(a), get(b)));
    }
    for fs in keys(|r| r.by_filesystem.keys().cloned().collect()) {
        let get = |r: &Report| r.by_filesystem.get(&fs).map_or(0.0, |c| c.total as f64);
        rows.push(row(format!("filesystem {fs}"), get(a), get(b)));
    }
    for prefix in keys(|r| r.shared.keys().cloned().collect()) {
        let get = |r: &Report| r.shared.get(&prefix).map_or(0.0, |c| c.total as f64);
        rows.push(row(format!("shared {prefix}"), get(a), get(b)));
    }
    Comparison {
        a: a_name.to_string(),
        b: b_name.to_string(),
        rows,
    }
}

impl Comparison {
    /// Aligned text table.
    pub fn render(&self) -> String {
        let fmt = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let ratio = r.ratio.map_or("-".to_string(), |x| format!("{x:.2}x"));
                let diff = if r.diff > 0.0 {
                    format!("+{}", fmt(r.diff))
                } else {
                    fmt(r.diff)
                };
                vec![r.metric.clone(), fmt(r.a), fmt(r.b), diff, ratio]
            })
            .collect();
        format!(
            "A: {}\nB: {}\n\n{}",
            self.a,
            self.b,
            table_rows(&["metric", "A", "B", "B-A", "B/A"], &rows)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(total: u64) -> Report {
        let json = serde_json::json!({
            "schema_version": 2, "command": ["x"], "exit_code": 0, "interrupted_by": null,
            "duration_s": 1.5, "total": total, "failed": 2, "enoent": 1, "peak_per_sec": 10,
            "failures_by_errno": {}, "by_syscall": {"openat": {"count": total, "failed": 2}},
            "fd_stat": {"count": 0, "failed": 0, "by_syscall": {}},
            "by_filesystem": {}, "shared": {}, "processes": [],
            "top_dirs": {"lookups": [], "failed": []},
            "python_modules": {"loaded": 0, "stdlib": 0, "site_packages": 0},
            "timeline": {"bucket_s": 0.1, "filesystems": [], "buckets": []},
            "lustre": null, "unfinished": 0, "files": []
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn ratios_are_b_over_a() {
        let c = compare("a.json", &report(100), "b.json", &report(25));
        assert_eq!(c.rows[0].metric, "total");
        assert_eq!(c.rows[0].ratio, Some(0.25));
        let openat = c
            .rows
            .iter()
            .find(|r| r.metric == "syscall openat")
            .unwrap();
        assert_eq!((openat.a, openat.b, openat.diff), (100.0, 25.0, -75.0));
        let text = c.render();
        assert!(text.contains("0.25x"), "{text}");
        assert!(text.contains("B-A") && text.contains(" -75 "), "{text}");
        let up = compare("a", &report(25), "b", &report(100)).render();
        assert!(up.contains(" +75 "), "{up}");
    }

    #[test]
    fn zero_baseline_has_no_ratio() {
        let c = compare("a", &report(0), "b", &report(3));
        assert_eq!(c.rows[0].ratio, None);
        assert!(c.render().contains(" -"));
    }
}
