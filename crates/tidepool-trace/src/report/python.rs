//! Which opened files are Python modules, and which module each one is.

/// Where a module was loaded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleRoot {
    Stdlib,
    SitePackages,
}

/// The module a successfully opened file stands for, as (root, key): the key is the
/// file's path without `__pycache__/` and without its `.py`, `.cpython-311.pyc` or
/// `.cpython-311-x86_64-linux-gnu.so` suffixes, so `x.py` and its `.pyc` count once.
pub fn module_key(path: &str) -> Option<(ModuleRoot, String)> {
    let root = if path.contains("/site-packages/") || path.contains("/dist-packages/") {
        ModuleRoot::SitePackages
    } else if path.contains("/lib/python3") {
        ModuleRoot::Stdlib
    } else {
        return None;
    };
    let (dir, file) = path.rsplit_once('/')?;
    let stem = if let Some(stem) = file.strip_suffix(".py") {
        stem
    } else if let Some(stem) = file
        .strip_suffix(".pyc")
        .or_else(|| file.strip_suffix(".so"))
    {
        stem.split('.').next().unwrap_or(stem)
    } else {
        return None;
    };
    let dir = dir.strip_suffix("/__pycache__").unwrap_or(dir);
    Some((root, format!("{dir}/{stem}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_and_pyc_are_one_module() {
        let py = module_key("/v/lib/python3.11/site-packages/pandas/core/frame.py");
        let pyc = module_key(
            "/v/lib/python3.11/site-packages/pandas/core/__pycache__/frame.cpython-311.pyc",
        );
        assert_eq!(py, pyc);
        assert_eq!(py.unwrap().0, ModuleRoot::SitePackages);
    }

    #[test]
    fn extension_modules_and_stdlib() {
        let (root, key) =
            module_key("/p/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so")
                .unwrap();
        assert_eq!(root, ModuleRoot::Stdlib);
        assert_eq!(key, "/p/lib/python3.11/lib-dynload/_json");
    }

    #[test]
    fn other_files_are_not_modules() {
        assert!(module_key("/usr/lib/x86_64-linux-gnu/libc.so.6").is_none());
        assert!(module_key("/p/lib/python3.11/site-packages/x/data.json").is_none());
        assert!(module_key("/home/u/script.py").is_none());
    }
}
