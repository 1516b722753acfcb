//! Exports of a run: `summary.json`, `timeseries.csv`, `nodes.csv`, the terminal table, objectives; all written atomically.

pub mod atomic;
pub mod change_text;
pub mod csv;
pub mod objectives;
pub mod summary_json;
pub mod table;

/// Who produced a result: stamped into every export so it can be reproduced.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The scenario's `name`.
    pub scenario: String,
    /// The file it came from, as given.
    pub scenario_file: String,
    pub seed: u64,
    /// Simulated time of the whole run, warm-up included.
    pub duration: crate::sim::SimTime,
    /// Changes applied on top of the file (`--duration`, `--set`, in
    /// order), so the results folder alone says how to reproduce it.
    pub overrides: Vec<String>,
}
