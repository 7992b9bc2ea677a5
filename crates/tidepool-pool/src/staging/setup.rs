//! How a slot uses what its node staged: the staged environment layered over the
//! inherited one, and every path the model names that was packed rewritten into the
//! staged copy through the archives' prefix mapping ([`StagedPaths`]): the Python
//! interpreter and its `path` entries, and each command stage's program (a packed
//! executable, or a script under a packed tree), and a summa model's SUMMA and mizuRoute
//! executables. The mapping itself goes to the slot
//! ([`tidepool_models::SlotContext::staged`]) for paths the model reads later.

use crate::protocol::ArchiveMeta;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_models::{StagedPaths, WorkerSpec};
use tidepool_stage::StagedEnv;

/// The environment, model spec and path mapping slots use once archives are staged.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotSetup {
    pub env: Vec<(String, String)>,
    pub spec: WorkerSpec,
    pub paths: StagedPaths,
}

impl SlotSetup {
    /// Nothing staged: the spec as given, the inherited environment.
    pub fn unstaged(spec: WorkerSpec) -> Self {
        SlotSetup {
            env: Vec::new(),
            spec,
            paths: StagedPaths::default(),
        }
    }

    /// Layer each staged archive's variables over the inherited ones and point the
    /// model's packed paths at the staged copies. `canonical` resolves a program path
    /// the way packing recorded executables (symlinks resolved), `None` if it cannot.
    pub fn new(
        spec: &WorkerSpec,
        staged: &[(ArchiveMeta, StagedEnv)],
        inherited: impl Fn(&str) -> Option<String>,
        canonical: impl Fn(&Path) -> Option<PathBuf>,
    ) -> Self {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        for (_, env) in staged {
            let path = vars.get("PATH").cloned().or_else(|| inherited("PATH"));
            let ld = vars
                .get("LD_LIBRARY_PATH")
                .cloned()
                .or_else(|| inherited("LD_LIBRARY_PATH"));
            vars.extend(env.vars(path.as_deref(), ld.as_deref()));
        }
        let paths = staged_paths(staged);
        let spec = remap_spec(spec, &paths, &canonical);
        SlotSetup {
            env: vars.into_iter().collect(),
            spec,
            paths,
        }
    }
}

/// Every tree and executable of the staged archives, original -> staged.
fn staged_paths(staged: &[(ArchiveMeta, StagedEnv)]) -> StagedPaths {
    let mut paths = StagedPaths::default();
    for (meta, env) in staged {
        for (prefix, part_root) in &meta.prefixes {
            paths.add_tree(prefix, env.root.join(part_root));
        }
        for (original, archive_path) in &meta.executables {
            paths.add_file(original, env.root.join(archive_path));
        }
    }
    paths
}

/// `spec` with its packed paths rewritten into the staged copies.
fn remap_spec(
    spec: &WorkerSpec,
    paths: &StagedPaths,
    canonical: &dyn Fn(&Path) -> Option<PathBuf>,
) -> WorkerSpec {
    let mut spec = spec.clone();
    match &mut spec {
        WorkerSpec::Python(py) => {
            if let Some(staged) = paths.map(&py.python) {
                py.python = staged;
            }
            for entry in &mut py.path {
                if let Some(staged) = paths.map(entry) {
                    *entry = staged;
                }
            }
        }
        WorkerSpec::Command(command) => {
            let programs = command
                .stages
                .iter_mut()
                .filter_map(|s| s.first_mut())
                .chain(command.steps.iter_mut().filter_map(|s| s.run.first_mut()));
            for program in programs {
                if let Some(staged) = staged_program(program, paths, canonical) {
                    *program = staged.display().to_string();
                }
            }
            // A template directory under a packed `dirs` tree is read from the staged
            // copy, and so are templates given by absolute path.
            let files = command
                .template_dir
                .iter_mut()
                .chain(command.templates.iter_mut().map(|t| &mut t.file));
            for file in files {
                if let Some(staged) = paths.map(file) {
                    *file = staged;
                }
            }
        }
        WorkerSpec::Summa(summa) => {
            // The executables from `[stage] exe`, and settings or forcing under a
            // packed `dirs` tree; the slot links large inputs through `paths` itself.
            for exe in std::iter::once(&mut summa.summa_exe).chain(summa.mizuroute_exe.as_mut()) {
                let text = exe.display().to_string();
                if let Some(staged) = staged_program(&text, paths, canonical) {
                    *exe = staged;
                }
            }
        }
        WorkerSpec::Noop => {}
    }
    spec
}

