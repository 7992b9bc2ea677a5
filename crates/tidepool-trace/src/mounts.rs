//! Mount table from `/proc/PID/mountinfo`: which filesystem a path is on
//! (longest mount-point prefix).

use crate::paths::is_under;
use serde::{Deserialize, Serialize};

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
}

/// The mounts a process sees, longest mount point first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountTable {
    mounts: Vec<Mount>,
}

impl MountTable {
    /// Parse mountinfo text (see proc(5)): field 5 is the mount point, and after the
    /// `-` separator come the filesystem type and the source. Malformed lines are
    /// skipped; a later mount on the same point hides the earlier one.
    pub fn parse(text: &str) -> Self {
        let mut mounts: Vec<Mount> = Vec::new();
        for line in text.lines() {
            if let Some(mount) = parse_line(line) {
                mounts.retain(|m| m.mount_point != mount.mount_point);
                mounts.push(mount);
            }
        }
        mounts.sort_by_key(|m| std::cmp::Reverse(m.mount_point.len()));
        Self { mounts }
    }

    /// The filesystem holding `path`, if any mount covers it.
    pub fn find(&self, path: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| is_under(path, &m.mount_point))
    }

    pub fn is_empty(&self) -> bool {
        self.mounts.is_empty()
    }
}

fn parse_line(line: &str) -> Option<Mount> {
    let fields: Vec<&str> = line.split(' ').collect();
    let sep = fields.iter().position(|f| *f == "-")?;
    let mount_point = unescape(fields.get(4)?);
    let fstype = fields.get(sep + 1)?.to_string();
    let source = unescape(fields.get(sep + 2)?);
    Some(Mount {
        mount_point,
        fstype,
        source,
    })
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (bytes[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid shared:2 - proc proc rw
40 22 0:35 / /tmp rw shared:20 - tmpfs tmpfs rw
41 22 10.0.0.1@tcp:/fs / /lustre rw - lustre 10.0.0.1@tcp:/fs rw,flock
42 41 0:36 / /lustre/my\\040dir rw - tmpfs none rw
";

    #[test]
    fn longest_mount_point_wins() {
        let table = MountTable::parse(SAMPLE);
        assert_eq!(table.find("/lustre/proj/a.py").unwrap().fstype, "lustre");
        assert_eq!(table.find("/tmp/x").unwrap().mount_point, "/tmp");
        assert_eq!(table.find("/tmpfoo").unwrap().mount_point, "/");
        assert_eq!(
            table.find("/lustre/my dir/f").unwrap().mount_point,
            "/lustre/my dir"
        );
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let table = MountTable::parse("nonsense\n\n22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
        assert_eq!(table.find("/a").unwrap().source, "/dev/sda1");
    }

    #[test]
    fn this_machine_has_a_root_mount() {
        let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let table = MountTable::parse(&text);
        assert_eq!(table.find("/").unwrap().mount_point, "/");
    }
}
