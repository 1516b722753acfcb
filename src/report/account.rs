//! What happened in a run, in words: the events, the node that gave way first, what followed, when each objective broke, what a missed budget pays for and what to try, built from the run's own windows, events and summary.

mod advice;
mod autoscaled;
mod capacity;
mod elsewhere;
mod events;
mod hot;
mod in_front;
mod objective_watch;
mod over_budget;
mod over_limit;
mod peak;
mod plans;
mod room;
mod slow_work;
mod spells;
mod watch;

use std::sync::Arc;

use crate::report::objectives::ObjectiveResult;
use crate::sim::model::{Model, Node, NodeKind, ObjectiveMetric};
use crate::sim::{Command, SimTime, Summary, Window};

use capacity::Sizing;
use events::EventNote;
use hot::Spread;
use objective_watch::ObjectiveWatch;
pub use objective_watch::tail_within_chance;
pub use room::Room;
use spells::Spells;
use watch::{Incident, NodeWatch};
pub use watch::{Trouble, count, per_s, seconds_text, trim};
pub use watch::{many_retries, unusual_errors};

/// One line of the account.
#[derive(Clone, Debug, PartialEq)]
pub struct Happening {
    /// Simulated time it refers to (the start of the window it showed in).
    pub at: SimTime,
    pub kind: HappeningKind,
    /// Ids of the nodes it names (a cause: the node that gave way first).
    pub nodes: Vec<String>,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HappeningKind {
    /// A scheduled event of the scenario (a fault, a flush, a spike).
    Event,
    /// A node showed trouble for the first time.
    Incident,
    /// An objective broke (or held).
    Objective,
    /// The chain from the first cause to the first broken objective.
    Cause,
    /// What to try, with the figure behind it.
    Suggestion,
}

impl HappeningKind {
    pub fn name(self) -> &'static str {
        match self {
            HappeningKind::Event => "event",
            HappeningKind::Incident => "incident",
            HappeningKind::Objective => "objective",
            HappeningKind::Cause => "cause",
            HappeningKind::Suggestion => "suggestion",
        }
    }
}

/// What the account needs to know of a node's make-up.
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    /// A cache with single flight on.
    coalesces: bool,
    /// An autoscaled service: its replicas' cold start.
    cold_start: Option<SimTime>,
}

impl Shape {
    fn of(kind: &NodeKind) -> Shape {
        match kind {
            NodeKind::Cache(c) => Shape {
                coalesces: c.coalesce,
                ..Shape::default()
            },
            NodeKind::Service(s) => Shape {
                cold_start: s.autoscale.as_ref().map(|a| a.cold_start),
                ..Shape::default()
            },
            _ => Shape::default(),
        }
    }
}

/// Follows a run window by window (memory bounded by the design's size)
/// and tells what happened at any point.
#[derive(Clone, Debug)]
pub struct Account {
    nodes: Vec<NodeWatch>,
    events: Vec<EventNote>,
    objectives: Vec<ObjectiveWatch>,
    shapes: Vec<Shape>,
    spreads: Vec<Spread>,
    sizing: Vec<Sizing>,
    /// The design, to follow its load past its caches at their measured
    /// hit ratios.
    design: Arc<Model>,
    /// A campaign level's locks, limits and budget, when the run is one.
    room: Option<Room>,
    warmup: SimTime,
    /// The run's length: a window ending there ends the run.
    duration: SimTime,
    /// Start of the first closed window and end of the last.
    seen: Option<(SimTime, SimTime)>,
}

impl Account {
    pub fn new(model: &Model) -> Account {
        Account {
            nodes: model
                .nodes
                .iter()
                .map(|n| NodeWatch::new(&n.id, n.kind.name()).with_usual_errors(usual_errors(n)))
                .collect(),
            events: events::notes(model),
            objectives: (model.objectives.iter())
                .filter_map(|o| ObjectiveWatch::new(o, model))
                .collect(),
            shapes: model.nodes.iter().map(|n| Shape::of(&n.kind)).collect(),
            spreads: Spread::of(model),
            sizing: Sizing::of(model),
            design: Arc::new(model.clone()),
            room: None,
            warmup: model.warmup,
            duration: model.duration,
            seen: None,
        }
    }

    /// Puts the account in a level's room (or takes it out, `None`).
    pub fn set_room(&mut self, room: Option<Room>) {
        self.room = room;
    }

    /// Whether the account knows a level's room.
    pub fn has_room(&self) -> bool {
        self.room.is_some()
    }

