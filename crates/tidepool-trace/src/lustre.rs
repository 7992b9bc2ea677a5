//! Lustre client metadata counters (`md_stats` of each MDC device): read them before
//! and after the traced command, report the difference.
//!
//! Format (Lustre manual, "Monitoring the client"): an optional `DEVICE.md_stats=`
//! header (from `lctl get_param`), a `snapshot_time` line, then one line per operation:
//! `name count samples [unit]`, possibly followed by min/max/sum columns.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Counter name -> sample count, per MDC device.
pub type Counters = BTreeMap<String, BTreeMap<String, u64>>;

/// Parse the text of one `md_stats` file (no device header) into name -> count.
pub fn parse_md_stats(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?;
            let count = fields.next()?.parse::<u64>().ok()?;
            (fields.next() == Some("samples")).then(|| (name.to_string(), count))
        })
        .collect()
}

/// Parse `lctl get_param mdc.*.md_stats` output: several devices, each introduced by
/// a `mdc.NAME.md_stats=` line.
pub fn parse_lctl(text: &str) -> Counters {
    let mut out = Counters::new();
    let mut device: Option<String> = None;
    let mut body = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        let header = line.trim().strip_suffix("md_stats=").map(|h| {
            h.trim_start_matches("mdc.")
                .trim_end_matches('.')
                .to_string()
        });
        if header.is_some() || line.is_empty() {
            if let Some(dev) = device.take() {
                out.insert(dev, parse_md_stats(&body));
            }
            body.clear();
        }
        match header {
            Some(h) => device = Some(h),
            None => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

/// after - before for every counter present after (counters reset in between count
/// from zero).
pub fn delta(before: &Counters, after: &Counters) -> Counters {
    after
        .iter()
        .map(|(dev, counters)| {
            let old = before.get(dev);
            let diff = counters
                .iter()
                .map(|(name, n)| {
                    let was = old.and_then(|o| o.get(name)).copied().unwrap_or(0);
                    (name.clone(), n.checked_sub(was).unwrap_or(*n))
                })
                .collect();
            (dev.clone(), diff)
        })
        .collect()
}

/// Before/after difference of the Lustre client counters, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LustreDelta {
    /// Where the counters were read: the proc directory, or `lctl`.
    pub source: String,
    /// Device -> operation -> count during the run.
    pub devices: Counters,
    /// Sum over devices and operations.
    pub total: u64,
}

impl LustreDelta {
    pub fn new(source: String, before: &Counters, after: &Counters) -> Self {
        let devices = delta(before, after);
        let total = devices.values().flat_map(|c| c.values()).sum();
        Self {
            source,
            devices,
            total,
        }
    }
}

/// Read the counters of this client: from `dir` (normally /proc/fs/lustre/mdc), else
/// from `lctl get_param`. `None` when this machine has no Lustre client.
pub fn snapshot(dir: &Path) -> Option<(String, Counters)> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let counters: Counters = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path().join("md_stats")).ok()?;
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    parse_md_stats(&text),
                ))
            })
            .collect();
        if !counters.is_empty() {
            return Some((dir.display().to_string(), counters));
        }
    }
    let out = std::process::Command::new("lctl")
        .args(["get_param", "mdc.*.md_stats"])
        .output()
        .ok()?;
    let counters = parse_lctl(&String::from_utf8_lossy(&out.stdout));
    (out.status.success() && !counters.is_empty()).then(|| ("lctl".to_string(), counters))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written from the format in the Lustre Operations Manual (md_stats section).
    const MANUAL: &str = "\
snapshot_time             1332870166.585087 secs.usecs
close                     21 samples [reqs]
create                    12 samples [reqs]
getattr                   2 samples [reqs]
intent_lock               3090 samples [reqs]
setattr                   7 samples [reqs] 1 1 7
";

    const LCTL: &str = "\
mdc.testfs-MDT0000-mdc-ffff88003e1f8800.md_stats=
snapshot_time             1332870166.585087 secs.usecs
close                     21 samples [reqs]
getattr                   2 samples [reqs]
mdc.testfs-MDT0001-mdc-ffff88003e1f8800.md_stats=
snapshot_time             1332870166.585090 secs.usecs
intent_lock               5 samples [reqs]
";

    #[test]
    fn parses_manual_sample() {
        let c = parse_md_stats(MANUAL);
        assert_eq!(c.len(), 5, "{c:?}");
        assert_eq!(c["intent_lock"], 3090);
        assert_eq!(c["setattr"], 7);
        assert!(!c.contains_key("snapshot_time"));
    }

    #[test]
    fn parses_lctl_with_two_devices() {
        let c = parse_lctl(LCTL);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c["testfs-MDT0000-mdc-ffff88003e1f8800"]["close"], 21);
        assert_eq!(c["testfs-MDT0001-mdc-ffff88003e1f8800"]["intent_lock"], 5);
    }

    #[test]
    fn delta_subtracts_and_totals() {
        let before = parse_lctl(LCTL);
        let after_text = LCTL
            .replace(
                "close                     21",
                "close                     30",
            )
            .replace(
                "intent_lock               5",
                "intent_lock               105",
            );
        let d = LustreDelta::new("lctl".into(), &before, &parse_lctl(&after_text));
        assert_eq!(d.devices["testfs-MDT0000-mdc-ffff88003e1f8800"]["close"], 9);
        assert_eq!(
            d.devices["testfs-MDT0000-mdc-ffff88003e1f8800"]["getattr"],
            0
        );
        assert_eq!(d.total, 109);
    }

    #[test]
    fn absent_proc_dir_and_no_lctl_is_none() {
        let dir = tempfile::tempdir().unwrap();
        if std::process::Command::new("lctl")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(snapshot(&dir.path().join("missing")).is_none());
        }
    }

    #[test]
    fn reads_a_proc_like_directory() {
        let dir = tempfile::tempdir().unwrap();
        let dev = dir.path().join("fs-MDT0000-mdc-1");
        std::fs::create_dir(&dev).unwrap();
        std::fs::write(dev.join("md_stats"), MANUAL).unwrap();
        let (source, counters) = snapshot(dir.path()).unwrap();
        assert_eq!(source, dir.path().display().to_string());
        assert_eq!(counters["fs-MDT0000-mdc-1"]["close"], 21);
    }
}
