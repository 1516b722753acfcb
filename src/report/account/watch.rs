//! One node watched window by window: its calm baseline, the first window each kind of trouble showed, its peaks, and its last window.

use super::peak::Peak;
use super::spells::Spells;
use crate::sim::metrics::NodeWindow;
use crate::sim::time::SimTime;

/// A kind of trouble a node can show in a window, most fundamental first
/// (a tie in time names the earlier kind as the cause).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trouble {
    /// Down as a whole, or visits failed because it (a replica, its
    /// backends, its zone) was down or cut off.
    Down,
    /// Its workers were busy ≥ 95 % of the window.
    Saturated,
    /// Its line grew well past its calm length.
    LineGrew,
    /// A queue's oldest message waited a second or more.
    Backlog,
    /// Its cache answered far fewer lookups than when calm.
    HitDrop,
    /// It was offered far more than when calm.
    Surge,
    /// It turned visits away (full line, no replica up).
    Rejects,
    /// Its visits or its calls timed out.
    Timeouts,
    /// A breaker on its calls failed calls fast.
    BreakerOpen,
    /// It retried ≥ 10 % of its arrivals.
    Retries,
    /// A queue gave messages up.
    DeadLetters,
    /// A rate limiter refused requests over its rate (429s: the limiter
    /// working, not failing).
    Limited,
    /// A database served reads older than the key's last write.
    StaleReads,
}

impl Trouble {
    /// Whether this trouble is a node giving way (a cause), rather than a
    /// change in what it was offered or how its callers coped.
    pub fn gives_way(self) -> bool {
        matches!(
            self,
            Trouble::Down | Trouble::Saturated | Trouble::LineGrew | Trouble::Backlog
        )
    }

    /// Order within one window of a chain: what changed before what it
    /// caused.
    pub fn chain_rank(self) -> u8 {
        match self {
            Trouble::Down => 0,
            Trouble::HitDrop => 1,
            Trouble::Surge => 2,
            Trouble::Saturated => 3,
            Trouble::LineGrew => 4,
            _ => 5,
        }
    }

    /// Troubles that pass load on: a cause's effects along the path.
    pub fn leads_to_load(self) -> bool {
        matches!(
            self,
            Trouble::HitDrop | Trouble::Surge | Trouble::Saturated | Trouble::Down
        )
    }
}

/// The first window a trouble showed, in words, with its figures.
#[derive(Clone, Debug)]
pub struct Incident {
    pub trouble: Trouble,
    pub at: SimTime,
    /// The end of that window: an event up to it may have caused the
    /// trouble (events at a window's very end count in that window).
    pub until: SimTime,
    pub text: String,
}

/// The figures of the last window the account quotes at the end.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// Arrivals per second.
    pub rate: f64,
    /// Retries made from the node per second.
    pub retries_rate: f64,
}

/// Means over the calm windows: before any event and any trouble here.
#[derive(Clone, Copy, Debug, Default)]
struct Calm {
    windows: u32,
    rate: f64,
    line: f64,
    hits: u64,
    lookups: u64,
    utilisation: f64,
    utilisation_windows: u32,
}

impl Calm {
    fn rate(&self) -> Option<f64> {
        (self.windows > 0).then(|| self.rate / f64::from(self.windows))
    }
    fn line(&self) -> Option<f64> {
        (self.windows > 0).then(|| self.line / f64::from(self.windows))
    }
    fn hit_ratio(&self) -> Option<f64> {
        (self.lookups >= 20).then(|| self.hits as f64 / self.lookups as f64)
    }
    fn utilisation(&self) -> Option<f64> {
        (self.utilisation_windows > 0)
            .then(|| self.utilisation / f64::from(self.utilisation_windows))
    }
}

/// One node as the account follows it; memory is bounded by the number of
/// kinds of trouble, whatever the run's length.
#[derive(Clone, Debug, Default)]
pub struct NodeWatch {
    pub id: String,
    /// The node's kind (`service`, `rate_limiter`, …).
    kind: &'static str,
    /// The share of its answers that err by design (an external
    /// service's `error_rate`; 0 elsewhere).
    usual_errors: f64,
    calm: Calm,
    pub incidents: Vec<Incident>,
    /// The windows each trouble showed in.
    pub spells: Vec<(Trouble, Spells)>,
    /// The longest line (time-average over a window) and when.
    pub peak_line: Option<(f64, SimTime)>,
    /// Its busiest few seconds of arrivals.
    pub peak: Peak,
    pub last: Figures,
}

impl NodeWatch {
    /// Its calm arrival rate per second, once a calm window was seen.
    pub fn calm_rate(&self) -> Option<f64> {
        self.calm.rate()
    }

    pub fn new(id: &str, kind: &'static str) -> NodeWatch {
        NodeWatch {
            id: id.to_string(),
            kind,
            ..NodeWatch::default()
        }
    }

    /// A node whose answers err by design with probability `p` (an
    /// external service): only more errors than that share explains is
    /// trouble.
    pub fn with_usual_errors(mut self, p: f64) -> NodeWatch {
        self.usual_errors = p.clamp(0.0, 1.0);
        self
    }

