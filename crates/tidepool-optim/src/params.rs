//! Parameters and the parameter space: validation, transforms, and the mapping
//! between the user's space and the unit box `[0,1]^d` (in transformed space).

use serde::{Deserialize, Serialize};

use crate::error::ParamError;

/// How a parameter is searched: on its own scale, or on a logarithmic one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    #[default]
    None,
    Log10,
    Ln,
}

impl Transform {
    fn label(self) -> &'static str {
        match self {
            Transform::None => "none",
            Transform::Log10 => "log10",
            Transform::Ln => "ln",
        }
    }

    /// User value to search-space value.
    pub fn forward(self, x: f64) -> f64 {
        match self {
            Transform::None => x,
            Transform::Log10 => x.log10(),
            Transform::Ln => x.ln(),
        }
    }

    /// Search-space value back to the user's value.
    pub fn inverse(self, y: f64) -> f64 {
        match self {
            Transform::None => y,
            Transform::Log10 => 10f64.powf(y),
            Transform::Ln => y.exp(),
        }
    }
}

/// One calibrated parameter (also `[[parameters]]` in the run config, hence unknown
/// keys are refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    pub lower: f64,
    pub upper: f64,
    #[serde(default)]
    pub initial: Option<f64>,
    #[serde(default)]
    pub transform: Transform,
    #[serde(default)]
    pub integer: bool,
}

impl Param {
    /// A continuous, untransformed parameter without initial value.
    pub fn new(name: impl Into<String>, lower: f64, upper: f64) -> Self {
        Param {
            name: name.into(),
            lower,
            upper,
            initial: None,
            transform: Transform::None,
            integer: false,
        }
    }

    pub fn with_initial(mut self, initial: f64) -> Self {
        self.initial = Some(initial);
        self
    }

    pub fn with_transform(mut self, transform: Transform) -> Self {
        self.transform = transform;
        self
    }

    pub fn integer(mut self) -> Self {
        self.integer = true;
        self
    }

    fn validate(&self) -> Result<(), ParamError> {
        let name = || self.name.clone();
        if !self.lower.is_finite() || !self.upper.is_finite() {
            return Err(ParamError::NotFinite { name: name() });
        }
        if self.lower >= self.upper {
            return Err(ParamError::EmptyRange {
                name: name(),
                lower: self.lower,
                upper: self.upper,
            });
        }
        if self.transform != Transform::None && self.lower <= 0.0 {
            return Err(ParamError::NonPositiveLog {
                name: name(),
                transform: self.transform.label(),
                lower: self.lower,
            });
        }
        if self.integer && self.lower.ceil() >= self.upper.floor() {
            return Err(ParamError::NoInteger {
                name: name(),
                lower: self.lower,
                upper: self.upper,
            });
        }
        if let Some(initial) = self.initial {
            if initial.is_nan() || initial < self.lower || initial > self.upper {
                return Err(ParamError::InitialOutside {
                    name: name(),
                    initial,
                    lower: self.lower,
                    upper: self.upper,
                });
            }
        }
        Ok(())
    }

    /// Lowest and highest values the search may take, in transformed space.
    fn search_bounds(&self) -> (f64, f64) {
        let (lo, hi) = if self.integer {
            (self.lower.ceil(), self.upper.floor())
        } else {
            (self.lower, self.upper)
        };
        (self.transform.forward(lo), self.transform.forward(hi))
    }
}

/// A validated, ordered set of parameters (deserialising validates too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Param>", into = "Vec<Param>")]
pub struct ParamSpace {
    params: Vec<Param>,
}

impl ParamSpace {
    /// Validates every parameter and refuses duplicate names.
    pub fn new(params: Vec<Param>) -> Result<Self, ParamError> {
        if params.is_empty() {
            return Err(ParamError::Empty);
        }
        for (i, p) in params.iter().enumerate() {
            p.validate()?;
            if params[..i].iter().any(|q| q.name == p.name) {
                return Err(ParamError::Duplicate {
                    name: p.name.clone(),
                });
            }
        }
        Ok(ParamSpace { params })
    }

    pub fn params(&self) -> &[Param] {
        &self.params
    }

    pub fn dim(&self) -> usize {
        self.params.len()
    }

    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    /// The initial point, when every parameter has an initial value.
    pub fn initial_point(&self) -> Option<Vec<f64>> {
        self.params.iter().map(|p| p.initial).collect()
    }

