//! What the panels read (`View`, a picture of the running simulation), what they keep (`UiState`) and what they ask for (`UiAction`).

use std::collections::VecDeque;
use std::path::PathBuf;

use bevy::prelude::Resource;

use crate::app::guess::GuessState;
use crate::app::theory::TheoryView;
use crate::app::waiting::{Waiting, late_ones_break};
use crate::report::account::{
    Account, Happening, many_retries, tail_within_chance, unusual_errors,
};
use crate::report::objectives::{self, ObjectiveResult};
use crate::sim::metrics::{LatencyStats, ratio};
use crate::sim::model::{Bound, Model, NodeKind, ObjectiveMetric, Scope};
use crate::sim::spans::RequestSpans;
use crate::sim::{Command, SimTime, Simulation, Snapshot, Summary, Window};

/// Windows kept for charts and export (10 minutes of 1 s windows).
pub const HISTORY_WINDOWS: usize = 600;

/// What is selected in the world view and shown in the inspector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    /// A node (index into `Model::nodes`).
    Node(usize),
    /// A traffic source (index into `Model::workloads`).
    Workload(usize),
}

/// Something a panel asks the window to do.
#[derive(Clone, Debug, PartialEq)]
pub enum UiAction {
    /// A live change to the engine, with a short label for the chart mark.
    Apply(Command, String),
    /// Pause (true) or play (false).
    SetPaused(bool),
    /// Advance a tenth of a simulated second, then stay paused.
    Step,
    /// Simulated seconds per wall second.
    SetSpeed(f64),
    /// Restart from time zero with the same file and the live changes so far.
    Restart,
    /// Restart from the file as written (live changes dropped).
    Reload,
    /// Use this seed from the next restart on.
    SetSeed(u64),
    /// Open another scenario file.
    Open(PathBuf),
    Select(Option<Selected>),
    /// Write summary.json, timeseries.csv, nodes.csv and a screenshot.
    Export,
    /// Record a few seconds of the picture as a GIF in a new folder.
    RecordGif,
    /// Write the tuned scenario (the file plus your live changes) as TOML.
    SaveScenario,
    /// Write the design as tuned (today's settings, no history) as TOML.
    SaveDesign,
    /// Change the design where the engine cannot live (a call's retries or
    /// breaker, single flight, key popularity, cold start): the run
    /// restarts from time zero on the same seed, live changes kept.
    Redesign(crate::app::design_edit::DesignEdit, String),
    /// Fit the camera to the whole system.
    FitView,
    /// Keep the design as tuned now as a baseline (true), or drop it.
    KeepBaseline(bool),
    /// Something for the campaign (map, a level, hint, submit, next).
    Campaign(crate::app::campaign_play::CampaignCommand),
    /// Something for the editor (build mode, an edit, undo, save, ...).
    Editor(crate::app::editor::EditorCommand),
}

/// Panel state that lives across frames (not part of the simulation).
#[derive(Resource, Clone, Debug)]
pub struct UiState {
    pub selected: Option<Selected>,
    /// The seed box's text.
    pub seed_text: String,
    /// The run seed the box was last filled from (a new run refills it).
    pub seed_shown: Option<u64>,
    /// Charts show the last this many simulated seconds.
    pub chart_span_secs: f64,
    /// Node id to select once the world exists (`--select`).
    pub select_on_start: Option<String>,
    /// Show the "how to read this" help.
    pub show_help: bool,
    /// Chaos: the other end of a partition (node index).
    pub partition_peer: Option<usize>,
    /// Chaos: partitioned calls hang (until a timeout) instead of failing.
    pub partition_hang: bool,
    /// Chaos: the traffic spike's factor.
    pub spike_factor: f64,
    /// The waterfall window is open on the n-th slowest request.
    pub waterfall: Option<usize>,
    /// ... or on the request whose red or amber dot was clicked.
    pub clicked_request: Option<Box<RequestSpans>>,
    /// Predict, then run.
    pub guess: GuessState,
}

