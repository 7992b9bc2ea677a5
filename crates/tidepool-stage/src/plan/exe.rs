//! The executable parts of a plan: executables and their shared-library closure.

use super::{Plan, Planned, PlannedKind, Transform};
use crate::closure::Resolver;
use crate::elf;
use crate::error::PackError;
use crate::manifest::Role;
use std::path::PathBuf;

impl Plan {
    pub(super) fn add_exes(
        &mut self,
        exes: &[PathBuf],
        include_core: bool,
    ) -> Result<(), PackError> {
        let resolver = Resolver::from_system(include_core)?;
        let exe_part = self.add_part("executables", Role::Executable, "exe/bin", None);
        let lib_part = self.add_part("libraries", Role::Library, "exe/lib", None);
        for exe in exes {
            let real = exe.canonicalize().map_err(PackError::read(exe))?;
            elf::read_info(&real)?; // refuses what is not an ELF object, naming it
            let name = exe
                .file_name()
                .expect("an executable path has a file name")
                .to_string_lossy()
                .into_owned();
            // Every packed executable gets a RUNPATH to the staged libraries, added when
            // it has none, so it runs staged with or without LD_LIBRARY_PATH.
            let transform = Transform::Runpath("$ORIGIN/../lib".into());
            let archive_path = format!("exe/bin/{name}");
            self.insert(
                archive_path.clone(),
                Planned {
                    part: exe_part,
                    source: real.clone(),
                    record_source: true,
                    kind: PlannedKind::File(transform),
                },
            )?;
            self.executables.push((name, archive_path));
            for lib in resolver.closure(&real)? {
                let source = lib
                    .path
                    .canonicalize()
                    .map_err(PackError::read(&lib.path))?;
                // A library's own RUNPATH serves its dependencies (an executable's
                // RUNPATH is not inherited), so each one gets `$ORIGIN` too.
                let transform = Transform::Runpath("$ORIGIN".into());
                let planned = Planned {
                    part: lib_part,
                    source,
                    record_source: true,
                    kind: PlannedKind::File(transform),
                };
                self.insert(format!("exe/lib/{}", lib.name), planned)?;
            }
        }
        Ok(())
    }
}
