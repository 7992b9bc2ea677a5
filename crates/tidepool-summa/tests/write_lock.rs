//! Regression: a trialParams.nc written while another slot of the same process starts
//! a program must stay readable. HDF5 (NetCDF-4) files are opened under an `flock`, and
//! a child process forked while the file is open inherits the descriptor and the lock
//! (libnetcdf does not open with O_CLOEXEC): SUMMA then failed to open its own
//! trialParams.nc (NetCDF error -101) for as long as the other slot's child ran. The
//! file is now written in a classic format, which libnetcdf opens without locks.

mod util;

use std::process::{Child, Command};
use tidepool_summa::netcdf_io::{Attributes, IdKind, TrialParams};

/// A child forked while `path` is open for writing, as another slot's SUMMA would be.
fn fork_while_open(path: &std::path::Path) -> Child {
    let file = netcdf::append(path).unwrap();
    let child = Command::new("sleep").arg("30").spawn().unwrap();
    file.close().unwrap();
    child
}

fn written(dir: &std::path::Path, kind: IdKind) -> std::path::PathBuf {
    let path = dir.join("trialParams.nc");
    let mut params =
        TrialParams::read(&util::summa_settings().join("trialParams.priori.nc")).unwrap();
    let mut attrs = Attributes::read(&util::summa_settings().join("attributes.nc")).unwrap();
    attrs.hru_ids.kind = kind;
    attrs.gru_ids.kind = kind;
    params.set_ids(&attrs);
    params.write_atomic(&path).unwrap();
    path
}

#[test]
fn a_written_trial_params_opens_while_a_child_holds_its_descriptor() {
    for kind in [IdKind::Int, IdKind::Int64] {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path(), kind);
        let mut child = fork_while_open(&path);
        let read = TrialParams::read(&path);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(read.is_ok(), "{kind:?}: {:?}", read.err());
    }
}

#[test]
fn the_next_trial_updates_the_classic_file_and_it_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = written(dir.path(), IdKind::Int);
    let mut params = TrialParams::read(&path).unwrap();
    params.params[0].values[0] = 0.125;
    params.write_atomic(&path).unwrap();
    let mut child = fork_while_open(&path);
    let read = TrialParams::read(&path);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(read.unwrap(), params);
}