    /// The level's room, when the run is one of a level.
    pub fn room(&self) -> Option<&Room> {
        self.room.as_ref()
    }

    /// The same account for a run of a campaign level: a capacity
    /// suggestion the level has no room for (a locked knob, over a
    /// maximum, over the budget) says so and points elsewhere.
    pub fn within(self, room: Room) -> Account {
        Account {
            room: Some(room),
            ..self
        }
    }

    /// Takes one closed window (windows inside the warm-up are skipped).
    pub fn observe(&mut self, w: &Window) {
        if w.start < self.warmup || w.end <= w.start {
            return;
        }
        self.seen = Some((self.seen.map_or(w.start, |s| s.0), w.end));
        let calm = self.events.iter().all(|e| e.at > w.start);
        let start = self.dated(w);
        for (watch, nw) in self.nodes.iter_mut().zip(&w.nodes) {
            watch.observe(nw, (w.start, w.end), start, calm);
        }
        for o in &mut self.objectives {
            o.observe(w, start);
        }
    }

    /// When what a window shows began: its start, or an event at its very
    /// end (a crash at 120 s fails its calls in flight at 120 s, before the
    /// window [119 s, 120 s] closes; dated 119 s it would come before its
    /// cause).
    fn dated(&self, w: &Window) -> SimTime {
        if self.events.iter().any(|e| e.at == w.end) {
            w.end
        } else {
            w.start
        }
    }

    /// A change made while the run goes (a learner's live move at `at`),
    /// told as an event; one that undoes a fault ends it.
    pub fn command(&mut self, model: &Model, at: SimTime, command: &Command) {
        events::live(&mut self.events, model, at, command);
    }

