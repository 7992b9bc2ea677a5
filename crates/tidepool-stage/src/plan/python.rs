//! The Python parts of a plan: the venv and its base interpreter installation.

use super::{join_archive, Plan, Planned, PlannedKind, Transform};
use crate::error::PackError;
use crate::manifest::Role;
use crate::python::PythonEnv;
use std::path::{Path, PathBuf};

impl Plan {
    pub(super) fn add_python(&mut self, venv: &Path) -> Result<(), PackError> {
        let env = PythonEnv::discover(venv)?;
        self.editable = env.editable_installs()?;
        let venv_part = self.add_part("venv", Role::PythonVenv, "python/venv", Some(&env.venv));
        self.add_tree(venv_part, &env.venv, "python/venv", &|_| false)?;
        let base = env.facts.base_prefix.clone();
        let base_part = self.add_part("python-base", Role::PythonBase, "python/base", Some(&base));
        let interp_rel = env
            .interpreter
            .strip_prefix(&base)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| {
                PathBuf::from("bin").join(
                    env.interpreter
                        .file_name()
                        .expect("interpreter has a file name"),
                )
            });
        let interp = Planned {
            part: base_part,
            source: env.interpreter.clone(),
            record_source: !env.interpreter.starts_with(&base),
            kind: PlannedKind::File(Transform::ElfPrefixes),
        };
        self.insert(join_archive("python/base", &interp_rel), interp)?;
        self.add_libpython(base_part, &env)?;
        let stdlib_rel = env
            .facts
            .stdlib
            .strip_prefix(&base)
            .unwrap_or(Path::new("lib"))
            .to_path_buf();
        let keep_site = env.include_system_site_packages;
        let skip = move |rel: &Path| {
            let first = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned());
            rel.components().count() == 1
                && match first.as_deref() {
                    Some("site-packages") => !keep_site,
                    Some(name) => name == "test" || name.starts_with("config-"),
                    None => false,
                }
        };
        let stdlib_root = join_archive("python/base", &stdlib_rel);
        self.add_tree(base_part, &env.facts.stdlib, &stdlib_root, &skip)?;
        let name = env
            .interpreter
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.executables
            .push(("python".into(), "python/venv/bin/python".into()));
        self.executables
            .push((name, join_archive("python/base", &interp_rel)));
        self.python = Some(env);
        Ok(())
    }

    fn add_libpython(&mut self, part: usize, env: &PythonEnv) -> Result<(), PackError> {
        let base = &env.facts.base_prefix;
        let libdir = env.facts.libdir.clone().unwrap_or_else(|| base.join("lib"));
        let listing = match std::fs::read_dir(&libdir) {
            Ok(listing) => listing,
            // A statically linked interpreter has no libpython and may have no LIBDIR.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(PackError::Read {
                    path: libdir,
                    source,
                })
            }
        };
        let mut libs: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    n.to_string_lossy().starts_with("libpython")
                        && n.to_string_lossy().contains(".so")
                })
            })
            .collect();
        libs.sort();
        let rel_dir = libdir
            .strip_prefix(base)
            .unwrap_or(Path::new("lib"))
            .to_path_buf();
        for lib in libs {
            let meta = std::fs::symlink_metadata(&lib).map_err(PackError::read(&lib))?;
            let kind = if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&lib).map_err(PackError::read(&lib))?;
                PlannedKind::Symlink(target.to_string_lossy().into_owned())
            } else {
                PlannedKind::File(Transform::ElfPrefixes)
            };
            let name = lib.file_name().expect("listed file has a name");
            self.insert(
                join_archive("python/base", &rel_dir.join(name)),
                Planned {
                    part,
                    source: lib.clone(),
                    record_source: false,
                    kind,
                },
            )?;
        }
        Ok(())
    }
}
