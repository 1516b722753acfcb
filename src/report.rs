//! What LoadLab gives out: the results folder (`summary.json`, `timeseries.csv`, `nodes.csv`, committed together), the terminal table, objectives, a scenario's topology, `report.html` when asked; every file written atomically.

pub mod account;
pub mod atomic;
pub mod change_text;
pub mod csv;
pub mod html;
pub mod objective_figures;
pub mod objectives;
pub mod predict;
pub mod results;
pub mod spread;
pub mod summary_json;
pub mod table;
pub mod topology;
pub mod traces;

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