impl Default for UiState {
    fn default() -> Self {
        UiState {
            selected: None,
            seed_text: String::new(),
            seed_shown: None,
            chart_span_secs: 60.0,
            select_on_start: None,
            show_help: false,
            partition_peer: None,
            partition_hang: false,
            spike_factor: 3.0,
            waterfall: None,
            clicked_request: None,
            guess: GuessState::default(),
        }
    }
}

/// The clock and how well the engine keeps pace (filled by the bridge).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClockView {
    pub paused: bool,
    /// The run has reached the scenario's duration (and paused there once).
    pub ended: bool,
    /// The chosen speed (simulated seconds per wall second).
    pub speed_target: f64,
    /// The speed achieved over the last frames.
    pub speed_actual: f64,
    /// The engine could not reach the target in the last frames.
    pub behind: bool,
    /// Simulated events handled per wall second.
    pub events_per_sec: f64,
    /// Wall milliseconds per frame (smoothed).
    pub frame_ms: f64,
}

/// A live change, for the vertical marks on the charts.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeMark {
    pub at: SimTime,
    pub label: String,
}

/// An objective with its value over the last window and over the run.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveView {
    /// `p99 below 100 ms`.
    pub text: String,
    /// Over the last closed window (what is happening now).
    pub now: Option<ObjectiveResult>,
    /// Over the measured run so far (what the exported summary says).
    pub run: ObjectiveResult,
    /// Requests that completed and that failed in the last closed window:
    /// latency figures cover completed requests only.
    pub completed_now: u64,
    pub failed_now: u64,
    /// A percentile over its bound in the last second by no more slow
    /// requests than its share gives by chance (of 50 requests, a p99 is
    /// the slowest one): not a break, as the account judges it too.
    pub within_chance: bool,
    /// Requests still waiting longer than the bound (a system-wide latency
    /// objective): answered-only figures cannot see them.
    pub late_waiting: u64,
}

impl ObjectiveView {
    /// Pass/fail as shown: the last window when there is one, else the run.
    /// A latency objective fails in a second where most requests failed:
    /// the few that completed do not make a pass.
    pub fn passing(&self) -> Option<bool> {
        if self.mostly_failed() || self.late_ones_break() {
            return Some(false);
        }
        if self.within_chance {
            return Some(true);
        }
        match &self.now {
            Some(r) if r.value.is_some() => Some(r.pass),
            // Before the first second closes a rate is 0 of nothing yet:
            // not judged (it showed a red 0 req/s at the briefing).
            None if self.run.metric == ObjectiveMetric::Throughput => None,
            _ => self.run.value.map(|_| self.run.pass),
        }
    }
}

impl ObjectiveView {
    /// A percentile broken by the requests still waiting past its bound
    /// alone, however fast the last second's answers were (a line left to
    /// grow: what Submit's exam counts).
    pub fn late_ones_break(&self) -> bool {
        self.run.of.is_none()
            && late_ones_break(
                self.run.metric.tail_share(),
                self.late_waiting,
                self.completed_now,
            )
    }

    /// A latency objective in a second where more requests failed than
    /// completed (failed requests have no latency to count).
    pub fn mostly_failed(&self) -> bool {
        self.run.metric.is_percentile()
            && self.run.of.is_none()
            && self.failed_now > self.completed_now
    }

    /// What the figure covers, in words: "of 4 812 completed requests in
    /// the last second; 37 failed ones are not in it".
    pub fn coverage(&self) -> Option<String> {
        if !self.run.metric.is_percentile() || self.now.is_none() {
            return None;
        }
        let mut text = format!("of {} completed in the last second", self.completed_now);
        if self.failed_now > 0 {
            text.push_str(&format!("; {} failed ones are not in it", self.failed_now));
        }
        if self.late_ones_break() {
            text = format!(
                "{} requests still waiting past the bound break it, however fast the \
                 answered ones were (Submit counts them at their age so far)",
                self.late_waiting
            );
            return Some(text);
        }
        if self.within_chance {
            text.push_str(
                "; over the bound by chance (as few slow ones as a design meeting it has)",
            );
        }
        Some(text)
    }
}

