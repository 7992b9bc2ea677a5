//! The inode table: FUSE inode numbers for the mirrored tree's paths. Inode 1 is the
//! root; every other number is handed out on first sight of a (device, inode) pair of
//! the backing file, so hard links share a number and a file keeps its number across
//! lookups. Each number remembers the last path it was seen at (relative to the root).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const ROOT: u64 = 1;

#[derive(Debug)]
pub struct Inodes {
    by_key: HashMap<(u64, u64), u64>,
    paths: HashMap<u64, PathBuf>,
    next: u64,
}

impl Inodes {
    pub fn new() -> Self {
        let mut paths = HashMap::new();
        paths.insert(ROOT, PathBuf::new());
        Inodes {
            by_key: HashMap::new(),
            paths,
            next: ROOT + 1,
        }
    }

    /// The path of `ino` relative to the root, if known.
    pub fn path(&self, ino: u64) -> Option<&Path> {
        self.paths.get(&ino).map(PathBuf::as_path)
    }

    /// The number for the backing file `(dev, ino)` now seen at `rel`.
    pub fn intern(&mut self, dev: u64, host_ino: u64, rel: PathBuf) -> u64 {
        if rel.as_os_str().is_empty() {
            return ROOT;
        }
        let ino = *self.by_key.entry((dev, host_ino)).or_insert_with(|| {
            let n = self.next;
            self.next += 1;
            n
        });
        self.paths.insert(ino, rel);
        ino
    }

    /// After a rename: every path at or below `from` now lies below `to`.
    pub fn renamed(&mut self, from: &Path, to: &Path) {
        for path in self.paths.values_mut() {
            if let Ok(rest) = path.strip_prefix(from) {
                *path = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_backing_file_same_number_and_renames_move_children() {
        let mut t = Inodes::new();
        let d = t.intern(1, 10, "a".into());
        let f = t.intern(1, 11, "a/f".into());
        assert_eq!(t.intern(1, 11, "a/f".into()), f);
        assert_ne!(d, f);
        assert_eq!(t.path(ROOT), Some(Path::new("")));
        t.renamed(Path::new("a"), Path::new("b"));
        assert_eq!(t.path(d), Some(Path::new("b")));
        assert_eq!(t.path(f), Some(Path::new("b/f")));
    }
}
