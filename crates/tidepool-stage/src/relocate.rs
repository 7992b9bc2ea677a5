//! Relocation: pure functions that rewrite old absolute prefixes to new ones.
//!
//! Each kind of reference has its own function: `pyvenv.cfg` keys, `#!` lines,
//! text files (activation scripts, sysconfig data) and symlink targets. None of them
//! touches the filesystem; [`crate::stage`] applies them to the files the manifest
//! marks for relocation.

use std::path::{Component, Path, PathBuf};

/// Longest `#!` line the Linux kernel reads in full on every supported kernel.
pub const MAX_SHEBANG: usize = 127;

/// Old absolute prefixes and their new locations, longest old prefix first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixMap {
    pairs: Vec<(String, String)>,
}

impl PrefixMap {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut pairs: Vec<_> = pairs
            .into_iter()
            .filter(|(old, _)| !old.is_empty())
            .collect();
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Self { pairs }
    }

    /// The new path for `path` if it lies under one of the old prefixes.
    pub fn map_path(&self, path: &str) -> Option<String> {
        self.pairs.iter().find_map(|(old, new)| {
            let rest = path.strip_prefix(old.as_str())?;
            (rest.is_empty() || rest.starts_with('/')).then(|| format!("{new}{rest}"))
        })
    }

    pub fn olds(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(old, _)| old.as_str())
    }
}

fn is_path_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-' | b'+')
}