/// A picture of the running simulation for the panels, refreshed by the
/// bridge each frame. Plain data plus a bounded copy of the windows.
#[derive(Resource, Clone, Debug)]
pub struct View {
    /// The model with live changes applied.
    pub model: Model,
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    /// Every `*.toml` under `scenarios/`, for the picker.
    pub scenarios: Vec<PathBuf>,
    pub seed: u64,
    pub now: SimTime,
    pub clock: ClockView,
    pub snapshot: Snapshot,
    /// Over the measured period (after warm-up) so far.
    pub summary: Summary,
    /// Offered rate of each workload now (requests per second).
    pub offered: Vec<f64>,
    /// Traffic-spike factor of each workload now (1 when none).
    pub rate_factors: Vec<f64>,
    pub objectives: Vec<ObjectiveView>,
    /// The most recent closed windows (bounded, oldest first).
    pub history: VecDeque<Window>,
    /// Windows that fell out of `history`.
    pub history_dropped: u64,
    pub marks: Vec<ChangeMark>,
    /// When the last live change (or live fault) was made: figures of a
    /// second that closed before it predate it.
    pub changed_at: Option<SimTime>,
    /// Where the last export went, or what went wrong.
    pub export_status: Option<String>,
    /// Where the tuned scenario was last saved.
    pub saved_scenario: Option<PathBuf>,
    /// The last refused command or load error.
    pub error: Option<String>,
    /// Why the run restarted, if a design change restarted it.
    pub notice: Option<String>,
    /// Follows the run's windows and live changes to tell what happened.
    pub account: Account,
    /// What happened so far, told at the last full refresh.
    pub what_happened: Vec<Happening>,
    /// The measured requests still waiting, at the last full refresh.
    pub waiting: Waiting,
    /// The slowest sampled requests so far, slowest first (the waterfall).
    pub slowest: Vec<RequestSpans>,
    /// The kept design's run, drawn dashed on the charts.
    pub baseline: Option<Baseline>,
    /// What queueing theory predicts at the measured rates.
    pub theory: TheoryView,
}

/// A kept design's windows (bounded like `history`).
#[derive(Clone, Debug)]
pub struct Baseline {
    pub label: String,
    pub windows: VecDeque<Window>,
}

impl Baseline {
    pub fn new(label: &str) -> Baseline {
        Baseline {
            label: label.to_string(),
            windows: VecDeque::new(),
        }
    }

    /// Adds closed windows, dropping the oldest past `HISTORY_WINDOWS`.
    pub fn push(&mut self, windows: Vec<Window>) {
        for w in windows {
            if self.windows.len() >= HISTORY_WINDOWS {
                self.windows.pop_front();
            }
            self.windows.push_back(w);
        }
    }
}

impl View {
    /// A view of `sim` as it is now.
    pub fn new(sim: &mut Simulation, file: Option<PathBuf>) -> View {
        let summary = sim.summary();
        let mut view = View {
            model: sim.model().clone(),
            file,
            scenarios: Vec::new(),
            seed: sim.seed(),
            now: sim.now(),
            clock: ClockView {
                speed_target: 1.0,
                ..ClockView::default()
            },
            snapshot: sim.snapshot(),
            summary,
            offered: Vec::new(),
            rate_factors: Vec::new(),
            objectives: Vec::new(),
            history: VecDeque::new(),
            history_dropped: 0,
            marks: Vec::new(),
            changed_at: None,
            export_status: None,
            saved_scenario: None,
            error: None,
            notice: None,
            account: Account::new(sim.model()),
            what_happened: Vec::new(),
            waiting: Waiting::default(),
            slowest: Vec::new(),
            baseline: None,
            theory: TheoryView::new(sim.model()),
        };
        view.refresh(sim, true);
        view
    }

