//! LoadLab: an interactive system-design simulator on a deterministic discrete-event engine.
//!
//! Layers, dependencies pointing down: `app` (window, feature `gui`) →
//! `cli` (headless commands) → `report` (exports) and `scenario` (TOML
//! files) → `sim` (the engine: no I/O, no wall clock, no Bevy).

#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
#[doc(hidden)]
pub mod fuzzing;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod theory;

/// The LoadLab version stamped into every export.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
