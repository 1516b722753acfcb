//! The named figures of a run (`p99`, `db.rate`, `cache.hit_ratio`, ...) with their units, and a debrief template rendered from them.

use crate::scenario::level::{Segment, Template};
use crate::sim::Summary;

/// A figure's unit, which decides how it is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    Ms,
    /// A fraction, written as a percentage.
    Percent,
    PerSecond,
    Dollars,
    Count,
    Plain,
}

/// What a template can quote: the graded run (the level's seed), the
/// starting design's run on that seed when the template asks for it, and
/// the level's budget and par.
pub struct Sources<'a> {
    pub run: &'a Summary,
    pub start: Option<&'a Summary>,
    pub budget: f64,
    pub par: f64,
}

/// The value of a figure and its unit; `None` when the run has no such
/// node or figure (a node the design did not add, a cache with no lookups).
pub fn figure(s: &Summary, node: Option<&str>, name: &str) -> Option<(f64, Unit)> {
    let Some(id) = node else {
        return system(s, name);
    };
    let n = s.nodes.iter().find(|n| n.id == id)?;
    let secs = s.measured.as_secs_f64().max(1e-9);
    let c = &n.counts;
    let v = match name {
        "utilisation" => (n.utilisation?, Unit::Percent),
        "busiest" => (busiest(&n.replica_utilisation)?, Unit::Percent),
        "hit_ratio" => (n.hit_ratio?, Unit::Percent),
        "rate" => (c.arrived as f64 / secs, Unit::PerSecond),
        "p99" => (n.sojourn.p99_ms?, Unit::Ms),
        "wait" => (n.mean_wait_ms?, Unit::Ms),
        "queue" => (n.mean_queue_len?, Unit::Plain),
        "rejected" => (c.rejected as f64, Unit::Count),
        "timed_out" => (c.timed_out as f64, Unit::Count),
        "retries" => (c.retries as f64, Unit::Count),
        // A node with no breaker on its calls has no such figure: a pass
        // text's "failed 0 calls at once by a breaker" would praise one.
        "short_circuited" if n.breakers.is_empty() => return None,
        "short_circuited" => (c.short_circuited as f64, Unit::Count),
        // Calls that found no pooled connection in time: none, no figure
        // (the summary does not say whether a call has a pool, and a
        // sentence on a pool that turned nobody away says nothing).
        "acquire_timeouts" if c.acquire_timeouts == 0 => return None,
        "acquire_timeouts" => (c.acquire_timeouts as f64, Unit::Count),
        "call_timeouts" => (c.call_timeouts as f64, Unit::Count),
        "flushes_failed" => (c.flushes_failed as f64, Unit::Count),
        "at_risk" => (n.data_at_risk? as f64, Unit::Count),
        "errors" => (c.errors as f64, Unit::Count),
        "processed" => (c.processed as f64, Unit::Count),
        "redelivered" => (c.redelivered as f64, Unit::Count),
        "dead_lettered" => (c.dead_lettered as f64, Unit::Count),
        "stale_reads" => (c.stale_reads as f64, Unit::Count),
        "replicas" => (f64::from(n.replicas?), Unit::Count),
        "workers" => (f64::from(n.workers?), Unit::Count),
        "cost" => (n.cost_per_hour, Unit::Dollars),
        _ => return None,
    };
    Some(v)
}

/// The highest of the instances' utilisations.
fn busiest(us: &[Option<f64>]) -> Option<f64> {
    us.iter().flatten().copied().reduce(f64::max)
}

fn system(s: &Summary, name: &str) -> Option<(f64, Unit)> {
    let l = &s.latency;
    let v = match name {
        "p50" => (l.p50_ms?, Unit::Ms),
        "p95" => (l.p95_ms?, Unit::Ms),
        "p99" => (l.p99_ms?, Unit::Ms),
        "p999" => (l.p999_ms?, Unit::Ms),
        "mean" => (l.mean_ms?, Unit::Ms),
        "error_rate" => (s.error_rate?, Unit::Percent),
        "throughput" => (s.throughput_rps, Unit::PerSecond),
        "cost" => (s.cost_per_hour, Unit::Dollars),
        "egress_cost" => (s.egress_cost_per_hour(), Unit::Dollars),
        "total_cost" => (s.total_cost_per_hour(), Unit::Dollars),
        "failed" => (s.counts.failed() as f64, Unit::Count),
        "dead_lettered" => (s.dead_lettered as f64, Unit::Count),
        "stale_reads" => (s.stale_reads() as f64, Unit::Count),
        _ => return None,
    };
    Some(v)
}

