//! Pure path arithmetic: join a tracee's path onto its base directory and normalise it
//! lexically (`.`, `..`, repeated slashes), as the tracer sees it before the kernel
//! resolves symlinks.

/// `path` made absolute against `base` (a directory) and normalised.
/// An empty `path` stands for `base` itself (`AT_EMPTY_PATH`).
pub fn resolve(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else if path.is_empty() {
        normalize(base)
    } else {
        normalize(&format!("{base}/{path}"))
    }
}

/// Lexical normalisation of an absolute path: no `.`, no `..`, no empty components.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The directory holding `path` (`/` for `/` itself).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// True when `path` is `prefix` or lies below it (component-wise).
pub fn is_under(path: &str, prefix: &str) -> bool {
    if prefix == "/" {
        return path.starts_with('/');
    }
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_join_the_base() {
        assert_eq!(resolve("/home/u", "a/b.py"), "/home/u/a/b.py");
        assert_eq!(resolve("/home/u", "./a//b/../c"), "/home/u/a/c");
        assert_eq!(resolve("/home/u", "/etc/passwd"), "/etc/passwd");
        assert_eq!(resolve("/home/u", ""), "/home/u");
        assert_eq!(resolve("/", ".."), "/");
    }

    #[test]
    fn parent_of_paths() {
        assert_eq!(parent("/a/b/c"), "/a/b");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
    }

    #[test]
    fn prefixes_match_whole_components() {
        assert!(is_under("/lustre/proj/x", "/lustre/proj"));
        assert!(is_under("/lustre/proj", "/lustre/proj"));
        assert!(!is_under("/lustre/project", "/lustre/proj"));
        assert!(is_under("/x", "/"));
    }
}
