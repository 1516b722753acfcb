//! The scenario file format: TOML in, a validated `sim::model::Model` or located diagnostics out.

mod build;
pub mod diagnostic;
mod distribution;
mod graph;
pub mod load;
mod overrides;
mod reader;
mod source;
mod suggest;
mod units;

pub use diagnostic::{Diagnostic, render};
pub use load::{load_file, load_str};
