//! The engine: simulated time, the event list, random streams, components and metrics. No I/O, no wall clock, no Bevy.

pub mod command;
pub(crate) mod components;
pub mod count;
pub mod dist;
pub(crate) mod event;
pub mod invariants;
pub(crate) mod latency_histogram;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod rng;
pub mod simulation;
pub mod snapshot;
pub mod spans;
pub(crate) mod station;
pub mod time;
pub mod trace;

pub use command::{Command, CommandError};
pub use metrics::{Summary, Window};
pub use model::Model;
pub use simulation::Simulation;
pub use snapshot::Snapshot;
pub use time::SimTime;
pub use trace::{TraceConfig, TraceEvent, TraceKind};
