//! Pack environments, executables and data into one archive; stage it to
//! node-local storage once per node.
//!
//! A Python venv is not self-contained (its interpreter and standard library live in
//! the base installation), executables load shared libraries from wherever they were
//! built, and many workers importing from a shared filesystem flood its metadata
//! server. [`pack()`] builds one reproducible `.tpk` archive (tar + zstd) holding a
//! venv *and* its base interpreter, executables *and* their library closure, and
//! data trees, described by a [`Manifest`] whose digest is the archive id.
//! [`stage_file`] / [`stage_reader`] extract it once per node into `DIR/<id>` under a
//! per-id file lock, verify every digest, relocate old absolute prefixes, rename the
//! tree into place and write a completion marker last; later callers reuse it after
//! reading only the archive header.
//!
//! # API for other crates
//! - read an archive's id and manifest: [`open_archive`] (a file), or
//!   [`extract::open_stream`] + [`extract::read_json_entry`] (any reader);
//! - extract from any [`std::io::Read`] (a socket while bytes arrive) with the same
//!   lock / verify / atomic-rename guarantees: [`stage_reader`];
//! - the environment of a staged directory: [`Staged::env`], [`lookup`], and
//!   [`StagedEnv::vars`] / [`StagedEnv::to_sh`];
//! - remove a staged directory: [`remove`].
//!
//! ```no_run
//! use std::path::Path;
//! let spec = tidepool_stage::PackSpec { python: Some("venv".into()), ..Default::default() };
//! let report = tidepool_stage::pack(&spec, Path::new("env.tpk"), &mut |_| {})?;
//! let staged = tidepool_stage::stage_file(Path::new("env.tpk"), Path::new("/tmp/tp"), &mut |_| {})?;
//! assert_eq!(staged.header.id, report.id);
//! let vars = staged.env.vars(std::env::var("PATH").ok().as_deref(), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//! - [`manifest`]: header, manifest, parts, entries, the archive id
//! - [`plan`]: which files of which inputs go where ([`PackSpec`])
//! - [`python`]: venv and base interpreter discovery, editable installs
//! - [`elf`], [`closure`], [`ldcache`]: ELF parsing, ld.so-style library resolution,
//!   RUNPATH patching
//! - [`trim`]: keep only what a profile shows was used
//! - [`pack`](mod@pack): hashing and writing the archive; [`inputs`]: a cheap id of
//!   a pack's inputs (metadata only), to tell whether an archive packed earlier is current
//! - [`extract`]: reading and verifying archive streams; [`writer`]: the thread
//!   that writes the verified entries; [`filemode`]: the umask and the final mode
//!   and mtime of extracted files, which both use (neither depends on the other)
//! - [`relocate`]: pure prefix-rewriting functions; [`apply`]: applying them
//! - [`stage`](mod@stage): the lock / extract / rename / marker protocol, free space
//! - [`env`](mod@env): the environment of a staged directory
//! - [`error`]: [`PackError`], [`StageError`]

pub mod apply;
pub mod closure;
pub mod elf;
pub mod env;
pub mod error;
pub mod extract;
pub mod filemode;
pub mod inputs;
pub mod ldcache;
pub mod manifest;
pub mod pack;
pub mod plan;
pub mod python;
pub mod relocate;
pub mod stage;
pub mod trim;
pub mod verify;
pub mod writer;

pub use env::StagedEnv;
pub use error::{PackError, StageError};
pub use extract::StageProgress;
pub use inputs::{input_id, input_id_of};
pub use manifest::{Header, Manifest};
pub use pack::{pack, pack_plan, PackPhase, PackProgress, PackReport};
pub use plan::PackSpec;
pub use stage::{lookup, open_archive, remove, stage_file, stage_reader, Staged};
