//! The scenario's scheduled events as the account tells them: when, in words, the nodes they touch, and when a fault with an end ended.

use super::{Happening, HappeningKind, per_s, seconds_text};
use crate::report::change_text;
use crate::sim::model::{Arrival, Model};
use crate::sim::{Command, SimTime};

/// One scheduled event.
#[derive(Clone, Debug)]
pub struct EventNote {
    pub at: SimTime,
    /// When the fault it starts is undone by a later event (a slow-down
    /// restored, a crash recovered, a partition healed, a spike ended).
    pub ends: Option<SimTime>,
    pub text: String,
    pub nodes: Vec<String>,
    /// The command it applied (none for a workload phase).
    command: Option<Command>,
}

impl EventNote {
    pub fn happening(&self) -> Happening {
        let until = self.ends.map_or(String::new(), |e| {
            format!(" (until {})", seconds_text(e.as_secs_f64()))
        });
        Happening {
            at: self.at,
            kind: HappeningKind::Event,
            nodes: self.nodes.clone(),
            text: format!("{}{until}", self.text),
        }
    }
}

/// The model's events that start something (an undoing event is folded
/// into the one it ends), in time order.
pub fn notes(model: &Model) -> Vec<EventNote> {
    let mut events: Vec<_> = model.events.iter().collect();
    events.sort_by_key(|e| e.at);
    let mut out = Vec::new();
    for (k, e) in events.iter().enumerate() {
        if undoes_something(&e.command) {
            continue;
        }
        let ends = events
            .iter()
            .skip(k + 1)
            .find(|later| undoes(&later.command, &e.command))
            .map(|later| later.at);
        out.push(EventNote {
            ends,
            ..note(model, e.at, &e.command)
        });
    }
    out.extend(phases(model));
    out.sort_by_key(|e| e.at);
    out
}

/// `command` applied at `at`, as a note with no end yet.
fn note(model: &Model, at: SimTime, command: &Command) -> EventNote {
    EventNote {
        at,
        ends: None,
        text: change_text::describe(model, command),
        nodes: touched(command)
            .into_iter()
            .filter_map(|i| model.nodes.get(i).map(|n| n.id.clone()))
            .collect(),
        command: Some(command.clone()),
    }
}

/// A change made while the run goes: ends the fault it undoes, or starts
/// a note of its own.
pub fn live(notes: &mut Vec<EventNote>, model: &Model, at: SimTime, command: &Command) {
    if undoes_something(command) {
        let open = notes
            .iter_mut()
            .rev()
            .find(|n| n.ends.is_none() && n.command.as_ref().is_some_and(|c| undoes(command, c)));
        if let Some(n) = open {
            n.ends = Some(at);
        }
        return;
    }
    notes.push(note(model, at, command));
}

/// Workload rate changes written as phases: `users: rate → 900/s`.
fn phases(model: &Model) -> Vec<EventNote> {
    let mut out = Vec::new();
    for w in &model.workloads {
        let mut rate = match w.arrival {
            Arrival::Poisson { rate } | Arrival::Constant { rate } => rate,
            Arrival::Closed { .. } => continue,
        };
        for p in &w.phases {
            let ramp = if p.ramp > SimTime::ZERO {
                format!(" over {}", seconds_text(p.ramp.as_secs_f64()))
            } else {
                String::new()
            };
            out.push(EventNote {
                at: p.at,
                ends: None,
                text: format!("{}: rate {} → {}{ramp}", w.name, per_s(rate), per_s(p.rate)),
                nodes: Vec::new(),
                command: None,
            });
            rate = p.rate;
        }
    }
    out
}

/// Whether `c` only restores (a slow-down of ×1, a recovery, a heal, a
/// spike factor of 1).
fn undoes_something(c: &Command) -> bool {
    match c {
        Command::SlowDown { factor, .. } | Command::SetRateFactor { factor, .. } => *factor == 1.0,
        Command::Recover { .. } | Command::Heal { .. } => true,
        _ => false,
    }
}

/// Whether `later` undoes `first`.
fn undoes(later: &Command, first: &Command) -> bool {
    match (first, later) {
        (Command::SlowDown { node: a, .. }, Command::SlowDown { node: b, factor }) => {
            a == b && *factor == 1.0
        }
        (
            Command::SetRateFactor { workload: a, .. },
            Command::SetRateFactor {
                workload: b,
                factor,
            },
        ) => a == b && *factor == 1.0,
        (
            Command::Crash {
                node: a,
                replica: r,
            },
            Command::Recover {
                node: b,
                replica: s,
            },
        ) => a == b && r == s,
        (Command::Partition { from, to, .. }, Command::Heal { from: f, to: t }) => {
            (from, to) == (f, t) || (from, to) == (t, f)
        }
        _ => false,
    }
}

/// The nodes an event names.
fn touched(c: &Command) -> Vec<usize> {
    match c {
        Command::SetReplicas { node, .. }
        | Command::SetWorkers { node, .. }
        | Command::SetQueueCapacity { node, .. }
        | Command::SetServiceTime { node, .. }
        | Command::SetTimeout { node, .. }
        | Command::SetLbAlgorithm { node, .. }
        | Command::SetCacheCapacity { node, .. }
        | Command::SetCachePolicy { node, .. }
        | Command::SetCacheTtl { node, .. }
        | Command::FlushCache { node }
        | Command::SetLimiterRate { node, .. }
        | Command::SetLimiterLimit { node, .. }
        | Command::SetReadReplicas { node, .. }
        | Command::Crash { node, .. }
        | Command::Recover { node, .. }
        | Command::SlowDown { node, .. } => vec![*node],
        Command::Partition { from, to, .. } | Command::Heal { from, to } => vec![*from, *to],
        _ => Vec::new(),
    }
}