/// The staged copy of an absolute program path: as written, else as resolved.
fn staged_program(
    program: &str,
    paths: &StagedPaths,
    canonical: &dyn Fn(&Path) -> Option<PathBuf>,
) -> Option<PathBuf> {
    let path = Path::new(program);
    if !path.is_absolute() {
        return None;
    }
    paths
        .map(path)
        .or_else(|| canonical(path).and_then(|real| paths.map(&real)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidepool_models::{CommandSpec, PythonSpec};

    fn meta() -> ArchiveMeta {
        ArchiveMeta {
            id: "abc".into(),
            bytes: 1,
            prefixes: vec![
                ("/shared/env".into(), "python/venv".into()),
                ("/proj/data".into(), "data/data".into()),
            ],
            executables: vec![("/real/bin/hymod".into(), "exe/bin/hymod".into())],
        }
    }

    fn staged_env(root: &str) -> StagedEnv {
        StagedEnv {
            id: "abc".into(),
            root: root.into(),
            path_prepend: vec![],
            ld_library_path_prepend: vec![],
            virtual_env: None,
            executables: Default::default(),
            data: Default::default(),
        }
    }

    fn command(programs: &[&str]) -> WorkerSpec {
        WorkerSpec::Command(CommandSpec {
            stages: programs
                .iter()
                .map(|p| vec![p.to_string(), "{x}".into()])
                .collect(),
            ..CommandSpec::default()
        })
    }

    /// `/proj/bin/hymod` is a symlink to `/real/bin/hymod`, which was packed.
    fn canonical(path: &Path) -> Option<PathBuf> {
        (path == Path::new("/proj/bin/hymod")).then(|| "/real/bin/hymod".into())
    }

    #[test]
    fn packed_programs_run_from_the_staged_copy() {
        let staged = [(meta(), staged_env("/stage/abc"))];
        let spec = command(&[
            "/real/bin/hymod",
            "/proj/bin/hymod",
            "/proj/data/run.sh",
            "/usr/bin/env",
            "hymod",
        ]);
        let setup = SlotSetup::new(&spec, &staged, |_| None, canonical);
        let WorkerSpec::Command(got) = setup.spec else {
            panic!("a command spec stays one")
        };
        let programs: Vec<&str> = got.stages.iter().map(|s| s[0].as_str()).collect();
        assert_eq!(
            programs,
            [
                "/stage/abc/exe/bin/hymod",
                "/stage/abc/exe/bin/hymod",
                "/stage/abc/data/data/run.sh",
                "/usr/bin/env",
                "hymod",
            ]
        );
        assert!(got.stages.iter().all(|s| s[1] == "{x}"), "arguments stay");
        assert_eq!(
            setup.paths.map(Path::new("/proj/data/tpl")),
            Some("/stage/abc/data/data/tpl".into()),
            "the slot gets the mapping"
        );
    }

    #[test]
    fn summa_and_mizuroute_run_from_the_staged_copy_and_settings_stay() {
        let spec = WorkerSpec::Summa(tidepool_models::SummaSpec {
            summa_exe: "/proj/bin/hymod".into(),
            mizuroute_exe: Some("/proj/data/route.exe".into()),
            file_manager: "/proj/data/fileManager.txt".into(),
            ..Default::default()
        });
        let staged = [(meta(), staged_env("/stage/abc"))];
        let setup = SlotSetup::new(&spec, &staged, |_| None, canonical);
        let WorkerSpec::Summa(got) = setup.spec else {
            panic!("a summa spec stays one")
        };
        assert_eq!(got.summa_exe, Path::new("/stage/abc/exe/bin/hymod"));
        assert_eq!(
            got.mizuroute_exe.as_deref(),
            Some(Path::new("/stage/abc/data/data/route.exe"))
        );
        assert_eq!(
            got.file_manager,
            Path::new("/proj/data/fileManager.txt"),
            "the slot maps its settings itself, through the mapping"
        );
    }

    #[test]
    fn the_python_interpreter_and_path_move_into_the_staged_venv() {
        let spec = WorkerSpec::Python(PythonSpec {
            function: "m:f".into(),
            python: "/shared/env/bin/python".into(),
            path: vec!["/proj/data/src".into(), "/home/u/model".into()],
        });
        let staged = [(meta(), staged_env("/stage/abc"))];
        let setup = SlotSetup::new(&spec, &staged, |_| None, |_| None);
        let WorkerSpec::Python(got) = setup.spec else {
            panic!("a python spec stays one")
        };
        assert_eq!(got.python, Path::new("/stage/abc/python/venv/bin/python"));
        assert_eq!(
            got.path,
            [
                PathBuf::from("/stage/abc/data/data/src"),
                PathBuf::from("/home/u/model")
            ]
        );
    }
}
