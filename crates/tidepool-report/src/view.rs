//! How the minimised objective is shown: `shown = offset + sign * minimised`, with the
//! metric's name, so a maximised KGE reads as `kge 0.91`, never as a negated number.

/// The objective's display, given by the caller (the run maps its `[objective]` onto it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ObjectiveView {
    pub label: String,
    pub offset: f64,
    pub sign: f64,
}

impl Default for ObjectiveView {
    /// Unknown objective: shown as it is minimised, named "objective".
    fn default() -> Self {
        ObjectiveView {
            label: "objective".to_string(),
            offset: 0.0,
            sign: 1.0,
        }
    }
}

impl ObjectiveView {
    /// The value shown for a minimised objective.
    pub fn shown(&self, minimised: f64) -> f64 {
        self.offset + self.sign * minimised
    }

    /// True when larger shown values are better (the metric is maximised).
    pub fn maximised(&self) -> bool {
        self.sign < 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kge_is_shown_as_one_minus_the_minimised_value() {
        let kge = ObjectiveView {
            label: "kge".into(),
            offset: 1.0,
            sign: -1.0,
        };
        assert_eq!(kge.shown(0.25), 0.75);
        assert!(kge.maximised());
        assert_eq!(ObjectiveView::default().shown(3.5), 3.5);
    }
}
