//! Small reads shared by the readers: open, a variable's values as `f64` or `i64`, its
//! dimension names, a string attribute. Each error names the file and the variable.

use super::NcError;
use std::path::Path;

pub(crate) fn open(path: &Path) -> Result<netcdf::File, NcError> {
    netcdf::open(path).map_err(|source| NcError::Open {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn variable<'f>(
    file: &'f netcdf::File,
    path: &Path,
    name: &str,
) -> Result<netcdf::Variable<'f>, NcError> {
    file.variable(name).ok_or_else(|| NcError::MissingVariable {
        path: path.to_path_buf(),
        variable: name.to_string(),
    })
}

pub(crate) fn dims(var: &netcdf::Variable) -> Vec<String> {
    var.dimensions().iter().map(|d| d.name()).collect()
}

pub(crate) fn f64s(var: &netcdf::Variable, path: &Path) -> Result<Vec<f64>, NcError> {
    var.get_values::<f64, _>(..)
        .map_err(|source| NcError::Read {
            path: path.to_path_buf(),
            variable: var.name(),
            source,
        })
}

pub(crate) fn i64s(var: &netcdf::Variable, path: &Path) -> Result<Vec<i64>, NcError> {
    var.get_values::<i64, _>(..)
        .map_err(|source| NcError::Read {
            path: path.to_path_buf(),
            variable: var.name(),
            source,
        })
}

/// A text attribute of a variable (`units`, `calendar`), if present and text.
pub(crate) fn text_attribute(var: &netcdf::Variable, name: &str) -> Option<String> {
    match var.attribute_value(name)?.ok()? {
        netcdf::AttributeValue::Str(s) => Some(s),
        _ => None,
    }
}

/// `var` must have exactly the dimensions `expected`.
pub(crate) fn expect_dims(
    var: &netcdf::Variable,
    path: &Path,
    expected: &[&str],
) -> Result<(), NcError> {
    let found = dims(var);
    if found
        .iter()
        .map(String::as_str)
        .eq(expected.iter().copied())
    {
        return Ok(());
    }
    Err(NcError::Shape {
        path: path.to_path_buf(),
        variable: var.name(),
        expected: format!("({})", expected.join(", ")),
        found,
    })
}
