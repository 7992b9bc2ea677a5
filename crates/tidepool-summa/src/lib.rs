//! SUMMA + mizuRoute, natively: the files one evaluation reads and writes.
//!
//! A SUMMA + mizuRoute trial is a parameter file written, two executables run and one
//! routed flow read back. This crate holds the file side of that: the settings files
//! rewritten per slot, the parameter tables and their bounds, `trialParams.nc` written
//! atomically, and the routed flow read by reach id. NetCDF goes through the `netcdf`
//! crate, built with its `static` feature (netCDF-C and HDF5 from source, so the
//! binary needs no system NetCDF library).
//!
//! Layout:
//! - [`settings`]: the fileManager, the mizuRoute control file and `param.nml`, edited
//!   key by key with every other byte kept;
//! - [`paraminfo`], [`multipliers`]: the parameter tables (defaults and bounds) and the
//!   `summa_calib` multiplier table;
//! - [`netcdf_io`]: `attributes.nc`, `trialParams.nc` (read, written atomically), and the
//!   outputs: routed flow by reach id with CF time decoding, lumped flow, `series_at`;
//! - [`params`]: the plan from calibrated names to SUMMA/mizuRoute targets, applied to
//!   the a-priori values;
//! - [`slot`]: a slot's own copy of the settings, rewritten once for that slot.
//!
//! One trial, as the `summa` model runs it: once per slot [`slot::SlotFiles::prepare`];
//! per trial [`params::Plan::apply`] to the a-priori [`netcdf_io::TrialParams`],
//! `write_atomic` to the slot's `trial_params`, `clean_outputs`, SUMMA and mizuRoute
//! run, then [`netcdf_io::routed_flow`] (or [`netcdf_io::lumped_flow`]) read.
//!
//! ```
//! use tidepool_summa::settings::KeyFile;
//!
//! let text = "outFilePrefix        'run1' ! prefix\nsettingsPath '/old/' \n";
//! let mut manager = KeyFile::parse(text);
//! manager.set("outFilePrefix", "proc_07").unwrap();
//! assert_eq!(manager.get("outFilePrefix"), Some("proc_07"));
//! assert_eq!(
//!     manager.render(),
//!     "outFilePrefix        'proc_07' ! prefix\nsettingsPath '/old/' \n"
//! );
//! ```

pub mod multipliers;
pub mod netcdf_io;
pub mod paraminfo;
pub mod params;
pub mod settings;
pub mod slot;