    /// Takes one window, from `start` to `end`, what it shows dated
    /// `dated`; `calm` says whether no event has happened yet.
    pub fn observe(
        &mut self,
        w: &NodeWindow,
        (start, end): (SimTime, SimTime),
        dated: SimTime,
        calm: bool,
    ) {
        let secs = (end.0.saturating_sub(start.0)) as f64 / 1e9;
        if secs <= 0.0 {
            return;
        }
        let c = &w.counts;
        self.peak.observe(start, end, c.arrived);
        self.last = Figures {
            rate: c.arrived as f64 / secs,
            retries_rate: c.retries as f64 / secs,
        };
        if let Some(q) = w.mean_queue_len
            && self.peak_line.is_none_or(|(p, _)| q > p)
        {
            self.peak_line = Some((q, dated));
        }
        let found = self.troubles(w, secs);
        for (trouble, text) in &found {
            self.seen(*trouble, (start, end), dated, text);
        }
        if calm && found.is_empty() {
            self.learn(w, secs);
        }
    }

    fn seen(
        &mut self,
        trouble: Trouble,
        (start, end): (SimTime, SimTime),
        dated: SimTime,
        text: &str,
    ) {
        match self.spells.iter_mut().find(|(t, _)| *t == trouble) {
            Some(slot) => slot.1.add(start, end),
            None => {
                self.spells.push((trouble, Spells::new(start, end)));
                self.incidents.push(Incident {
                    trouble,
                    at: dated,
                    until: end,
                    text: text.to_string(),
                });
            }
        }
    }

    fn learn(&mut self, w: &NodeWindow, secs: f64) {
        let c = &w.counts;
        self.calm.windows += 1;
        self.calm.rate += c.arrived as f64 / secs;
        self.calm.line += w.mean_queue_len.unwrap_or(0.0);
        self.calm.hits += c.hits;
        self.calm.lookups += c.hits + c.misses;
        if let Some(u) = w.utilisation {
            self.calm.utilisation += u;
            self.calm.utilisation_windows += 1;
        }
    }

    /// Visits that failed at it, in the words that fit: down itself (a
    /// crash: visits failed, or none came), a balancer with no backend
    /// up, or a replica down or its zone cut off.
    fn down_text(&self, down: bool, errors: u64) -> String {
        let id = &self.id;
        let failed = if errors > 0 {
            format!(": {errors} visits failed")
        } else {
            String::new()
        };
        if down {
            format!("{id} was down{failed}")
        } else if self.kind == "load_balancer" {
            format!("{id} had no backend up to send to{failed}")
        } else {
            format!("{id} was partly down or cut off{failed}")
        }
    }

