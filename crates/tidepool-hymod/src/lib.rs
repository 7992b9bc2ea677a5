//! HYMOD, the 5-parameter conceptual rainfall-runoff model (Boyle 2001; as in Quan et
//! al. 2015), computed exactly as SPOTPY 1.6.7's `spotpy/examples/hymod_python/hymod.py`
//! computes it: a soil store with Pareto-distributed capacities (`cmax`, `bexp`), the
//! excess rainfall split by `alpha` into three quick linear reservoirs (`Kq`) in series
//! and one slow reservoir (`Ks`). It is the model of tidepool's examples
//! (`examples/hymod-exe`), a command model that reads a templated parameter file and a
//! forcing CSV and writes a flow CSV.
//!
//! ```
//! use tidepool_hymod::{simulate, Params};
//! let p = Params { cmax: 100.0, bexp: 1.0, alpha: 0.5, ks: 0.1, kq: 0.5 };
//! let q = simulate(&p, &[10.0, 0.0], &[0.0, 2.0]);
//! assert!((q[0] - 0.05625).abs() < 1e-15);
//! ```
//!
//! Units: rainfall, PET and discharge in mm/day (SPOTPY's setup multiplies by
//! 1.783e6 / 86400 to compare with its discharge in l/s; tidepool's examples convert the
//! observations instead, with `[objective.observed] factor`).
//!
//! Layout:
//! - `model`: the equations ([`Params`], [`simulate`]);
//! - `params`: the `name = value` parameter file;
//! - `forcing`: the forcing CSV (date; rainfall; PET; ...);
//! - `output`: the `date,q` flow CSV;
//! - `error`: [`HymodError`], naming file, line and key or column.

mod error;
mod forcing;
mod model;
mod output;
mod params;

pub use error::HymodError;
pub use forcing::{parse_forcing, read_forcing, Forcing};
pub use model::{simulate, Params};
pub use output::{flow_csv, write_flow};
pub use params::{parse_params, read_params};

use std::path::Path;

/// The whole command: reads the parameters and the forcing, simulates, writes the flow.
pub fn run(params: &Path, forcing: &Path, out: &Path) -> Result<(), HymodError> {
    let p = read_params(params)?;
    let f = read_forcing(forcing)?;
    let q = simulate(&p, &f.precip, &f.pet);
    write_flow(out, &f.days, &q)
}