    /// Takes the windows `sim` closed since the last call into the history,
    /// and refreshes the snapshot; with `full`, also the summary and the
    /// objectives (costlier: call a few times a second).
    pub fn refresh(&mut self, sim: &mut Simulation, full: bool) {
        let new_windows = sim.take_windows();
        let changed = !new_windows.is_empty();
        for w in new_windows {
            self.account.observe(&w);
            self.theory.observe(sim.model(), &w, HISTORY_WINDOWS);
            if self.history.len() >= HISTORY_WINDOWS {
                self.history.pop_front();
                self.history_dropped += 1;
            }
            self.history.push_back(w);
        }
        self.now = sim.now();
        self.snapshot = sim.snapshot();
        self.offered = (0..sim.model().workloads.len())
            .map(|w| sim.offered_rate(w))
            .collect();
        self.rate_factors = (0..sim.model().workloads.len())
            .map(|w| sim.rate_factor(w))
            .collect();
        if full || changed {
            self.model.clone_from(sim.model());
            self.summary = sim.summary();
            self.waiting = Waiting::of(sim, &self.model.objectives);
            self.slowest = sim.span_report().slowest;
            self.theory.observe_run(&self.model, &self.summary);
            self.evaluate_objectives();
        }
    }

    /// Recomputes objective pass/fail from the summary and the last window.
    pub fn evaluate_objectives(&mut self) {
        // Over the run as Submit's exam judges it: requests still waiting
        // count at their age so far.
        let judged = self.waiting.judged_summary(&self.summary);
        let run = objectives::evaluate(&self.model.objectives, &judged);
        self.what_happened = self.account.tell(&judged, &run);
        let now = self.history.back().map(|w| {
            objectives::evaluate(&self.model.objectives, &summary_of_window(&self.summary, w))
        });
        let last = self.history.back();
        let (completed_now, failed_now) =
            last.map_or((0, 0), |w| (w.counts.completed, w.counts.failed()));
        let objectives = &self.model.objectives;
        self.objectives = run
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                // A window has system-wide figures only.
                let now = (now.as_ref())
                    .and_then(|n| n.get(i).cloned())
                    .filter(|n| n.of.is_none() && !n.metric.needs_node());
                // A second with nothing (or mostly failures) answered is
                // not over its bound "by chance": it failed.
                let answered = completed_now > 0 && failed_now <= completed_now;
                let within_chance = match (&now, objectives.get(i), last) {
                    (Some(n), Some(o), Some(w)) if !n.pass && answered => match o.bound {
                        Bound::Below(x) => tail_within_chance(w, None, o.metric, x),
                        Bound::Above(_) => false,
                    },
                    _ => false,
                };
                ObjectiveView {
                    text: objective_text(&r),
                    now,
                    run: r,
                    completed_now,
                    failed_now,
                    within_chance,
                    late_waiting: self.waiting.late.get(i).copied().unwrap_or(0),
                }
            })
            .collect();
    }

    /// The p99 objective in milliseconds, if the scenario has one: requests
    /// slower than this are drawn as "slow".
    pub fn p99_objective_ms(&self) -> Option<f64> {
        self.model
            .objectives
            .iter()
            .filter(|o| o.of.is_none())
            .find_map(|o| match (o.metric, o.bound) {
                (ObjectiveMetric::P99, Bound::Below(s)) => Some(s * 1000.0),
                _ => None,
            })
    }

    /// The last closed window, if any.
    pub fn last_window(&self) -> Option<&Window> {
        self.history.back()
    }

    /// When the last change was made, if the last closed second ended
    /// before it (paused after a change): its measured figures predate
    /// the change, and say so until the next second closes.
    pub fn measured_before_change(&self) -> Option<SimTime> {
        let at = self.changed_at?;
        (self.last_window()?.end <= at).then_some(at)
    }

    /// What went wrong at node `i` in the last window, if anything did, by
    /// the account's rules: an external service's errors only beyond what
    /// its `error_rate` gives by chance, retries only at 10 % of arrivals
    /// (a design that holds is not drawn in red for the odd retry of an
    /// answer that errs by design).
    pub fn node_failing(&self, i: usize) -> Option<Trouble> {
        let w = self.last_window()?.nodes.get(i)?;
        let c = &w.counts;
        let kind = self.model.nodes.get(i).map(|n| &n.kind);
        let usual = match kind {
            Some(NodeKind::External(e)) => Some(e.error_rate),
            _ => None,
        };
        // Said as the account says it: a balancer with no backend up is
        // not itself down ("lb down/cut" while only api was).
        let errors_are = match kind {
            Some(NodeKind::External(_)) => "erring",
            Some(NodeKind::LoadBalancer(_)) => "no backend up, failing",
            _ if w.down => "down, failing",
            _ => "down/cut",
        };
        let errors = match usual {
            Some(p) if !unusual_errors(c.errors, c.arrived, p) => 0,
            _ => c.errors,
        };
        let t = Trouble {
            rejected: c.rejected,
            timed_out: c.timed_out,
            failed_downstream: c.failed_downstream,
            errors,
            retries: if many_retries(c.retries, c.arrived) {
                c.retries
            } else {
                0
            },
            errors_are,
        };
        (t.failed() > 0 || t.retries > 0).then_some(t)
    }
}