/// `x` in its unit, for a reader: `43 ms`, `91 %`, `1 900/s`, `$1.20/h`.
pub fn format(x: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms if x >= 1000.0 => format!("{:.2} s", x / 1000.0),
        Unit::Ms if x >= 10.0 => format!("{x:.0} ms"),
        Unit::Ms => format!("{x:.1} ms"),
        Unit::Percent => {
            let p = x * 100.0;
            let digits = if p == 0.0 || p >= 10.0 {
                0
            } else if p >= 1.0 {
                1
            } else {
                2
            };
            format!("{p:.digits$} %")
        }
        Unit::PerSecond => format!("{}/s", grouped(x.round())),
        Unit::Dollars => format!("${x:.2}/h"),
        Unit::Count => grouped(x.round()),
        Unit::Plain => format!("{x:.1}"),
    }
}

/// A whole number with thin groups of three: `1 234 567`.
fn grouped(x: f64) -> String {
    let out = crate::report::account::count(x.abs());
    if x < 0.0 { format!("-{out}") } else { out }
}

/// Stands for a figure the run has not while a text is assembled.
const MISSING: char = '\u{0}';

/// The template with every hole filled. With `leave_out` (a pass text), a
/// parenthesis, else a sentence, quoting a figure the run has not (a cache
/// no read reached, a node the design named otherwise) is left out: it
/// would praise what the design does not have; only when every sentence is
/// such does `n/a` stand in. A miss text keeps its sentences with `n/a`:
/// "p99 is n/a and 100 % of uploads failed" still says what went wrong.
pub fn render(t: &Template, src: &Sources<'_>, leave_out: bool) -> String {
    let mut whole = String::new();
    for seg in &t.segments {
        match seg {
            Segment::Text(s) => whole.push_str(&s.replace(MISSING, "")),
            Segment::Figure { start, node, name } => {
                let value = match (name.as_str(), node) {
                    ("budget", None) => Some((src.budget, Unit::Dollars)),
                    ("par", None) => Some((src.par, Unit::Dollars)),
                    _ => {
                        let run = if *start { src.start } else { Some(src.run) };
                        run.and_then(|s| figure(s, node.as_deref(), name))
                    }
                };
                match value {
                    Some((x, u)) => whole.push_str(&format(x, u)),
                    None => whole.push(MISSING),
                }
            }
        }
    }
    if !whole.contains(MISSING) {
        return whole;
    }
    if !leave_out {
        return whole.replace(MISSING, "n/a");
    }
    let kept = without_sentences(&without_parentheses(&whole));
    if kept.trim().is_empty() {
        whole.replace(MISSING, "n/a")
    } else {
        kept.trim_end().to_string()
    }
}

/// `text` without each parenthesis (and the space before it) that holds
/// a missing figure.
fn without_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(len) = rest[open..].find(')') else {
            break;
        };
        let inside = &rest[open..=open + len];
        let before = &rest[..open];
        out.push_str(before);
        if inside.contains(MISSING) {
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
        } else {
            out.push_str(inside);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// `text` without each sentence (up to a full stop, `?` or `!` and the
/// space after) that holds a missing figure.
fn without_sentences(text: &str) -> String {
    let mut out = String::new();
    let mut sentence = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        sentence.push(c);
        let ends = matches!(c, '.' | '?' | '!') && chars.peek().is_none_or(|n| n.is_whitespace());
        if ends || chars.peek().is_none() {
            while let Some(&n) = chars.peek().filter(|n| n.is_whitespace()) {
                sentence.push(n);
                chars.next();
            }
            if !sentence.contains(MISSING) {
                out.push_str(&sentence);
            }
            sentence.clear();
        }
    }
    out
}

/// Whether the template quotes the starting design's run.
pub fn wants_start(t: &Template) -> bool {
    t.segments
        .iter()
        .any(|s| matches!(s, Segment::Figure { start: true, .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_in_their_units() {
        assert_eq!(format(43.4, Unit::Ms), "43 ms");
        assert_eq!(format(4.34, Unit::Ms), "4.3 ms");
        assert_eq!(format(2500.0, Unit::Ms), "2.50 s");
        assert_eq!(format(0.912, Unit::Percent), "91 %");
        assert_eq!(format(0.0123, Unit::Percent), "1.2 %");
        assert_eq!(format(0.00042, Unit::Percent), "0.04 %");
        assert_eq!(format(1900.4, Unit::PerSecond), "1 900/s");
        assert_eq!(format(1.2, Unit::Dollars), "$1.20/h");
        assert_eq!(format(1234567.0, Unit::Count), "1 234 567");
    }

    #[test]
    fn a_parenthesis_else_a_sentence_with_a_missing_figure_is_left_out() {
        let m = MISSING;
        let text = format!("p99 is 4 ms. The cache answers {m} of the reads. The bill is $1/h.");
        assert_eq!(
            without_sentences(&without_parentheses(&text)),
            "p99 is 4 ms. The bill is $1/h."
        );
        let text = format!("It is offered 0/s (a visit waits {m} in line). Then (1 %) more.");
        assert_eq!(
            without_sentences(&without_parentheses(&text)),
            "It is offered 0/s. Then (1 %) more."
        );
        assert_eq!(without_sentences("Ends 4.5 ms"), "Ends 4.5 ms");
    }
}
