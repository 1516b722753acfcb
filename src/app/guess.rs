//! Predict, then run: a learner's guess of one figure (a latency, a utilisation, a replica count), locked in before the run, held against the run's figure and theory's.

use crate::app::view::View;
use crate::report::predict::Prediction;
use crate::sim::Model;
use crate::sim::model::NodeKind;

/// Utilisation the replica-count question aims under.
pub const REPLICA_TARGET: f64 = 0.8;
/// Most past guesses kept.
pub const KEEP_PAST: usize = 8;

/// What the learner guesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The mean time from entering to the answer, ms.
    MeanLatency,
    /// The 99th percentile of that time, ms.
    P99,
    /// Node `i`'s utilisation, %.
    Utilisation(usize),
    /// Replicas node `i` needs to stay under [`REPLICA_TARGET`].
    Replicas(usize),
}

impl Target {
    /// Every question the design allows: the two latencies, then each
    /// service's and database's utilisation, then each service's replicas.
    pub fn all(model: &Model) -> Vec<Target> {
        let mut out = vec![Target::MeanLatency, Target::P99];
        let busy = |n: &crate::sim::model::Node| {
            matches!(n.kind, NodeKind::Service(_) | NodeKind::Database(_))
        };
        out.extend(
            (model.nodes.iter().enumerate())
                .filter(|(_, n)| busy(n))
                .map(|(i, _)| Target::Utilisation(i)),
        );
        out.extend(
            (model.nodes.iter().enumerate())
                .filter(|(_, n)| matches!(n.kind, NodeKind::Service(_)))
                .map(|(i, _)| Target::Replicas(i)),
        );
        out
    }

    /// The question in words.
    pub fn question(self, model: &Model) -> String {
        let id = |i: usize| model.nodes.get(i).map_or("?", |n| n.id.as_str());
        match self {
            Target::MeanLatency => "mean latency (ms)".into(),
            Target::P99 => "p99 latency (ms)".into(),
            Target::Utilisation(i) => format!("{}'s utilisation (%)", id(i)),
            Target::Replicas(i) => format!(
                "replicas {} needs to stay under {:.0}% busy",
                id(i),
                REPLICA_TARGET * 100.0
            ),
        }
    }
}

/// A guess, locked in.
#[derive(Clone, Debug, PartialEq)]
pub struct Guess {
    pub target: Target,
    pub value: f64,
    /// The question in words, kept (the design may change after).
    pub question: String,
}

/// The run's figure and theory's for a guess.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The run's figure so far (after warm-up), if it has one yet.
    pub simulated: Option<f64>,
    /// Theory's figure, or why it has none.
    pub theory: Result<f64, String>,
}

/// A past guess with the answers it got when the next was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Past {
    pub guess: Guess,
    pub answer: Answer,
}

/// The figures `target` is judged on, from the run in `view`.
pub fn answer(view: &View, target: Target) -> Answer {
    let s = &view.summary;
    let node = |i: usize| s.nodes.get(i);
    let prediction = |i: usize| view.theory.node(i);
    match target {
        Target::MeanLatency => Answer {
            simulated: s.latency.mean_ms,
            theory: view.theory.run.as_ref().map_or_else(
                || Err("no prediction yet".into()),
                |p| {
                    p.end_to_end
                        .as_ref()
                        .map(|e| e.mean_ms)
                        .map_err(Clone::clone)
                },
            ),
        },
        Target::P99 => Answer {
            simulated: s.latency.p99_ms,
            theory: Err(
                "theory here gives means and each station's p99 wait, not the \
                         end-to-end p99 (see the inspector)"
                    .into(),
            ),
        },
        Target::Utilisation(i) => Answer {
            simulated: node(i).and_then(|n| n.utilisation).map(|u| u * 100.0),
            theory: figures(prediction(i)).map(|u| u * 100.0),
        },
        Target::Replicas(i) => Answer {
            simulated: node(i).and_then(|n| {
                let busy = n.utilisation? * f64::from(n.replicas?);
                Some(needed(busy))
            }),
            theory: figures(prediction(i)).map(|u| {
                let replicas = node(i).and_then(|n| n.replicas).unwrap_or(1);
                needed(u * f64::from(replicas))
            }),
        },
    }
}

/// Replicas whose utilisation stays under the target for `busy_replicas`
/// replicas' worth of work (at least one).
fn needed(busy_replicas: f64) -> f64 {
    (busy_replicas / REPLICA_TARGET).ceil().max(1.0)
}

/// A prediction's utilisation, or why there is none.
fn figures(p: Option<&Prediction>) -> Result<f64, String> {
    match p {
        None => Err("no prediction yet".into()),
        Some(p) => p
            .figures()
            .map(|f| f.utilisation)
            .ok_or_else(|| p.why_not().unwrap_or_default()),
    }
}

/// How a guess compares with a figure, in words: `spot on` within 10 %,
/// `close` within 30 %, else how many times too high or too low.
pub fn verdict(guess: f64, actual: f64) -> String {
    if actual <= 0.0 || guess <= 0.0 {
        return if (guess - actual).abs() < 1e-9 {
            "spot on".into()
        } else {
            format!("off by {:.3}", (guess - actual).abs())
        };
    }
    let ratio = guess / actual;
    if (ratio - 1.0).abs() <= 0.10 {
        "spot on".into()
    } else if (ratio - 1.0).abs() <= 0.30 {
        "close".into()
    } else if ratio > 1.0 {
        format!("{ratio:.1}× too high")
    } else {
        format!("{:.1}× too low", 1.0 / ratio)
    }
}

/// The "Predict, then run" window's state (kept across restarts).
#[derive(Clone, Debug, PartialEq)]
pub struct GuessState {
    /// The window is open.
    pub open: bool,
    /// The question being answered (not yet locked).
    pub target: Target,
    /// The number being entered.
    pub value: f64,
    /// The guess the run is being held against.
    pub locked: Option<Guess>,
    /// Earlier guesses with what they got, newest first.
    pub past: Vec<Past>,
}

impl Default for GuessState {
    fn default() -> Self {
        GuessState {
            open: false,
            target: Target::MeanLatency,
            value: 10.0,
            locked: None,
            past: Vec::new(),
        }
    }
}

impl GuessState {
    /// Locks in the value entered for the question chosen; the previous
    /// guess goes to the past with `previous`, its answer now.
    pub fn lock(&mut self, model: &Model, previous: Option<Answer>) {
        if let (Some(g), Some(a)) = (self.locked.take(), previous) {
            self.past.insert(
                0,
                Past {
                    guess: g,
                    answer: a,
                },
            );
            self.past.truncate(KEEP_PAST);
        }
        self.locked = Some(Guess {
            target: self.target,
            value: self.value,
            question: self.target.question(model),
        });
    }
}
