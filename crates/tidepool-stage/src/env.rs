//! The environment a job uses to run from a staged directory.

use crate::manifest::{Manifest, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Paths and variables for one staged archive. Stored as `.tidepool/env.json` in
/// the staged directory so a later call can answer without reading the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedEnv {
    pub id: String,
    pub root: PathBuf,
    /// Directories to put in front of `PATH`.
    pub path_prepend: Vec<PathBuf>,
    /// Directories to put in front of `LD_LIBRARY_PATH`.
    pub ld_library_path_prepend: Vec<PathBuf>,
    /// The staged venv, if any (`VIRTUAL_ENV`).
    pub virtual_env: Option<PathBuf>,
    /// Packed executables by name.
    pub executables: BTreeMap<String, PathBuf>,
    /// Staged data trees by name.
    pub data: BTreeMap<String, PathBuf>,
}

impl StagedEnv {
    /// The environment of the archive described by `manifest`, staged at `root`.
    pub fn for_manifest(manifest: &Manifest, id: &str, root: &Path) -> Self {
        let mut env = StagedEnv {
            id: id.to_string(),
            root: root.to_path_buf(),
            path_prepend: Vec::new(),
            ld_library_path_prepend: Vec::new(),
            virtual_env: None,
            executables: BTreeMap::new(),
            data: BTreeMap::new(),
        };
        for part in &manifest.parts {
            let dir = root.join(&part.root);
            match part.role {
                Role::PythonVenv => {
                    env.path_prepend.push(dir.join("bin"));
                    env.virtual_env = Some(dir);
                }
                Role::PythonBase => env.ld_library_path_prepend.push(dir.join("lib")),
                Role::Executable => env.path_prepend.push(dir),
                Role::Library => env.ld_library_path_prepend.push(dir),
                Role::Data => {
                    env.data.insert(part.name.clone(), dir);
                }
            }
        }
        for (name, path) in &manifest.executables {
            env.executables.insert(name.clone(), root.join(path));
        }
        env
    }

    /// Variable values given the inherited `PATH` and `LD_LIBRARY_PATH`.
    pub fn vars(
        &self,
        inherited_path: Option<&str>,
        inherited_ld: Option<&str>,
    ) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        vars.insert("PATH".into(), join(&self.path_prepend, inherited_path));
        if !self.ld_library_path_prepend.is_empty() {
            vars.insert(
                "LD_LIBRARY_PATH".into(),
                join(&self.ld_library_path_prepend, inherited_ld),
            );
        }
        if let Some(venv) = &self.virtual_env {
            vars.insert("VIRTUAL_ENV".into(), venv.to_string_lossy().into_owned());
        }
        vars.insert(
            "TIDEPOOL_STAGED".into(),
            self.root.to_string_lossy().into_owned(),
        );
        vars
    }

    /// `export` lines for a POSIX shell; inherited values are appended at run time.
    pub fn to_sh(&self) -> String {
        let mut out = String::new();
        let path = join(&self.path_prepend, None);
        out.push_str(&format!(
            "export PATH={}\"${{PATH:+:$PATH}}\"\n",
            sh_quote(&path)
        ));
        if !self.ld_library_path_prepend.is_empty() {
            let ld = join(&self.ld_library_path_prepend, None);
            out.push_str(&format!(
                "export LD_LIBRARY_PATH={}\"${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\"\n",
                sh_quote(&ld)
            ));
        }
        if let Some(venv) = &self.virtual_env {
            out.push_str(&format!(
                "export VIRTUAL_ENV={}\nunset PYTHONHOME\n",
                sh_quote(&venv.to_string_lossy())
            ));
        }
        out.push_str(&format!(
            "export TIDEPOOL_STAGED={}\n",
            sh_quote(&self.root.to_string_lossy())
        ));
        for (name, path) in &self.executables {
            let var: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            out.push_str(&format!(
                "export TIDEPOOL_EXE_{var}={}\n",
                sh_quote(&path.to_string_lossy())
            ));
        }
        out
    }
}

fn join(dirs: &[PathBuf], inherited: Option<&str>) -> String {
    let mut parts: Vec<String> = dirs
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    if let Some(rest) = inherited.filter(|r| !r.is_empty()) {
        parts.push(rest.to_string());
    }
    parts.join(":")
}

/// Single-quote a string for a POSIX shell.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Part, FORMAT_VERSION};

    fn manifest() -> Manifest {
        let part = |name: &str, role, root: &str| Part {
            name: name.into(),
            role,
            root: root.into(),
            prefix: None,
        };
        Manifest {
            format: FORMAT_VERSION,
            arch: "x86_64".into(),
            parts: vec![
                part("venv", Role::PythonVenv, "python/venv"),
                part("python-base", Role::PythonBase, "python/base"),
                part("executables", Role::Executable, "exe/bin"),
                part("libraries", Role::Library, "exe/lib"),
                part("settings", Role::Data, "data/settings"),
            ],
            executables: vec![("summa.exe".into(), "exe/bin/summa.exe".into())],
            entries: vec![],
        }
    }

    #[test]
    fn vars_prepend_staged_dirs() {
        let env = StagedEnv::for_manifest(&manifest(), "abc", Path::new("/s/abc"));
        let vars = env.vars(Some("/usr/bin"), None);
        assert_eq!(
            vars["PATH"],
            "/s/abc/python/venv/bin:/s/abc/exe/bin:/usr/bin"
        );
        assert_eq!(
            vars["LD_LIBRARY_PATH"],
            "/s/abc/python/base/lib:/s/abc/exe/lib"
        );
        assert_eq!(vars["VIRTUAL_ENV"], "/s/abc/python/venv");
        assert_eq!(
            env.executables["summa.exe"],
            Path::new("/s/abc/exe/bin/summa.exe")
        );
        assert_eq!(env.data["settings"], Path::new("/s/abc/data/settings"));
    }

    #[test]
    fn sh_output_is_sourceable() {
        let env = StagedEnv::for_manifest(&manifest(), "abc", Path::new("/s/it's"));
        let script = format!("PATH=/usr/bin:/bin\n{}printf '%s\\n' \"$PATH\" \"$VIRTUAL_ENV\" \"$TIDEPOOL_EXE_SUMMA_EXE\"", env.to_sh());
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "/s/it's/python/venv/bin:/s/it's/exe/bin:/usr/bin:/bin\n/s/it's/python/venv\n/s/it's/exe/bin/summa.exe\n"
        );
    }
}
