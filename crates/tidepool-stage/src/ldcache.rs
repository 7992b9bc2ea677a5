//! Reader for `/etc/ld.so.cache` (the `glibc-ld.so.cache1.1` format).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const HEADER_LEN: usize = MAGIC.len() + 4 + 4 + 4 * 5;
const ENTRY_LEN: usize = 24;

/// Library name -> paths, in cache order (ld.so takes the first compatible one).
pub type LdCache = HashMap<String, Vec<PathBuf>>;

/// Read the cache at `path`; a missing cache is an empty cache (as for ld.so).
pub fn load(path: &Path) -> std::io::Result<LdCache> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(parse(&bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(LdCache::new()),
        Err(err) => Err(err),
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn c_str_at(bytes: &[u8], at: usize) -> Option<&str> {
    let tail = bytes.get(at..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&tail[..end]).ok()
}

/// Parse the new-format cache; an old-format prefix (`ld.so-1.7.0`) is skipped.
/// String offsets in the new format are relative to the start of the new header.
pub fn parse(bytes: &[u8]) -> LdCache {
    let mut cache = LdCache::new();
    let start = find_new_header(bytes);
    let Some(start) = start else { return cache };
    let base = &bytes[start..];
    let Some(count) = u32_at(base, MAGIC.len()) else {
        return cache;
    };
    for index in 0..count as usize {
        let at = HEADER_LEN + index * ENTRY_LEN;
        let (Some(key), Some(value)) = (u32_at(base, at + 4), u32_at(base, at + 8)) else {
            break;
        };
        if let (Some(name), Some(path)) =
            (c_str_at(base, key as usize), c_str_at(base, value as usize))
        {
            cache
                .entry(name.to_string())
                .or_default()
                .push(PathBuf::from(path));
        }
    }
    cache
}

fn find_new_header(bytes: &[u8]) -> Option<usize> {
    if bytes.starts_with(MAGIC) {
        return Some(0);
    }
    if bytes.starts_with(OLD_MAGIC) {
        return bytes.windows(MAGIC.len()).position(|w| w == MAGIC);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut strings = Vec::new();
        let table_end = HEADER_LEN + entries.len() * ENTRY_LEN;
        let mut table = Vec::new();
        for (name, path) in entries {
            let key = table_end + strings.len();
            strings.extend_from_slice(name.as_bytes());
            strings.push(0);
            let value = table_end + strings.len();
            strings.extend_from_slice(path.as_bytes());
            strings.push(0);
            table.extend_from_slice(&0x0303i32.to_le_bytes());
            table.extend_from_slice(&(key as u32).to_le_bytes());
            table.extend_from_slice(&(value as u32).to_le_bytes());
            table.extend_from_slice(&0u32.to_le_bytes());
            table.extend_from_slice(&0u64.to_le_bytes());
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&[0u8; 20]);
        out.extend(table);
        out.extend(strings);
        out
    }

    #[test]
    fn parses_built_cache() {
        let cache = parse(&build(&[
            ("libz.so.1", "/lib/libz.so.1"),
            ("libz.so.1", "/lib32/libz.so.1"),
        ]));
        assert_eq!(
            cache["libz.so.1"],
            vec![
                PathBuf::from("/lib/libz.so.1"),
                PathBuf::from("/lib32/libz.so.1")
            ]
        );
    }

    #[test]
    fn parses_this_machines_cache() {
        let cache = load(Path::new("/etc/ld.so.cache")).unwrap();
        if !tidepool_testkit::require(!cache.is_empty(), "a non-empty /etc/ld.so.cache") {
            return;
        }
        let libc = cache
            .get("libc.so.6")
            .expect("libc.so.6 is in every glibc cache");
        assert!(libc.iter().any(|p| p.exists()), "{libc:?}");
    }
}