    /// Every trouble this window shows, with its sentence.
    fn troubles(&self, w: &NodeWindow, secs: f64) -> Vec<(Trouble, String)> {
        let c = &w.counts;
        let id = &self.id;
        let arrived = c.arrived.max(1) as f64;
        let mut out = Vec::new();
        let mut add = |t: Trouble, s: String| out.push((t, s));
        if self.usual_errors > 0.0 {
            if unusual_errors(c.errors, c.arrived, self.usual_errors) {
                add(
                    Trouble::Down,
                    format!(
                        "{id} failed {} of {} calls ({}; it errs {} of the time by design)",
                        c.errors,
                        c.arrived,
                        percent(c.errors as f64 / arrived),
                        percent(self.usual_errors)
                    ),
                );
            }
        } else if w.down || c.errors > 0 {
            add(Trouble::Down, self.down_text(w.down, c.errors));
        }
        if let Some(u) = w.utilisation.filter(|&u| u >= 0.95) {
            let before = self
                .calm
                .utilisation()
                .map_or(String::new(), |b| format!(" ({b:.2} when calm)"));
            add(
                Trouble::Saturated,
                format!("{id} saturated: utilisation {u:.2}{before}"),
            );
        }
        if let Some(q) = w.mean_queue_len {
            let calm = self.calm.line().unwrap_or(0.0);
            let workers = f64::from(w.workers.unwrap_or(1).max(1));
            if q >= (5.0 * calm).max(workers).max(10.0) {
                add(
                    Trouble::LineGrew,
                    format!("{id}'s line grew to {} waiting", count(q)),
                );
            }
        }
        if let Some(age) = w.oldest_message_ms.filter(|&a| a >= 1000.0) {
            add(
                Trouble::Backlog,
                format!(
                    "{id}'s backlog reached {} messages, the oldest waiting {}",
                    w.backlog.unwrap_or(0),
                    seconds_text(age / 1000.0)
                ),
            );
        }
        let lookups = c.hits + c.misses;
        if let Some(calm) = self.calm.hit_ratio()
            && lookups >= 20
        {
            let now = c.hits as f64 / lookups as f64;
            if calm >= 0.2 && now <= calm - 0.15 {
                add(
                    Trouble::HitDrop,
                    format!("{id}'s hit ratio fell from {calm:.2} to {now:.2}"),
                );
            }
        }
        let rate = c.arrived as f64 / secs;
        if let Some(calm) = self.calm.rate().filter(|&r| r >= 1.0)
            && rate >= 1.5 * calm
            && beyond_poisson_noise(c.arrived, calm * secs)
        {
            add(
                Trouble::Surge,
                format!(
                    "{id}'s arrivals rose from {} to {}",
                    per_s(calm),
                    per_s(rate)
                ),
            );
        }
        let share = |n: u64| n as f64 >= 1.0_f64.max(0.01 * arrived);
        if self.kind == "rate_limiter" && share(c.rejected) {
            add(
                Trouble::Limited,
                format!(
                    "{id} refused {} of {} requests over its rate (429s: the limiter working)",
                    c.rejected, c.arrived
                ),
            );
        } else if share(c.rejected) {
            add(
                Trouble::Rejects,
                format!("{id} turned away {} of {} visits", c.rejected, c.arrived),
            );
        }
        if share(c.timed_out) {
            add(
                Trouble::Timeouts,
                format!("{id} timed out {} visits", per_s(c.timed_out as f64 / secs)),
            );
        } else if share(c.call_timeouts) {
            add(
                Trouble::Timeouts,
                format!(
                    "{id}'s calls timed out: {}",
                    per_s(c.call_timeouts as f64 / secs)
                ),
            );
        }
        if c.short_circuited > 0 {
            add(
                Trouble::BreakerOpen,
                format!(
                    "a breaker on {id}'s calls opened: {} failed fast",
                    per_s(c.short_circuited as f64 / secs)
                ),
            );
        }
        if many_retries(c.retries, c.arrived) {
            add(
                Trouble::Retries,
                format!(
                    "{id} retried {} calls against {} arriving",
                    per_s(c.retries as f64 / secs),
                    per_s(rate)
                ),
            );
        }
        if c.stale_reads > 0 {
            // A cache's stale reads come from writes that reached its store
            // past it (a database's, from its replicas' lag).
            let why = if matches!(self.kind, "cache" | "cdn") {
                ": writes reached its store without passing through it (send them through it; \
                 if each write creates a key, the workload's keys say writes = \"new\")"
            } else {
                ""
            };
            add(
                Trouble::StaleReads,
                format!(
                    "{id} served stale reads: {} ({:.2} % of its visits){why}",
                    per_s(c.stale_reads as f64 / secs),
                    100.0 * c.stale_reads as f64 / arrived
                ),
            );
        }
        if c.dead_lettered > 0 {
            add(
                Trouble::DeadLetters,
                format!("{id} dead-lettered {} messages", c.dead_lettered),
            );
        }
        out
    }

    /// The first incident of `trouble`, if any.
    pub fn first(&self, trouble: Trouble) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.trouble == trouble)
    }

    /// The windows `trouble` showed in.
    pub fn spells(&self, trouble: Trouble) -> Option<Spells> {
        (self.spells.iter())
            .find(|(t, _)| *t == trouble)
            .map(|&(_, s)| s)
    }

    /// The last instant any of this node's troubles was seen: when it
    /// recovered, if before the end.
    pub fn last_trouble(&self) -> Option<SimTime> {
        self.spells.iter().map(|&(_, s)| s.last).max()
    }
}

/// `1 900/s`, `12.5/s`.
pub fn per_s(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{}/s", count(rate))
    } else {
        format!("{}/s", trim(rate, 1))
    }
}

/// A count with thin grouping: `1 900`, `480`.
pub fn count(x: f64) -> String {
    let n = x.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// `42 s`, `1.5 s`.
pub fn seconds_text(s: f64) -> String {
    format!("{} s", trim(s, 1))
}

/// `x` with at most `places` decimals, trailing zeros cut.
pub fn trim(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// More than `errors` of `arrived` answers than a share `p` of errors
/// explains: above the binomial mean by four standard deviations and one
/// (a healthy window is flagged about once in 30 000).
pub fn unusual_errors(errors: u64, arrived: u64, p: f64) -> bool {
    let n = arrived as f64;
    let mean = n * p;
    let sd = (n * p * (1.0 - p)).sqrt();
    errors as f64 > mean + 4.0 * sd + 1.0
}

/// Retries worth telling: at least 5 in a window and 10 % of its arrivals
/// (the odd retry of an answer that errs by design is the design working).
pub fn many_retries(retries: u64, arrived: u64) -> bool {
    retries >= 5 && retries as f64 >= 0.1 * arrived.max(1) as f64
}

/// `12.5 %`, or `0.10 %` for small shares.
fn percent(x: f64) -> String {
    if x >= 0.1 {
        format!("{:.0} %", x * 100.0)
    } else {
        format!("{:.2} %", x * 100.0)
    }
}

/// More than `n` arrivals than a calm Poisson stream of mean `mean` gives
/// by chance: above it by four standard deviations and one. A node offered
/// a few requests a second sees 1.5× its calm rate in a window by chance
/// alone (5.5/s: 9 in a second about once in ten); such a window is not a
/// surge.
fn beyond_poisson_noise(n: u64, mean: f64) -> bool {
    n as f64 > mean + 4.0 * mean.sqrt() + 1.0
}