/// A node's trouble in one window, by cause (counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trouble {
    /// Turned away by a full line.
    pub rejected: u64,
    /// Failed by the node's own timeout.
    pub timed_out: u64,
    /// Failed because a call failed.
    pub failed_downstream: u64,
    /// Failed because it (or its next hop) was down or cut off.
    pub errors: u64,
    /// Retries it sent.
    pub retries: u64,
    /// What its own errors are: `erring` (an external service's answers),
    /// `no backend up, failing` (a load balancer), `down, failing`,
    /// `down/cut` (a replica down or its zone cut off).
    pub errors_are: &'static str,
}

impl Trouble {
    /// Visits that failed here, whatever the cause.
    pub fn failed(&self) -> u64 {
        self.rejected + self.timed_out + self.failed_downstream + self.errors
    }

    /// `rejecting 120/s`, then one `! cause` line per further cause, over `secs`.
    pub fn describe(&self, secs: f64) -> String {
        self.causes(secs).join("\n! ")
    }

    /// The causes on one line, `rejecting 120/s, calls failing 3/s`: under
    /// a node in the picture, where a line more would run into the title
    /// of the node below.
    pub fn describe_inline(&self, secs: f64) -> String {
        self.causes(secs).join(", ")
    }

    fn causes(&self, secs: f64) -> Vec<String> {
        let parts = [
            ("rejecting", self.rejected),
            ("timing out", self.timed_out),
            ("calls failing", self.failed_downstream),
            (self.errors_are, self.errors),
            ("retrying", self.retries),
        ];
        parts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{what} {:.0}/s", *n as f64 / secs))
            .collect()
    }
}

/// A summary whose end-to-end figures are those of one window, so
/// `report::objectives::evaluate` can judge "now" as well as the run.
pub fn summary_of_window(run: &Summary, w: &Window) -> Summary {
    let c = w.counts;
    let mut s = run.clone();
    s.latency = if w.latency.count > 0 {
        w.latency
    } else {
        LatencyStats::default()
    };
    s.throughput_rps = w.throughput_rps;
    s.error_rate = ratio(c.failed() as f64, (c.completed + c.failed()) as f64);
    // The machines' cost is the design's now (the run's summary has it),
    // not a measurement: a change made while paused shows at once (the
    // cost objective read $0.25/h beside a $2 000/h node).
    s
}