/// Replace every old prefix in `text` that ends at a path boundary. Returns `None`
/// when nothing changed. Used for activation scripts and other text files.
pub fn rewrite_prefixes(text: &[u8], map: &PrefixMap) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    'scan: while i < text.len() {
        for (old, new) in &map.pairs {
            let old = old.as_bytes();
            if text[i..].starts_with(old) {
                let next = text.get(i + old.len()).copied();
                if next.is_none_or(|b| !is_path_char(b)) {
                    out.extend_from_slice(new.as_bytes());
                    i += old.len();
                    changed = true;
                    continue 'scan;
                }
            }
        }
        out.push(text[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// Rewrite the `home`, `executable` and `command` keys of a `pyvenv.cfg`.
pub fn rewrite_pyvenv_cfg(text: &str, map: &PrefixMap) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let rewritten = match key {
            "home" | "executable" | "command" | "base-prefix" | "base-executable" => {
                rewrite_prefixes(line.as_bytes(), map)
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => None,
        };
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Rewrite the `#!` line of a script whose new location is `script`.
///
/// The interpreter is mapped through `map`. If the new line fits in
/// [`MAX_SHEBANG`] bytes it is used as is; otherwise the script gets a `/bin/sh`
/// trampoline that finds the interpreter relative to the script's own location.
/// Returns `None` when the script has no `#!` line under an old prefix.
pub fn rewrite_shebang(content: &[u8], script: &Path, map: &PrefixMap) -> Option<Vec<u8>> {
    let rest = content.strip_prefix(b"#!")?;
    let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = std::str::from_utf8(&rest[..line_end]).ok()?.trim();
    let (interpreter, args) = match line.split_once(char::is_whitespace) {
        Some((interp, args)) => (interp, Some(args.trim())),
        None => (line, None),
    };
    let new_interp = map.map_path(interpreter)?;
    let body = &rest[(line_end + 1).min(rest.len())..];
    let args_suffix = args.map(|a| format!(" {a}")).unwrap_or_default();
    let direct = format!("#!{new_interp}{args_suffix}");
    let mut out = Vec::with_capacity(content.len() + 128);
    if direct.len() <= MAX_SHEBANG {
        out.extend_from_slice(direct.as_bytes());
        out.push(b'\n');
    } else {
        let script_dir = script.parent().unwrap_or(Path::new("/"));
        let relative = relative_path(script_dir, Path::new(&new_interp));
        out.extend_from_slice(trampoline(&relative.to_string_lossy(), args).as_bytes());
    }
    out.extend_from_slice(body);
    Some(out)
}

/// A `/bin/sh` prelude that re-executes the script with the interpreter at
/// `relative` (relative to the script's real directory). Python reads the two
/// quoted lines as a harmless string expression.
fn trampoline(relative: &str, args: Option<&str>) -> String {
    let args = args.map(|a| format!(" {a}")).unwrap_or_default();
    format!(
        "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")/{relative}\"{args} \"$0\" \"$@\"\n' '''\n"
    )
}

/// The target a symlink at archive path `link` should have, when its `target`
/// points under an old prefix that maps to an archive directory. The result is
/// relative, so the link survives any later move of the staged tree.
pub fn relink_symlink(link: &str, target: &str, map: &PrefixMap) -> Option<String> {
    if !target.starts_with('/') {
        return None;
    }
    let new_target = map.map_path(target)?;
    let link_dir = Path::new(link).parent().unwrap_or(Path::new(""));
    Some(
        relative_path(link_dir, Path::new(&new_target))
            .to_string_lossy()
            .into_owned(),
    )
}

/// A RUNPATH/RPATH value for the file at archive path `file`: entries under an old
/// prefix (mapped by `map` to archive directories) become `$ORIGIN`-relative, others
/// are kept. Returns `None` when no entry maps.
pub fn relative_runpath(old: &str, file: &str, map: &PrefixMap) -> Option<String> {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut changed = false;
    let entries: Vec<String> = old
        .split(':')
        .map(|entry| match map.map_path(entry.trim_end_matches('/')) {
            Some(mapped) => {
                changed = true;
                let rel = relative_path(dir, Path::new(&mapped));
                if rel.as_os_str().is_empty() {
                    "$ORIGIN".to_string()
                } else {
                    format!("$ORIGIN/{}", rel.to_string_lossy())
                }
            }
            None => entry.to_string(),
        })
        .collect();
    changed.then(|| entries.join(":"))
}

/// `to` expressed relative to directory `from` (both absolute, or both relative to
/// the same root), without touching the filesystem.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let to: Vec<Component> = to
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for comp in &to[common..] {
        out.push(comp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> PrefixMap {
        PrefixMap::new([
            ("/home/u/venv".to_string(), "/tmp/s/python/venv".to_string()),
            ("/opt/py/3.11".to_string(), "/tmp/s/python/base".to_string()),
        ])
    }

    #[test]
    fn prefixes_rewritten_only_at_path_boundaries() {
        let text = b"VIRTUAL_ENV=\"/home/u/venv\"\nX=/home/u/venv/bin:/home/u/venv2\n";
        let out = rewrite_prefixes(text, &map()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "VIRTUAL_ENV=\"/tmp/s/python/venv\"\nX=/tmp/s/python/venv/bin:/home/u/venv2\n"
        );
        assert!(rewrite_prefixes(b"nothing here", &map()).is_none());
    }

    #[test]
    fn activation_script_gets_new_virtual_env() {
        let activate = "deactivate () {\n}\nVIRTUAL_ENV=\"/home/u/venv\"\nexport VIRTUAL_ENV\n_OLD_VIRTUAL_PATH=\"$PATH\"\nPATH=\"$VIRTUAL_ENV/bin:$PATH\"\n";
        let out =
            String::from_utf8(rewrite_prefixes(activate.as_bytes(), &map()).unwrap()).unwrap();
        assert!(out.contains("VIRTUAL_ENV=\"/tmp/s/python/venv\"\n"));
        assert!(!out.contains("/home/u"));
    }

    #[test]
    fn pyvenv_cfg_keys_rewritten_others_kept() {
        let cfg = "home = /opt/py/3.11/bin\ninclude-system-site-packages = false\nversion = 3.11.7\nexecutable = /opt/py/3.11/bin/python3.11\ncommand = /opt/py/3.11/bin/python3.11 -m venv /home/u/venv\n";
        let out = rewrite_pyvenv_cfg(cfg, &map());
        assert_eq!(
            out,
            "home = /tmp/s/python/base/bin\ninclude-system-site-packages = false\nversion = 3.11.7\nexecutable = /tmp/s/python/base/bin/python3.11\ncommand = /tmp/s/python/base/bin/python3.11 -m venv /tmp/s/python/venv\n"
        );
    }

    #[test]
    fn short_shebang_becomes_new_absolute_path() {
        let script = b"#!/home/u/venv/bin/python\nimport sys\n";
        let out = rewrite_shebang(script, Path::new("/tmp/s/python/venv/bin/pip"), &map()).unwrap();
        assert_eq!(out, b"#!/tmp/s/python/venv/bin/python\nimport sys\n");
        assert!(rewrite_shebang(b"#!/bin/sh\necho\n", Path::new("/x/y"), &map()).is_none());
        assert!(rewrite_shebang(b"no shebang", Path::new("/x/y"), &map()).is_none());
    }

    #[test]
    fn long_shebang_becomes_sh_trampoline() {
        let long = "/very/long/".repeat(15);
        let map = PrefixMap::new([("/home/u/venv".to_string(), format!("{long}venv"))]);
        let script = format!("{long}venv/bin/pip");
        let out = rewrite_shebang(
            b"#!/home/u/venv/bin/python -E\nimport sys\n",
            Path::new(&script),
            &map,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")/python\" -E \"$0\" \"$@\"\n' '''\nimport sys\n"), "{text}");
    }

    #[test]
    fn trampoline_runs_under_sh_and_python() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let python = "/root/.pyenv/versions/3.11.7/bin/python3.11";
        if tidepool_testkit::existing(Path::new(python)).is_none() {
            return;
        }
        std::os::unix::fs::symlink(python, bin.join("python")).unwrap();
        let script = bin.join("hello");
        let text = format!(
            "{}print('hello from', __name__)\n",
            trampoline("python", None)
        );
        std::fs::write(&script, text).unwrap();
        let out = std::process::Command::new("/bin/sh")
            .arg(&script)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "hello from __main__\n",
            "{out:?}"
        );
    }

    #[test]
    fn runpath_entries_under_prefix_become_origin_relative() {
        let m = PrefixMap::new([("/opt/py/3.11".to_string(), "python/base".to_string())]);
        let file = "python/base/lib/python3.11/lib-dynload/_ctypes.so";
        assert_eq!(
            relative_runpath("/opt/py/3.11/lib", file, &m).as_deref(),
            Some("$ORIGIN/../..")
        );
        assert_eq!(
            relative_runpath(
                "/opt/py/3.11/lib:/usr/lib",
                "python/base/bin/python3.11",
                &m
            )
            .as_deref(),
            Some("$ORIGIN/../lib:/usr/lib")
        );
        assert_eq!(
            relative_runpath("/opt/py/3.11/lib/", "python/base/lib/libx.so", &m).as_deref(),
            Some("$ORIGIN")
        );
        assert_eq!(relative_runpath("$ORIGIN/../numpy.libs", file, &m), None);
    }

    #[test]
    fn symlinks_into_old_prefix_become_relative() {
        let m = PrefixMap::new([
            ("/home/u/venv".to_string(), "python/venv".to_string()),
            ("/opt/py/3.11".to_string(), "python/base".to_string()),
        ]);
        assert_eq!(
            relink_symlink(
                "python/venv/bin/python3.11",
                "/opt/py/3.11/bin/python3.11",
                &m
            )
            .as_deref(),
            Some("../../base/bin/python3.11")
        );
        assert_eq!(relink_symlink("python/venv/lib64", "lib", &m), None);
        assert_eq!(
            relink_symlink("python/venv/x", "/usr/share/zoneinfo", &m),
            None
        );
    }
}
