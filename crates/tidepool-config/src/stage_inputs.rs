//! Pre-flight checks of what `[stage]` packs at the first start (`python`, `exe`,
//! `dirs`): each path exists here on the coordinator, `python` is a venv, each
//! `exe` an executable ELF file (a script belongs in `dirs`), each `dirs` entry a
//! directory, and no two `dirs` are staged under the same name.

use crate::error::ConfigError;
use crate::preflight::{executable, tidy};
use crate::sections::{RunConfig, StageSection};
use std::path::Path;

impl RunConfig {
    pub(crate) fn check_stage_inputs(&self) -> Result<(), ConfigError> {
        let Some(stage) = &self.stage else {
            return Ok(());
        };
        if let Some(venv) = &stage.python {
            self.check_venv(venv)?;
        }
        for (i, exe) in stage.exe.iter().enumerate() {
            let path = tidy(&self.resolve(exe));
            if let Err(problem) = executable(&path).and_then(|()| elf(&path)) {
                return Err(self.invalid_with_hint(
                    &format!("stage.exe[{i}]"),
                    format!("executable `{}` {problem}", exe.display()),
                    "list compiled programs here (their libraries are packed with them); scripts and data go in dirs",
                ));
            }
        }
        self.check_dirs(stage)
    }

    fn check_venv(&self, venv: &Path) -> Result<(), ConfigError> {
        let path = tidy(&self.resolve(venv));
        let problem = if !path.is_dir() {
            format!("is not a directory ({})", path.display())
        } else if !path.join("pyvenv.cfg").is_file() {
            format!("is not a venv (no {})", path.join("pyvenv.cfg").display())
        } else {
            return Ok(());
        };
        Err(self.invalid_with_hint(
            "stage.python",
            format!("python `{}` {problem}", venv.display()),
            "give the venv's directory, the one holding pyvenv.cfg and bin/python (python -m venv DIR makes one)",
        ))
    }

    fn check_dirs(&self, stage: &StageSection) -> Result<(), ConfigError> {
        let mut names: Vec<String> = Vec::new();
        for (i, dir) in stage.dirs.iter().enumerate() {
            let key = format!("stage.dirs[{i}]");
            let path = tidy(&self.resolve(dir));
            if !path.is_dir() {
                return Err(self.invalid_with_hint(
                    &key,
                    format!("directory {} not found", path.display()),
                    "a relative path is relative to the config file's directory",
                ));
            }
            let name = staged_name(&path);
            if let Some(j) = names.iter().position(|n| *n == name) {
                return Err(self.invalid_with_hint(
                    &key,
                    format!("stage.dirs[{j}] is already staged under the name `{name}`"),
                    "each directory is staged under its own name: rename one of the two, or stage their common parent",
                ));
            }
            names.push(name);
        }
        Ok(())
    }
}

/// The name a directory is staged under (`data/NAME`), as `tidepool pack` picks it.
fn staged_name(dir: &Path) -> String {
    let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    real.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".into())
}

/// Whether `path` starts like an ELF file.
fn elf(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Ok(()) if magic == *b"\x7fELF" => Ok(()),
        Ok(()) | Err(_) => Err(format!(
            "is not a compiled (ELF) program ({})",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A config in `dir` whose `[stage]` is `stage`; the `[stage]` table starts on line 5.
    fn preflight(dir: &Path, stage: &str) -> Result<(), ConfigError> {
        let text = format!("[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n[stage]\n{stage}");
        RunConfig::from_str(&text, &dir.join("run.toml"))
            .unwrap()
            .preflight()
    }

    fn refused(dir: &Path, stage: &str) -> (String, (usize, usize)) {
        let err = preflight(dir, stage).unwrap_err();
        let at = err.location().expect("a located error");
        (err.to_string(), (at.line, at.column))
    }

    #[test]
    fn what_is_packed_at_the_first_start_must_exist_and_fit() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("venv")).unwrap();
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("other/data")).unwrap();
        std::fs::write(dir.join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join("run.sh"), PermissionsExt::from_mode(0o755)).unwrap();
        std::fs::copy("/bin/sh", dir.join("sh")).unwrap();

        let (text, at) = refused(dir, "python = \"venv\"\n");
        assert!(
            text.contains("key `stage.python`: python `venv` is not a venv (no "),
            "{text}"
        );
        assert_eq!(at, (6, 10));
        std::fs::write(dir.join("venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        preflight(dir, "python = \"venv\"\n").unwrap();

        let (text, at) = refused(dir, "exe = [\"sh\", \"run.sh\"]\n");
        assert!(
            text.contains(
                "key `stage.exe[1]`: executable `run.sh` is not a compiled (ELF) program"
            ),
            "{text}"
        );
        assert_eq!(at, (6, 14));
        let (text, _) = refused(dir, "exe = [\"missing\"]\n");
        assert!(text.contains("executable `missing` not found"), "{text}");
        preflight(dir, "exe = [\"sh\"]\n").unwrap();

        let (text, at) = refused(dir, "dirs = [\"data\", \"nodata\"]\n");
        assert!(
            text.contains("key `stage.dirs[1]`: directory ") && text.contains("nodata not found"),
            "{text}"
        );
        assert_eq!(at, (6, 17));
        let (text, _) = refused(dir, "dirs = [\"data\", \"other/data\"]\n");
        assert!(
            text.contains("stage.dirs[0] is already staged under the name `data`"),
            "{text}"
        );
        preflight(dir, "dirs = [\"data\", \"other\"]\n").unwrap();
    }
}