/// An objective as the panels state it: `error rate below 1%`,
/// `cost below $0.50/h`, `p99 latency below 100 ms`.
pub fn objective_text(r: &ObjectiveResult) -> String {
    let unit = match r.metric {
        m if m.is_latency() => " ms",
        ObjectiveMetric::Throughput => " req/s",
        ObjectiveMetric::HitsPerSecond => "/s",
        m if m.is_cost() => " $/h",
        ObjectiveMetric::ErrorRate => "",
        _ => "",
    };
    let target = if r.metric.is_fraction() {
        format!("{}%", trim(r.target * 100.0))
    } else if r.metric.is_cost() {
        format!("${}", trim(r.target))
    } else {
        format!("{}{unit}", trim(r.target))
    };
    let target = if r.metric.is_cost() {
        format!("{target}/h")
    } else {
        target
    };
    let of = match &r.of {
        None => String::new(),
        Some(Scope::Node(id)) => format!(" at {id}"),
        Some(s) => format!(" of {} {}", s.field(), s.name()),
    };
    format!("{}{of} {} {target}", metric_label(r.metric), r.bound)
}

/// The learner-facing name of an objective metric.
pub fn metric_label(m: ObjectiveMetric) -> &'static str {
    match m {
        ObjectiveMetric::P50 => "p50 latency",
        ObjectiveMetric::P95 => "p95 latency",
        ObjectiveMetric::P99 => "p99 latency",
        ObjectiveMetric::P999 => "p99.9 latency",
        ObjectiveMetric::MeanLatency => "mean latency",
        ObjectiveMetric::ErrorRate => "error rate",
        ObjectiveMetric::Throughput => "throughput",
        ObjectiveMetric::CostPerHour => "cost",
        ObjectiveMetric::EgressCostPerHour => "egress cost",
        ObjectiveMetric::TotalCostPerHour => "total cost",
        ObjectiveMetric::DeadLettered => "dead-lettered",
        ObjectiveMetric::DataLost => "data lost",
        ObjectiveMetric::LostAfterAck => "acknowledged then lost",
        ObjectiveMetric::Limited => "refused by rate limiters",
        ObjectiveMetric::ErrorRateExcludingLimited => "error rate (rate limited left out)",
        ObjectiveMetric::StaleReads => "stale reads",
        ObjectiveMetric::Utilisation => "utilisation",
        ObjectiveMetric::QueueLength => "line length",
        ObjectiveMetric::Backlog => "backlog",
        ObjectiveMetric::OldestMessageAge => "oldest message",
        ObjectiveMetric::HitsPerSecond => "cache hits",
    }
}

/// Formats an objective value in its metric's unit.
pub fn format_metric(m: ObjectiveMetric, v: Option<f64>) -> String {
    let Some(v) = v else {
        return "n/a".into();
    };
    match m {
        _ if m.is_latency() => format_ms(v),
        _ if m.is_fraction() => format!("{:.2}%", v * 100.0),
        ObjectiveMetric::Throughput => format!("{v:.0} req/s"),
        ObjectiveMetric::HitsPerSecond => format!("{v:.0}/s"),
        m if m.is_cost() => format!("${v:.2}/h"),
        _ => format!("{v}"),
    }
}

/// `0.84 ms`, `12.3 ms`, `140 ms`, `1.20 s`.
pub fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// `1.5`, `100`, `0.1` (no trailing zeros).
pub fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `12:34.5` style simulated clock.
pub fn format_clock(t: SimTime) -> String {
    let s = t.as_secs_f64();
    let m = (s / 60.0).floor();
    format!("{:02}:{:04.1}", m as u64, s - m * 60.0)
}

/// Every `*.toml` below `dir`: top-level files first, then by folder, each sorted.
pub fn find_scenarios(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    // Designs at the top level first (the default among them), then each
    // folder's files.
    out.sort_by(|a, b| (a.components().count(), a).cmp(&(b.components().count(), b)));
    out
}
