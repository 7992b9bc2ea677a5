//! The keys that define a search, for refusing a resume whose search changed.
//!
//! Search keys: `[[parameters]]` (every field), `[optimizer]` (every key), `[run] seed`
//! and `budget`, `[trials] csv` and `[objective]` (the recorded objectives would mean
//! something else under another one). Everything else (`[run] name`/`dir`/`address`,
//! `[launch]`, `[slots]`, `[model]`) may change between resumes: the model may be
//! fixed (a path, an environment variable) without invalidating the recorded results.

use super::RunConfig;
use std::collections::BTreeMap;

impl RunConfig {
    /// Every search key with its value, as text (e.g. `optimizer.r` -> `0.2`).
    pub fn search_keys(&self) -> BTreeMap<String, String> {
        let mut keys = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            keys.insert(k.to_string(), v);
        };
        put("run.seed", self.run.seed.to_string());
        put("run.budget", format!("{:?}", self.run.budget));
        let o = &self.optimizer;
        put("optimizer.algorithm", format!("{:?}", o.algorithm));
        put("optimizer.r", format!("{:?}", o.r));
        put("optimizer.bound_rule", format!("{:?}", o.bound_rule));
        put("optimizer.pool_size", format!("{:?}", o.pool_size));
        put("optimizer.batch_size", format!("{:?}", o.batch_size));
        put("optimizer.stagnation_limit", o.stagnation_limit.to_string());
        put("optimizer.sce_ua", format!("{:?}", o.sce_ua));
        put("optimizer.selection", format!("{:?}", o.selection));
        put(
            "trials.csv",
            format!("{:?}", self.trials.as_ref().map(|t| &t.csv)),
        );
        put("objective", format!("{:?}", self.objective));
        put("parameters", self.parameters.len().to_string());
        for (i, p) in self.parameters.iter().enumerate() {
            let k = |field: &str| format!("parameters[{i}].{field}");
            put(&k("name"), p.name.clone());
            put(&k("lower"), format!("{:?}", p.lower));
            put(&k("upper"), format!("{:?}", p.upper));
            put(&k("initial"), format!("{:?}", p.initial));
            put(&k("transform"), format!("{:?}", p.transform));
            put(&k("integer"), p.integer.to_string());
        }
        keys
    }

    /// The search keys whose values differ between `self` and `earlier`, by name.
    pub fn search_differences(&self, earlier: &RunConfig) -> Vec<String> {
        let now = self.search_keys();
        let before = earlier.search_keys();
        let mut names: Vec<String> = now
            .keys()
            .chain(before.keys())
            .filter(|k| now.get(*k) != before.get(*k))
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
