//! Python venv discovery: the base interpreter installation a venv needs, and
//! editable installs that point outside it.

use crate::error::PackError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the base interpreter reports about itself (asked with `-I -S`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BaseFacts {
    pub base_prefix: PathBuf,
    pub stdlib: PathBuf,
    pub version: String,
    pub libdir: Option<PathBuf>,
    pub ldlibrary: Option<String>,
    pub instsoname: Option<String>,
}

/// A venv and the installation it was created from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    /// Canonical venv root.
    pub venv: PathBuf,
    /// Canonical base interpreter executable (`.../bin/python3.X`).
    pub interpreter: PathBuf,
    pub facts: BaseFacts,
    pub include_system_site_packages: bool,
}

/// An installed package whose code lives outside the venv.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditableInstall {
    pub package: String,
    pub location: String,
    /// The file that says so (`.pth` or `direct_url.json`).
    pub evidence: PathBuf,
}

const FACTS_SCRIPT: &str = "import sys, sysconfig, json; v = sysconfig.get_config_var; print(json.dumps({'base_prefix': sys.base_prefix, 'stdlib': sysconfig.get_path('stdlib'), 'version': '%d.%d' % sys.version_info[:2], 'libdir': v('LIBDIR'), 'ldlibrary': v('LDLIBRARY'), 'instsoname': v('INSTSONAME')}))";

/// Read `key = value` from a pyvenv.cfg text.
pub fn cfg_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim())
    })
}

impl PythonEnv {
    /// Find the base installation of the venv at `venv` from its `pyvenv.cfg` and the
    /// base interpreter's own report of `sys.base_prefix` and its stdlib.
    pub fn discover(venv: &Path) -> Result<Self, PackError> {
        let venv = venv.canonicalize().map_err(PackError::read(venv))?;
        let cfg_path = venv.join("pyvenv.cfg");
        if !cfg_path.is_file() {
            return Err(PackError::NotAVenv { path: venv });
        }
        let cfg = std::fs::read_to_string(&cfg_path).map_err(PackError::read(&cfg_path))?;
        let home = cfg_value(&cfg, "home").ok_or(PackError::PyvenvKey {
            path: cfg_path.clone(),
            key: "home",
        })?;
        let home = PathBuf::from(home);
        let interpreter = find_interpreter(&home, cfg_value(&cfg, "version"))?;
        let facts = ask_interpreter(&interpreter)?;
        if !facts.stdlib.join("os.py").is_file() {
            return Err(PackError::NoStdlib {
                interpreter,
                prefix: facts.base_prefix,
            });
        }
        let include_system_site_packages =
            cfg_value(&cfg, "include-system-site-packages") == Some("true");
        Ok(Self {
            venv,
            interpreter,
            facts,
            include_system_site_packages,
        })
    }

    /// The venv's `site-packages` directories.
    pub fn site_packages(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = ["lib", "lib64"]
            .iter()
            .map(|lib| {
                self.venv
                    .join(lib)
                    .join(format!("python{}", self.facts.version))
                    .join("site-packages")
            })
            .filter(|d| d.is_dir())
            .filter_map(|d| d.canonicalize().ok())
            .collect();
        dirs.dedup();
        dirs
    }

    /// Packages installed in editable mode whose code lives outside the venv.
    pub fn editable_installs(&self) -> Result<Vec<EditableInstall>, PackError> {
        let mut found = Vec::new();
        for site in self.site_packages() {
            let listing = std::fs::read_dir(&site).map_err(PackError::read(&site))?;
            let mut names: Vec<PathBuf> =
                listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
            names.sort();
            for path in names {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.ends_with(".pth") {
                    let text = std::fs::read_to_string(&path).map_err(PackError::read(&path))?;
                    found.extend(editables_in_pth(&name, &text, &site, &self.venv, &path));
                } else if name.ends_with(".dist-info") {
                    let direct = path.join("direct_url.json");
                    if direct.is_file() {
                        let text =
                            std::fs::read_to_string(&direct).map_err(PackError::read(&direct))?;
                        found.extend(editable_in_direct_url(&name, &text, &self.venv, &direct));
                    }
                }
            }
        }
        found.sort_by(|a, b| a.package.cmp(&b.package).then(a.evidence.cmp(&b.evidence)));
        found.dedup_by(|a, b| a.package == b.package && a.location == b.location);
        Ok(found)
    }
}