    /// Maps coordinate `j` of the unit box to the user's value (rounded for integers).
    pub fn denormalise_one(&self, j: usize, u: f64) -> f64 {
        let p = &self.params[j];
        let (lo, hi) = p.search_bounds();
        let x = p.transform.inverse(lo + u.clamp(0.0, 1.0) * (hi - lo));
        if p.integer {
            x.round().clamp(p.lower.ceil(), p.upper.floor())
        } else {
            x.clamp(p.lower, p.upper)
        }
    }

    /// Maps the user's value of coordinate `j` into the unit box.
    pub fn normalise_one(&self, j: usize, x: f64) -> f64 {
        let p = &self.params[j];
        let (lo, hi) = p.search_bounds();
        ((p.transform.forward(x) - lo) / (hi - lo)).clamp(0.0, 1.0)
    }

    pub fn denormalise(&self, u: &[f64]) -> Vec<f64> {
        u.iter()
            .enumerate()
            .map(|(j, &v)| self.denormalise_one(j, v))
            .collect()
    }

    pub fn normalise(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .enumerate()
            .map(|(j, &v)| self.normalise_one(j, v))
            .collect()
    }

    /// Whether coordinate `j` is an integer parameter.
    pub fn is_integer(&self, j: usize) -> bool {
        self.params[j].integer
    }
}

impl TryFrom<Vec<Param>> for ParamSpace {
    type Error = ParamError;

    fn try_from(params: Vec<Param>) -> Result<Self, ParamError> {
        ParamSpace::new(params)
    }
}

impl From<ParamSpace> for Vec<Param> {
    fn from(space: ParamSpace) -> Self {
        space.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_round_trip() {
        let space = ParamSpace::new(vec![
            Param::new("a", -3.0, 7.0),
            Param::new("k", 1e-4, 10.0).with_transform(Transform::Log10),
            Param::new("c", 0.5, 20.0).with_transform(Transform::Ln),
        ])
        .unwrap();
        for x in [[-3.0, 1e-4, 0.5], [7.0, 10.0, 20.0], [1.25, 0.0321, 3.7]] {
            let back = space.denormalise(&space.normalise(&x));
            for (a, b) in x.iter().zip(&back) {
                assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
            }
        }
        // log10: the geometric middle maps to the centre of the box
        assert!((space.normalise_one(1, 10f64.powf(-1.5)) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn integer_values_are_rounded_inside_bounds() {
        let space = ParamSpace::new(vec![Param::new("n", 0.5, 4.7).integer()]).unwrap();
        assert_eq!(space.denormalise_one(0, 0.0), 1.0);
        assert_eq!(space.denormalise_one(0, 1.0), 4.0);
        assert_eq!(space.denormalise_one(0, 0.49), 2.0);
    }

    fn refused(p: Param) -> ParamError {
        ParamSpace::new(vec![Param::new("ok", 0.0, 1.0), p]).unwrap_err()
    }

    #[test]
    fn bad_definitions_are_refused_naming_the_parameter() {
        let cases = [
            refused(Param::new("flat", 1.0, 1.0)),
            refused(Param::new("nan", f64::NAN, 1.0)),
            refused(Param::new("lg", 0.0, 1.0).with_transform(Transform::Log10)),
            refused(Param::new("ln", -1.0, 1.0).with_transform(Transform::Ln)),
            refused(Param::new("init", 0.0, 1.0).with_initial(2.0)),
            refused(Param::new("initnan", 0.0, 1.0).with_initial(f64::NAN)),
            refused(Param::new("int", 0.5, 1.5).integer()),
        ];
        let names = ["flat", "nan", "lg", "ln", "init", "initnan", "int"];
        for (err, name) in cases.iter().zip(names) {
            assert!(err.to_string().contains(&format!("`{name}`")), "{err}");
        }
        let json = r#"[{"name": "k", "lower": 0.0, "upper": 1.0, "transform": "ln"}]"#;
        let err = serde_json::from_str::<ParamSpace>(json).unwrap_err();
        assert!(err.to_string().contains("`k`"), "{err}");
        let dup = refused(Param::new("ok", 0.0, 2.0));
        assert_eq!(dup, ParamError::Duplicate { name: "ok".into() });
    }
}
