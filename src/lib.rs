//! LoadLab: an interactive system-design simulator on a deterministic discrete-event engine.
//!
//! Layers, as the imports run (each uses only those below it): `cli`
//! (commands; `view` opens the window) → `app` (the window, feature `gui`)
//! → `campaign` (levels, the exam, progress) → `report` (exports, topology description) → `scenario` (TOML files)
//! → `sim` (the engine: no I/O, no wall clock, no Bevy). `theory` stands
//! alone; `fuzzing` uses `report`, `scenario` and `sim`. The crate root
//! holds what every layer shares: the version and the exit codes.

#[cfg(feature = "gui")]
pub mod app;
pub mod campaign;
pub mod cli;
#[doc(hidden)]
pub mod fuzzing;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod theory;

/// The LoadLab version stamped into every export.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Exit code for a bad scenario file or bad flags.
pub const EXIT_INVALID: i32 = 2;

/// Longest GIF of the window's picture, wall seconds (`view --gif-secs`,
/// bounding the frames kept in memory).
pub const GIF_MAX_SECS: f64 = 60.0;
/// Exit code for a failure while running or writing results.
pub const EXIT_FAILURE: i32 = 1;