    /// Takes several windows.
    pub fn observe_all<'a>(&mut self, windows: impl IntoIterator<Item = &'a Window>) {
        for w in windows {
            self.observe(w);
        }
    }

    /// The account so far, in time order: events, first incidents, broken
    /// objectives, then the cause and what to try.
    pub fn tell(&self, summary: &Summary, results: &[ObjectiveResult]) -> Vec<Happening> {
        let end = self.seen.map_or(SimTime::ZERO, |s| s.1);
        let mut out: Vec<Happening> = self
            .events
            .iter()
            .filter(|e| e.at < end)
            .map(EventNote::happening)
            .collect();
        out.extend(self.incidents().into_iter().map(|(n, i)| Happening {
            at: i.at,
            kind: HappeningKind::Incident,
            nodes: vec![n.id.clone()],
            text: self.incident_text(n, i),
        }));
        out.extend(self.objective_breaks(results));
        out.extend(self.scalings(summary));
        out.sort_by_key(|h| h.at);
        let hot = hot::hot_lines(summary, &self.spreads, self.room.as_ref(), self.warmup);
        let cause = self
            .cause(results, summary)
            .or_else(|| hot.first().cloned());
        out.extend(hot.into_iter().filter(|h| Some(h) != cause.as_ref()));
        out.extend(cause.iter().cloned());
        if self.seen.is_some() {
            out.extend(over_budget::over_budget(summary, results, self.warmup));
        }
        if !all_held(results) {
            out.extend(advice::suggest(self, summary, cause.as_ref()));
        }
        if out.is_empty() && self.seen.is_some() {
            out.push(Happening {
                at: self.warmup,
                kind: HappeningKind::Objective,
                nodes: Vec::new(),
                text: quiet_text(summary),
            });
        }
        out
    }

    /// Every node's first incidents, at most four per node, in time order.
    fn incidents(&self) -> Vec<(&NodeWatch, &Incident)> {
        let mut all: Vec<(&NodeWatch, &Incident)> = self
            .nodes
            .iter()
            .flat_map(|n| n.incidents.iter().take(4).map(move |i| (n, i)))
            .collect();
        all.sort_by_key(|(_, i)| (i.at, i.trouble));
        all
    }

    /// An incident's sentence, with how long it lasted and its peak.
    fn incident_text(&self, n: &NodeWatch, i: &Incident) -> String {
        let mut text = i.text.clone();
        if i.trouble == Trouble::LineGrew
            && let Some((peak, at)) = n.peak_line
        {
            text.push_str(&format!(
                " (longest {} at {})",
                count(peak),
                seconds_text(at.as_secs_f64())
            ));
        }
        // A surge is told at its first window; its busiest stretch, when
        // it came later and was itself a surge, is what the design had to
        // carry (a write-back flush's one-second burst averages out).
        if i.trouble == Trouble::Surge
            && let Some((rate, from)) = n.peak.rate()
            && from > i.at
            && n.calm_rate().is_some_and(|calm| rate >= 1.5 * calm)
        {
            text.push_str(&format!(
                " (busiest 5 s: {} from {})",
                per_s(rate),
                seconds_text(from.as_secs_f64())
            ));
        }
        if let (Some(spells), Some((_, end))) = (n.spells(i.trouble), self.seen) {
            text.push_str(&self.how_long(spells, i.at, end));
        }
        text
    }

    /// ", until 16 s", ", still at the end" (", still now" while the run
    /// goes on), or ", in 3 short bursts until 16 s, each cleared before
    /// the next" for trouble seen from `at` whose windows are `spells`,
    /// in windows seen up to `end`.
    fn how_long(&self, spells: Spells, at: SimTime, end: SimTime) -> String {
        let last = spells.last;
        let still = if self.ended() {
            "still at the end"
        } else {
            "still now"
        };
        let until = format!("until {}", seconds_text(last.as_secs_f64()));
        if spells.bursts() {
            let n = spells.stretches;
            return if last >= end {
                format!(", in {n} short bursts, the last {still}")
            } else {
                format!(", in {n} short bursts {until}, each cleared before the next")
            };
        }
        if last >= end {
            format!(", {still}")
        } else if last > at {
            // (Trouble seen in one window only needs no "until".)
            format!(", {until}")
        } else {
            String::new()
        }
    }

    /// Whether the windows seen reach the end of the run (while the
    /// window runs it, they do not yet).
    fn ended(&self) -> bool {
        let end = self.seen.map_or(SimTime::ZERO, |s| s.1);
        self.duration == SimTime::ZERO || end >= self.duration
    }

    /// Each objective that broke: when first, and its figure over the run.
    fn objective_breaks(&self, results: &[ObjectiveResult]) -> Vec<Happening> {
        let mut out = Vec::new();
        if self.seen.is_none() {
            // No window closed after warm-up: nothing measured to judge yet.
            return out;
        }
        for r in results.iter().filter(|r| !r.pass) {
            // A class's or a workload's objective is not watched window by
            // window (no window holds its figures): told over the run.
            let watched = self.objectives.iter().find(|o| o.is_for(r));
            let run = r
                .value
                .map_or("no value".to_string(), |v| figure(r.metric, v));
            let (at, text) = match watched.and_then(|o| o.first.map(|f| (o, f))) {
                Some((o, (at, v))) => (at, break_text(r, o, at, v, &run)),
                None if r.most_failed => (
                    self.warmup,
                    format!(
                        "{} missed: most requests failed ({run} over the run is of the few that completed)",
                        r.label()
                    ),
                ),
                None => (
                    self.warmup,
                    format!("{} missed: {run} over the run", r.label()),
                ),
            };
            out.push(Happening {
                at,
                kind: HappeningKind::Objective,
                nodes: Vec::new(),
                text,
            });
        }
        out
    }

    /// The why of objectives that broke with no node in trouble before:
    /// the event just before (a database slowed ten times over raises the
    /// p99 without filling a line).
    fn event_cause(&self, results: &[ObjectiveResult]) -> Option<Happening> {
        let t = self.first_break(results)?;
        let e = self
            .events
            .iter()
            .filter(|e| e.at <= t && t.0 - e.at.0 <= CAUSE_REACH.0)
            .max_by_key(|e| e.at)?;
        Some(Happening {
            at: e.at,
            kind: HappeningKind::Cause,
            nodes: e.nodes.clone(),
            text: format!(
                "what changed: at {} {} → the objectives broke at {}",
                seconds_text(e.at.as_secs_f64()),
                e.text,
                seconds_text(t.as_secs_f64())
            ),
        })
    }

    /// When the first objective broke (or the run's start for one that
    /// missed on the whole only). A latency missed because most requests
    /// failed says nothing of when: the failures' own trouble does.
    fn first_break(&self, results: &[ObjectiveResult]) -> Option<SimTime> {
        results
            .iter()
            .filter(|r| !r.pass && !r.metric.is_cost() && !r.most_failed)
            .map(|r| {
                self.objectives
                    .iter()
                    .find(|o| o.is_for(r))
                    .and_then(|o| o.first.map(|f| f.0))
                    .unwrap_or(self.warmup)
            })
            .min()
    }

    /// The chain from the first node to give way (and the event before it)
    /// to the first broken objective.
    fn cause(&self, results: &[ObjectiveResult], summary: &Summary) -> Option<Happening> {
        let deadline = self
            .first_break(results)
            .or_else(|| self.seen.map(|s| s.1))?;
        let early = |i: &Incident| i.at <= deadline;
        let all = self.incidents();
        let found = all
            .iter()
            .filter(|(_, i)| i.trouble.gives_way() && early(i))
            .min_by_key(|(_, i)| (i.at, i.trouble))
            .or_else(|| {
                all.iter()
                    .find(|(n, i)| early(i) && lasted_to(n, i, deadline))
            })
            .copied();
        let Some((root, first)) = found.map(|f| self.furthest_down(&all, f)) else {
            return self.event_cause(results).or_else(|| {
                self.seen?;
                let at = self.first_break(results)?;
                slow_work::slow_work(summary, results, at, &self.design)
            });
        };
        // An event inside the first measured window is no cause of trouble
        // that window already showed: it may have been there before the
        // warm-up ended (a change at 5.7 s blamed for a line at 5 s).
        let from_the_start = first.at <= self.warmup;
        let event = self
            .events
            .iter()
            .filter(|e| e.at <= first.until && first.at.0.saturating_sub(e.at.0) <= CAUSE_REACH.0)
            .filter(|e| !from_the_start || e.at <= first.at)
            .max_by_key(|e| e.at);
        let mut steps = Vec::new();
        let mut nodes = Vec::new();
        if let Some(e) = event {
            steps.push(format!(
                "at {} {}",
                seconds_text(e.at.as_secs_f64()),
                e.text
            ));
            nodes.extend(e.nodes.iter().cloned());
        }
        let since = event.map_or(first.at, |e| e.at.min(first.at));
        let mut chain: Vec<(&NodeWatch, &Incident)> = self
            .incidents()
            .into_iter()
            .filter(|(n, i)| {
                let mine =
                    std::ptr::eq(*n, root) && (i.trouble.gives_way() || std::ptr::eq(*i, first));
                i.at >= since && i.at <= deadline && (mine || i.trouble.leads_to_load())
            })
            .collect();
        chain.sort_by_key(|(_, i)| (i.at, !std::ptr::eq(*i, first), i.trouble.chain_rank()));
        for (n, i) in chain.into_iter().take(5) {
            steps.push(i.text.clone());
            nodes.push(n.id.clone());
        }
        if let Some(t) = self.first_break(results) {
            // Both in one window: the break came after the event in it.
            let t = event.map_or(t, |e| t.max(e.at));
            steps.push(format!(
                "the objectives broke at {}",
                seconds_text(t.as_secs_f64())
            ));
        }
        // The node that gave way comes first: the line selects it when
        // clicked and the advice sizes it.
        let mut named = vec![root.id.clone()];
        for n in nodes {
            if !named.contains(&n) {
                named.push(n);
            }
        }
        let nodes = named;
        let bursts = root.spells(first.trouble).is_some_and(|s| s.bursts());
        let broke = self.first_break(results).is_some();
        let held = all_held(results);
        let mut text = if first.trouble.gives_way() && (broke || !bursts) && !held {
            format!("first to give way: {}. ", root.id)
        } else {
            format!("what stands out: {}. ", root.id)
        };
        text.push_str(&steps.join(" → "));
        if held && !bursts {
            text.push_str("; every objective held");
        }
        if bursts {
            let held = if broke { "" } else { "no objective broke: " };
            text.push_str(&format!(
                "; {held}{}'s trouble came in short bursts that cleared between them",
                root.id
            ));
        }
        text.push_str(&self.outlived(root, first));
        text.push_str(&self.scaled_late(root, first, summary));
        Some(Happening {
            at: first.at,
            kind: HappeningKind::Cause,
            nodes,
            text,
        })
    }

    /// Of the nodes that gave way in the same window as `found`, the one
    /// furthest down its calls: a service saturated because its workers
    /// wait on a database that is saturated (or whose line grows) did not
    /// give way first, the database did.
    fn furthest_down<'a>(
        &self,
        all: &[(&'a NodeWatch, &'a Incident)],
        found: (&'a NodeWatch, &'a Incident),
    ) -> (&'a NodeWatch, &'a Incident) {
        let index = |n: &NodeWatch| self.nodes.iter().position(|m| std::ptr::eq(m, n));
        let mut at = found;
        for _ in 0..self.nodes.len() {
            let Some(k) = index(at.0) else { break };
            let below = self.downstream_of(k);
            let next = all.iter().find(|(n, i)| {
                i.at == at.1.at
                    && i.trouble.gives_way()
                    && index(n).is_some_and(|m| m != k && below.contains(&m))
            });
            match next {
                Some(&n) => at = n,
                None => break,
            }
        }
        at
    }

    /// Every node `k`'s calls reach, through any number of hops.
    fn downstream_of(&self, k: usize) -> Vec<usize> {
        let mut seen = vec![k];
        let mut i = 0;
        while i < seen.len() {
            let callees = self.sizing.get(seen[i]).map(|s| s.callees.as_slice());
            for &c in callees.unwrap_or(&[]) {
                if !seen.contains(&c) {
                    seen.push(c);
                }
            }
            i += 1;
        }
        seen
    }

    /// ", and it outlived the fault …" when the trouble lasted well past
    /// the end of the event before it.
    fn outlived(&self, root: &NodeWatch, first: &Incident) -> String {
        let ended = self
            .events
            .iter()
            .filter_map(|e| e.ends.map(|end| (e, end)))
            .filter(|(e, end)| e.at <= first.until && *end > e.at)
            .max_by_key(|(e, _)| e.at);
        // Recovered means every trouble of the root ended, not only the
        // first (a crashed replica's failures end when the balancer routes
        // round it; the saturation that follows may not).
        let (Some((e, end)), Some(last)) = (ended, root.last_trouble()) else {
            return String::new();
        };
        let still = self.seen.is_some_and(|s| last >= s.1);
        if !still {
            let (fault, ended, back) = (
                e.text.as_str(),
                seconds_text(end.as_secs_f64()),
                seconds_text(last.as_secs_f64()),
            );
            return if last >= end {
                format!(
                    "; the fault ({fault}) ended at {ended}, {} recovered by {back}",
                    root.id
                )
            } else {
                format!(
                    "; {} recovered by {back}, before the fault ({fault}) ended at {ended}",
                    root.id
                )
            };
        }
        let mut s = format!(
            "; the fault ({}) ended at {} but {} did not recover: the trouble lasted to {}",
            e.text,
            seconds_text(end.as_secs_f64()),
            root.id,
            seconds_text(last.as_secs_f64())
        );
        if let Some(r) = self.retriers() {
            s.push_str(&format!(
                ", kept there by {}'s retries ({} against {} arriving, in the last window)",
                r.id,
                per_s(r.last.retries_rate),
                per_s(r.last.rate)
            ));
        }
        s
    }

    /// The autoscaler's first decisions (six at most), as events.
    fn scalings(&self, summary: &Summary) -> Vec<Happening> {
        summary
            .scale_events
            .iter()
            .take(6)
            .filter_map(|e| {
                let n = self.nodes.get(e.node)?;
                let ready = self.shape(e.node).cold_start.filter(|_| e.to > e.from);
                let ready = ready.map_or(String::new(), |c| {
                    format!(
                        ", serving after a cold start of {}",
                        seconds_text(c.as_secs_f64())
                    )
                });
                Some(Happening {
                    at: e.at,
                    kind: HappeningKind::Event,
                    nodes: vec![n.id.clone()],
                    text: format!("autoscaler: {} {} → {} replicas{ready}", n.id, e.from, e.to),
                })
            })
            .collect()
    }

    /// "; the autoscaler added replicas at 61 s, serving only from 91 s
    /// (cold start 30 s)" when the root scaled up after its trouble began.
    fn scaled_late(&self, root: &NodeWatch, first: &Incident, summary: &Summary) -> String {
        let k = self.nodes.iter().position(|n| std::ptr::eq(n, root));
        let Some(k) = k else { return String::new() };
        let (Some(cold), Some(up)) = (
            self.shape(k).cold_start,
            summary
                .scale_events
                .iter()
                .find(|e| e.node == k && e.to > e.from && e.at >= first.at),
        ) else {
            return String::new();
        };
        let serving = up.at.saturating_add(cold);
        format!(
            "; the autoscaler added replicas at {}, serving only from {} (cold start {})",
            seconds_text(up.at.as_secs_f64()),
            seconds_text(serving.as_secs_f64()),
            seconds_text(cold.as_secs_f64())
        )
    }

    fn shape(&self, k: usize) -> Shape {
        self.shapes.get(k).copied().unwrap_or_default()
    }

    /// The node retrying the most in the last window, if it retried at all.
    fn retriers(&self) -> Option<&NodeWatch> {
        self.nodes
            .iter()
            .filter(|n| n.last.retries_rate >= 1.0)
            .max_by(|a, b| a.last.retries_rate.total_cmp(&b.last.retries_rate))
    }

    fn coalesces(&self, id: &str) -> bool {
        let k = self.nodes.iter().position(|n| n.id == id);
        k.and_then(|k| self.shapes.get(k))
            .is_some_and(|s| s.coalesces)
    }

    pub(crate) fn node(&self, id: &str) -> Option<&NodeWatch> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