fn find_interpreter(home: &Path, version: Option<&str>) -> Result<PathBuf, PackError> {
    let mut candidates = Vec::new();
    if let Some(version) = version {
        let short: Vec<&str> = version.split('.').take(2).collect();
        candidates.push(home.join(format!("python{}", short.join("."))));
    }
    candidates.extend(["python3", "python"].iter().map(|n| home.join(n)));
    let found = candidates.into_iter().find(|c| c.is_file());
    let found = found.ok_or_else(|| PackError::NoBaseInterpreter {
        home: home.to_path_buf(),
    })?;
    found.canonicalize().map_err(PackError::read(found))
}

fn ask_interpreter(interpreter: &Path) -> Result<BaseFacts, PackError> {
    let output = Command::new(interpreter)
        .args(["-I", "-S", "-c", FACTS_SCRIPT])
        .output()
        .map_err(PackError::read(interpreter))?;
    let bad = |reason: String| PackError::Interpreter {
        path: interpreter.to_path_buf(),
        reason,
    };
    if !output.status.success() {
        return Err(bad(format!(
            "running it failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|err| bad(format!("unexpected answer about sys.base_prefix: {err}")))
}

/// Editable installs declared by a `.pth` file: path lines leading outside the venv,
/// or `__editable__` finder hooks.
pub fn editables_in_pth(
    name: &str,
    text: &str,
    site: &Path,
    venv: &Path,
    evidence: &Path,
) -> Vec<EditableInstall> {
    let package = name
        .trim_end_matches(".pth")
        .trim_start_matches("__editable__.")
        .to_string();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("import ") || line.starts_with("import\t") {
            if name.starts_with("__editable__") {
                out.push(EditableInstall {
                    package: package.clone(),
                    location: line.to_string(),
                    evidence: evidence.to_path_buf(),
                });
            }
            continue;
        }
        let target = site.join(line);
        if !target.starts_with(venv) {
            out.push(EditableInstall {
                package: package.clone(),
                location: target.to_string_lossy().into_owned(),
                evidence: evidence.to_path_buf(),
            });
        }
    }
    out
}

/// An editable install declared by a PEP 610 `direct_url.json`.
pub fn editable_in_direct_url(
    dist_info: &str,
    text: &str,
    venv: &Path,
    evidence: &Path,
) -> Option<EditableInstall> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let editable = value
        .pointer("/dir_info/editable")
        .and_then(|v| v.as_bool())
        == Some(true);
    let url = value.get("url").and_then(|v| v.as_str())?;
    let location = url.strip_prefix("file://").unwrap_or(url);
    (editable && !Path::new(location).starts_with(venv)).then(|| EditableInstall {
        package: dist_info.trim_end_matches(".dist-info").to_string(),
        location: location.to_string(),
        evidence: evidence.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pth_path_lines_outside_venv_are_editable() {
        let site = Path::new("/v/lib/python3.11/site-packages");
        let found = editables_in_pth(
            "mymodel.pth",
            "/home/u/src/mymodel\n# c\nimport os\n",
            site,
            Path::new("/v"),
            Path::new("e"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "/home/u/src/mymodel");
        assert!(
            editables_in_pth("x.pth", "inside\n", site, Path::new("/v"), Path::new("e")).is_empty()
        );
        let hook = editables_in_pth(
            "__editable__.pkg-1.0.pth",
            "import __editable___pkg_finder; x()\n",
            site,
            Path::new("/v"),
            Path::new("e"),
        );
        assert_eq!(hook[0].package, "pkg-1.0");
    }

    #[test]
    fn direct_url_editable_detected() {
        let text = r#"{"url": "file:///home/u/src/hydro", "dir_info": {"editable": true}}"#;
        let found =
            editable_in_direct_url("hydro-0.1.dist-info", text, Path::new("/v"), Path::new("e"))
                .unwrap();
        assert_eq!(
            (found.package.as_str(), found.location.as_str()),
            ("hydro-0.1", "/home/u/src/hydro")
        );
        let not = r#"{"url": "file:///home/u/src/hydro", "dir_info": {}}"#;
        assert!(editable_in_direct_url(
            "hydro-0.1.dist-info",
            not,
            Path::new("/v"),
            Path::new("e")
        )
        .is_none());
    }

    #[test]
    fn discovers_test_venv_base() {
        let venv = std::env::var("TIDEPOOL_TEST_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(std::env::var("HOME").unwrap_or_default())
                    .join(".cache/tidepool/test-venv")
            });
        if tidepool_testkit::existing(&venv).is_none() {
            return;
        }
        let env = PythonEnv::discover(&venv).unwrap();
        assert_eq!(env.facts.version, "3.11");
        assert!(env.interpreter.ends_with("bin/python3.11"));
        assert!(env.facts.stdlib.starts_with(&env.facts.base_prefix));
        assert!(env.editable_installs().unwrap().is_empty());
    }
}
