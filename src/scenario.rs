//! The scenario file format: TOML in, a validated `sim::model::Model` or located diagnostics out; and `to_toml` back.

mod build;
pub(crate) mod bytes;
pub mod diagnostic;
mod distribution;
pub mod edit;
mod graph;
pub mod level;
pub mod load;
mod overrides;
mod reader;
mod suggest;
mod text_span;
pub(crate) mod units;
mod write;

pub(crate) use build::nodes::CDN_MISS_PENALTY;
pub use diagnostic::{Diagnostic, render};
pub use level::level_to_toml;
pub use load::{MAX_FILE_BYTES, load_bytes, load_file, load_level_file, load_level_str, load_str};
pub use write::{command_text, set_target, to_toml};

/// Seconds as the shortest duration string that reads back to them
/// exactly (`"4ms"`, `"0.1us"`, or every digit in seconds).
pub fn format_seconds(x: f64) -> String {
    units::format_seconds(x)
}