fn window_word(metric: ObjectiveMetric) -> &'static str {
    match metric {
        ObjectiveMetric::P999 => "its slowest request took",
        ObjectiveMetric::ErrorRate => "error rate",
        ObjectiveMetric::Throughput => "throughput",
        _ => metric.name(),
    }
}

/// `p99 below 100 ms first broke at 12 s: p99 140 ms in that window;
/// 120 ms over the run, broken in 3 windows`; a count tells its total
/// by then.
fn break_text(r: &ObjectiveResult, o: &ObjectiveWatch, at: SimTime, v: f64, run: &str) -> String {
    let head = format!(
        "{} first broke at {}",
        r.label(),
        seconds_text(at.as_secs_f64())
    );
    if o.counts() {
        return format!(
            "{head}: {} by then; {run} over the run",
            figure(o.metric, v)
        );
    }
    let n = o.broken_windows;
    format!(
        "{head}: {} {} in that window; {run} over the run, broken in {n} window{}",
        window_word(o.metric),
        figure(o.metric, v),
        if n == 1 { "" } else { "s" }
    )
}

/// A figure in the unit results speak (milliseconds for latencies):
/// `1 646 ms`, `0.726`.
fn figure(metric: ObjectiveMetric, v: f64) -> String {
    if metric.is_latency() {
        let ms = v;
        if ms >= 100.0 {
            format!("{} ms", count(ms))
        } else {
            format!("{} ms", trim(ms, 2))
        }
    } else {
        trim(v, 3)
    }
}

