//! A SYMFLUENCE config read into one list of flat keys, whether written flat or nested,
//! with typed getters that remember which keys were used.
//!
//! SYMFLUENCE treats a YAML file as nested when a top-level key is one of its section
//! names (`system`, `domain`, `model`, ...); otherwise every top-level key is a flat
//! key. Nested keys are turned into their flat names through [`super::keys`]; those not
//! in that table keep their dotted path. Every getter marks its key used, so what is
//! left afterwards is exactly the keys the importer could not map.

use super::error::ImportError;
use super::keys;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

const SECTIONS: &[&str] = &[
    "system",
    "domain",
    "data",
    "forcing",
    "model",
    "optimization",
    "evaluation",
    "paths",
];

/// One key of the config: its flat name (or dotted path) and its value.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The flat key (`NUM_PROCESSES`), or the dotted path of a nested key the importer
    /// does not know (`model.fuse.timeout`).
    pub key: String,
    /// How the key was written: the flat key, or its nested path.
    pub written: String,
    pub value: Yaml,
}

/// The config, flat, with the set of keys read so far.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub nested: bool,
    pub entries: Vec<Entry>,
    used: RefCell<BTreeSet<String>>,
}

impl Source {
    /// Parse YAML text from `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Source, ImportError> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| ImportError::Yaml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let root = match docs.into_iter().next() {
            Some(Yaml::Hash(h)) => h,
            Some(Yaml::Null) | None => Default::default(),
            Some(_) => {
                return Err(ImportError::NotAMapping {
                    path: path.to_owned(),
                })
            }
        };
        let nested = root
            .keys()
            .filter_map(Yaml::as_str)
            .any(|k| SECTIONS.contains(&k.to_ascii_lowercase().as_str()));
        let mut entries = Vec::new();
        for (k, v) in root {
            let Some(k) = key_text(&k) else { continue };
            let section = SECTIONS.contains(&k.to_ascii_lowercase().as_str());
            if nested && section {
                walk(&k.to_ascii_lowercase(), v, &mut entries);
            } else {
                entries.push(flat_entry(k, v));
            }
        }
        Ok(Source {
            path: path.to_owned(),
            nested,
            entries,
            used: RefCell::default(),
        })
    }

    /// How a flat key is written in this config (its nested path in a nested one).
    pub fn shown(&self, key: &str) -> String {
        match (self.nested, keys::nested_of_flat(key)) {
            (true, Some(n)) => n.to_owned(),
            _ => key.to_owned(),
        }
    }

    /// The value of a flat key (or of an old name of it), marking it used; `null`,
    /// `~` and a missing key are `None`.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        let names = std::iter::once(key).chain(
            keys::ALIASES
                .iter()
                .filter(|(_, new)| *new == key)
                .map(|(old, _)| *old),
        );
        let mut found = None;
        for name in names {
            if let Some(e) = self.entries.iter().find(|e| e.key == name) {
                self.used.borrow_mut().insert(e.key.clone());
                if found.is_none() && !matches!(e.value, Yaml::Null) {
                    found = Some(&e.value);
                }
            }
        }
        found
    }

    /// A string (numbers written unquoted are read as their text); `None` if absent.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Yaml::String(s) | Yaml::Real(s) => Some(s.trim().to_owned()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A string that is set: absent, empty and SYMFLUENCE's `default` are `None`.
    pub fn path_setting(&self, key: &str) -> Option<String> {
        self.str(key)
            .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("default"))
    }

    /// A boolean (`true`/`false`, also YAML 1.1's `yes`/`no`/`on`/`off` as PyYAML reads).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let text = match v {
            Yaml::Boolean(b) => return Ok(Some(*b)),
            Yaml::String(s) => s.to_ascii_lowercase(),
            _ => String::new(),
        };
        match text.as_str() {
            "true" | "yes" | "on" | "y" => Ok(Some(true)),
            "false" | "no" | "off" | "n" => Ok(Some(false)),
            _ => Err(self.bad(key, "true or false")),
        }
    }

    /// A non-negative integer (also written as a string or as `4.0`).
    pub fn uint(&self, key: &str) -> Result<Option<u64>, ImportError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let n = match v {
            Yaml::Integer(i) => u64::try_from(*i).ok(),
            Yaml::Real(s) | Yaml::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 9.0e15)
                .map(|x| x as u64),
            _ => None,
        };
        n.map(Some)
            .ok_or_else(|| self.bad(key, "a whole number, 0 or more"))
    }

    /// A number.
    pub fn float(&self, key: &str) -> Result<Option<f64>, ImportError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        number(v).map(Some).ok_or_else(|| self.bad(key, "a number"))
    }

    /// A list of names: a YAML list, or one comma-separated string; empty if absent.
    pub fn names(&self, key: &str) -> Vec<String> {
        let items: Vec<String> = match self.get(key) {
            Some(Yaml::Array(a)) => a.iter().filter_map(scalar_text).collect(),
            Some(v) => scalar_text(v)
                .map(|s| s.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The error for a key whose value is not what it should be.
    pub fn bad(&self, key: &str, expected: &str) -> ImportError {
        ImportError::BadValue {
            path: self.path.clone(),
            key: self.shown(key),
            value: self.get(key).map(show).unwrap_or_default(),
            expected: expected.to_owned(),
        }
    }

    /// The keys no getter asked for, in file order.
    pub fn unused(&self) -> Vec<&Entry> {
        let used = self.used.borrow();
        self.entries
            .iter()
            .filter(|e| !used.contains(&e.key))
            .collect()
    }
}

/// A YAML number as f64 (also a numeric string).
pub fn number(v: &Yaml) -> Option<f64> {
    match v {
        Yaml::Integer(i) => Some(*i as f64),
        Yaml::Real(s) | Yaml::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as one short line, the way it is written in YAML.
pub fn show(v: &Yaml) -> String {
    match v {
        Yaml::Null => "null".to_owned(),
        Yaml::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        Yaml::Hash(h) => {
            let items: Vec<String> = h
                .iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => scalar_text(other).unwrap_or_default(),
    }
}

fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn key_text(k: &Yaml) -> Option<String> {
    scalar_text(k)
}

fn flat_entry(key: String, value: Yaml) -> Entry {
    Entry {
        written: key.clone(),
        key,
        value,
    }
}

/// Walk a nested section: a known nested path becomes its flat key (even when its value
/// is a mapping, like `optimization.parameter_bounds`); an unknown mapping is entered;
/// an unknown leaf keeps its dotted path. Upper-case keys inside a section are flat keys.
fn walk(prefix: &str, value: Yaml, out: &mut Vec<Entry>) {
    let Yaml::Hash(h) = value else {
        out.push(Entry {
            key: prefix.to_owned(),
            written: prefix.to_owned(),
            value,
        });
        return;
    };
    for (k, v) in h {
        let Some(k) = key_text(&k) else { continue };
        let path = format!("{prefix}.{k}");
        if let Some(flat) = keys::flat_of_nested(&path) {
            out.push(Entry {
                key: flat.to_owned(),
                written: path,
                value: v,
            });
        } else if k.chars().any(|c| c.is_ascii_lowercase()) {
            walk(&path, v, out);
        } else {
            out.push(flat_entry(k, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Source {
        Source::parse(Path::new("c.yaml"), text).unwrap()
    }

    #[test]
    fn nested_keys_become_flat_and_unknown_ones_keep_their_path() {
        let s = parse(
            "system:\n  num_processes: 8\n  log_level: INFO\nmodel:\n  summa:\n    exe: s.exe\n  fuse:\n    timeout: 5\noptimization:\n  parameter_bounds:\n    k_soil: [1, 2]\n",
        );
        assert!(s.nested);
        assert_eq!(s.uint("NUM_PROCESSES").unwrap(), Some(8));
        assert_eq!(s.str("SUMMA_EXE").as_deref(), Some("s.exe"));
        assert!(matches!(s.get("PARAMETER_BOUNDS"), Some(Yaml::Hash(_))));
        let left: Vec<&str> = s.unused().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(left, ["system.log_level", "model.fuse.timeout"]);
        assert_eq!(s.shown("NUM_PROCESSES"), "system.num_processes");
    }

    #[test]
    fn flat_keys_old_names_lists_and_yaml11_booleans() {
        let s = parse(
            "MPI_PROCESSES: 4\nPARAMS_TO_CALIBRATE: k_soil, theta_sat ,\nBASIN_PARAMS_TO_CALIBRATE: [routingGammaScale]\nUSE_LOCAL_SCRATCH: yes\nSUMMA_INSTALL_PATH: default\nSIM_REACH_ID: null\n",
        );
        assert!(!s.nested);
        assert_eq!(s.uint("NUM_PROCESSES").unwrap(), Some(4));
        assert_eq!(s.names("PARAMS_TO_CALIBRATE"), ["k_soil", "theta_sat"]);
        assert_eq!(s.names("BASIN_PARAMS_TO_CALIBRATE"), ["routingGammaScale"]);
        assert_eq!(s.bool("USE_LOCAL_SCRATCH").unwrap(), Some(true));
        assert_eq!(s.path_setting("SUMMA_INSTALL_PATH"), None);
        assert!(s.get("SIM_REACH_ID").is_none());
        assert!(s.unused().is_empty());
    }

    #[test]
    fn a_bad_value_names_the_key_as_written() {
        let s = parse("system:\n  num_processes: four\n");
        let err = s.uint("NUM_PROCESSES").unwrap_err().to_string();
        assert!(err.contains("system.num_processes"), "{err}");
        assert!(err.contains("four"), "{err}");
    }
}
