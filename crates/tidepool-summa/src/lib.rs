//! SUMMA + mizuRoute, natively: the files one evaluation reads and writes.
//!
//! A SUMMA + mizuRoute trial is a parameter file written, two executables run and one
//! routed flow read back. This crate holds the file side of that: the settings files
//! rewritten per slot, the parameter tables and their bounds, `trialParams.nc` written
//! atomically, and the routed flow read by reach id. NetCDF goes through the `netcdf`
//! crate, built with its `static` feature (netCDF-C and HDF5 from source, so the
//! binary needs no system NetCDF library).