/// The share of a node's answers that err by design (an external
/// service's `error_rate`).
fn usual_errors(n: &Node) -> f64 {
    match &n.kind {
        NodeKind::External(e) => e.error_rate,
        _ => 0.0,
    }
}

/// Whether the run had objectives and held every one: then nothing "gave
/// way" and there is nothing to try.
/// The account of a run with no incident: "nothing broke" only when
/// nothing failed either; else the failures too few to be an incident,
/// by where they came from (a pool's checkouts that gave up, calls that
/// timed out).
fn quiet_text(summary: &Summary) -> String {
    let failed = summary.counts.failed();
    let mut causes = Vec::new();
    for n in &summary.nodes {
        let c = &n.counts;
        if c.acquire_timeouts > 0 {
            causes.push(format!(
                "{} gave up on {} calls waiting for a pooled connection",
                n.id,
                count(c.acquire_timeouts as f64)
            ));
        }
        if c.call_timeouts > 0 {
            causes.push(format!(
                "{} timed out {} calls",
                n.id,
                count(c.call_timeouts as f64)
            ));
        }
    }
    if failed == 0 && causes.is_empty() {
        return "nothing broke: no node saturated, queued, timed out or failed".into();
    }
    let share = summary
        .error_rate
        .map(|e| format!("{} % of requests failed", trim(e * 100.0, 2)))
        .unwrap_or_else(|| format!("{} requests failed", count(failed as f64)));
    // Failures with no timeout behind them (an external's errors by
    // design, a limiter's refusals) are no breakage of the design's.
    if causes.is_empty() {
        return format!("nothing broke: no node saturated, queued or timed out; {share}");
    }
    let head = if failed == 0 {
        "no node saturated or queued for long, and no request failed".to_string()
    } else {
        format!("no node saturated or queued for long, yet {share}")
    };
    format!("{head}: {}", causes.join("; "))
}

fn all_held(results: &[ObjectiveResult]) -> bool {
    !results.is_empty() && results.iter().all(|r| r.pass)
}

/// Whether `n`'s trouble `i` was still showing within 10 s of `deadline`
/// (the first broken objective): a hit ratio that dipped for a second at
/// How far apart a cause and what it caused may be: an event up to this
/// long before trouble, trouble up to this long before a break.
const CAUSE_REACH: SimTime = SimTime(10_000_000_000);

/// 41 s and recovered is no cause of a break at 200 s.
fn lasted_to(n: &NodeWatch, i: &Incident, deadline: SimTime) -> bool {
    n.spells(i.trouble)
        .is_none_or(|s| s.last.0.saturating_add(CAUSE_REACH.0) >= deadline.0)
}
