//! `timeseries.csv` (one row per window and scope) and `nodes.csv` (one row per node); blank cells mean "no value".

use std::io::{self, Write};

use crate::report::RunInfo;
use crate::sim::metrics::LatencyStats;
use crate::sim::model::Model;
use crate::sim::time::SimTime;
use crate::sim::{Summary, Window};

/// Column names of `timeseries.csv`, in order.
pub const TIMESERIES_COLUMNS: &[&str] = &[
    "loadlab_version",
    "scenario",
    "seed",
    "window_start_s",
    "window_end_s",
    "scope",
    "kind",
    "arrived",
    "completed",
    "failed",
    "rejected",
    "timed_out",
    "dropped",
    "throughput_rps",
    "mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "utilisation",
    "mean_queue_len",
    "mean_in_node",
    "hit_ratio",
    "workers",
    "in_flight",
    "cost_per_hour",
    "errored",
    "retries",
    "short_circuited",
    "stale_reads",
    "coalesced",
    "processed",
    "dead_lettered",
    "backlog",
    "oldest_message_ms",
    "processing_p99_ms",
    "replicas",
    "call_timeouts",
    "acquire_timeouts",
];

/// Column names of `nodes.csv`, in order.
pub const NODES_COLUMNS: &[&str] = &[
    "loadlab_version",
    "scenario",
    "seed",
    "node",
    "kind",
    "arrived",
    "completed",
    "rejected",
    "timed_out",
    "failed_downstream",
    "throughput_rps",
    "utilisation",
    "mean_queue_len",
    "mean_in_node",
    "mean_wait_ms",
    "mean_sojourn_ms",
    "p50_sojourn_ms",
    "p95_sojourn_ms",
    "p99_sojourn_ms",
    "hit_ratio",
    "replicas",
    "workers",
    "cost_per_hour",
    "errors",
    "retries",
    "failed_after_retries",
    "short_circuited",
    "stale_reads",
    "coalesced",
    "processed",
    "redelivered",
    "dead_lettered",
    "backlog",
    "processing_p99_ms",
    "data_at_risk",
    "data_lost",
    "call_timeouts",
    "acquire_timeouts",
    "waiting",
    "mean_waiting_ms",
    "oldest_waiting_ms",
    "shed",
    "flushes_failed",
];

/// Quotes a cell if it needs it (RFC 4180).
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A finite number, or an empty cell.
fn f(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

fn lat(l: &LatencyStats) -> [String; 4] {
    [f(l.mean_ms), f(l.p50_ms), f(l.p95_ms), f(l.p99_ms)]
}

/// Streams windows into a CSV as they close.
pub struct TimeseriesWriter<W: Write> {
    out: W,
    prefix: String,
    ids: Vec<(String, &'static str)>,
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the header. `nodes` are (id, kind) in model order.
    pub fn new(mut out: W, info: &RunInfo, nodes: Vec<(String, &'static str)>) -> io::Result<Self> {
        writeln!(out, "{}", TIMESERIES_COLUMNS.join(","))?;
        let prefix = format!(
            "{},{},{}",
            cell(crate::VERSION),
            cell(&info.scenario),
            info.seed
        );
        Ok(TimeseriesWriter {
            out,
            prefix,
            ids: nodes,
        })
    }

    pub fn write_window(&mut self, w: &Window) -> io::Result<()> {
        let (start, end) = (w.start.as_secs_f64(), w.end.as_secs_f64());
        let c = &w.counts;
        let [mean, p50, p95, p99] = lat(&w.latency);
        writeln!(
            self.out,
            "{},{start},{end},system,system,{},{},{},{},{},{},{},{mean},{p50},{p95},{p99},,,,,,{},{},{},,,,,,,,,,,,",
            self.prefix,
            c.arrived,
            c.completed,
            c.failed(),
            c.rejected,
            c.timed_out,
            c.dropped,
            f(Some(w.throughput_rps)),
            w.in_flight,
            f(Some(w.cost_per_hour)),
            c.errored,
        )?;
        let secs = w.end.saturating_sub(w.start).as_secs_f64();
        for (n, (id, kind)) in w.nodes.iter().zip(&self.ids) {
            let c = &n.counts;
            let [mean, p50, p95, p99] = lat(&n.sojourn);
            let tput = if secs > 0.0 {
                Some(c.completed as f64 / secs)
            } else {
                None
            };
            writeln!(
                self.out,
                "{},{start},{end},{},{kind},{},{},{},{},{},,{},{mean},{p50},{p95},{p99},{},{},{},{},{},,,{},{},{},{},{},{},{},{},{},{},{},{},{}",
                self.prefix,
                cell(id),
                c.arrived,
                c.completed,
                c.rejected + c.shed + c.timed_out + c.failed_downstream + c.errors,
                c.rejected,
                c.timed_out,
                f(tput),
                f(n.utilisation),
                f(n.mean_queue_len),
                f(Some(n.mean_present)),
                f(n.hit_ratio),
                n.workers.map_or(String::new(), |w| w.to_string()),
                c.errors,
                c.retries,
                c.short_circuited,
                c.stale_reads,
                c.coalesced,
                c.processed,
                c.dead_lettered,
                n.backlog.map_or(String::new(), |b| b.to_string()),
                f(n.oldest_message_ms),
                f(n.processing.and_then(|p| p.p99_ms)),
                n.replicas.map_or(String::new(), |r| r.to_string()),
                c.call_timeouts,
                c.acquire_timeouts,
            )?;
        }
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The whole `nodes.csv`.
pub fn nodes_csv(info: &RunInfo, s: &Summary) -> String {
    let mut out = NODES_COLUMNS.join(",");
    out.push('\n');
    let secs = s.measured.as_secs_f64();
    for n in &s.nodes {
        let c = &n.counts;
        let row = [
            cell(crate::VERSION),
            cell(&info.scenario),
            info.seed.to_string(),
            cell(&n.id),
            n.kind.to_string(),
            c.arrived.to_string(),
            c.completed.to_string(),
            c.rejected.to_string(),
            c.timed_out.to_string(),
            c.failed_downstream.to_string(),
            f(if secs > 0.0 {
                Some(c.completed as f64 / secs)
            } else {
                None
            }),
            f(n.utilisation),
            f(n.mean_queue_len),
            f(Some(n.mean_present)),
            f(n.mean_wait_ms),
            f(n.sojourn.mean_ms),
            f(n.sojourn.p50_ms),
            f(n.sojourn.p95_ms),
            f(n.sojourn.p99_ms),
            f(n.hit_ratio),
            n.replicas.map_or(String::new(), |r| r.to_string()),
            n.workers.map_or(String::new(), |w| w.to_string()),
            f(Some(n.cost_per_hour)),
            c.errors.to_string(),
            c.retries.to_string(),
            c.gave_up.to_string(),
            c.short_circuited.to_string(),
            c.stale_reads.to_string(),
            c.coalesced.to_string(),
            c.processed.to_string(),
            c.redelivered.to_string(),
            c.dead_lettered.to_string(),
            n.backlog.map_or(String::new(), |b| b.to_string()),
            f(n.processing.and_then(|p| p.p99_ms)),
            n.data_at_risk.map_or(String::new(), |d| d.to_string()),
            c.data_lost.to_string(),
            c.call_timeouts.to_string(),
            c.acquire_timeouts.to_string(),
            n.waiting.map_or(String::new(), |w| w.to_string()),
            f(n.mean_waiting_ms),
            f(n.oldest_waiting_ms),
            c.shed.to_string(),
            n.data_at_risk
                .map_or(String::new(), |_| c.flushes_failed.to_string()),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Rows of `timeseries.csv` past which `check` and `run` warn.
pub const MANY_ROWS: f64 = 2e6;

/// Rows `timeseries.csv` will have for `model` (one per window and scope:
/// the system and each node), if the run goes to its end.
pub fn timeseries_rows(model: &Model) -> f64 {
    let windows = (model.duration.0 as f64 / model.window.0.max(1) as f64).ceil();
    windows * (model.nodes.len() + 1) as f64
}

/// A warning when `timeseries.csv` would have more than `MANY_ROWS` rows:
/// the figure and the `window` that brings it to a million.
pub fn rows_note(model: &Model) -> Option<String> {
    let rows = timeseries_rows(model);
    if rows <= MANY_ROWS {
        return None;
    }
    let per_row = model.duration.as_secs_f64() * (model.nodes.len() + 1) as f64 / 1e6;
    let window = SimTime::from_secs_f64(per_row.ceil().max(1.0)).min(model.duration);
    Some(format!(
        "note: timeseries.csv would have ~{rows:.2e} rows ({} / window {} = {:.2e} windows \
         × {} rows each, ~{:.1} GB); a longer window writes fewer: e.g. window = \"{window}\" \
         in [scenario] or --set scenario.window={window}",
        model.duration,
        model.window,
        rows / (model.nodes.len() + 1) as f64,
        model.nodes.len() + 1,
        rows * 85e-9,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_as_many_cells_as_the_header() {
        use crate::sim::SimTime;
        use crate::sim::metrics::{NodeWindow, SystemCounts};
        let info = RunInfo {
            scenario: "a, \"quoted\" name".into(),
            scenario_file: "f.toml".into(),
            seed: 1,
            duration: SimTime::from_secs(1),
            overrides: Vec::new(),
        };
        let node = NodeWindow {
            counts: Default::default(),
            utilisation: Some(0.5),
            mean_queue_len: None,
            mean_present: 0.0,
            sojourn: Default::default(),
            hit_ratio: None,
            workers: Some(2),
            replicas: Some(1),
            backlog: None,
            oldest_message_ms: None,
            processing: None,
            down: false,
        };
        let w = Window {
            start: SimTime::ZERO,
            end: SimTime::from_secs(1),
            counts: SystemCounts::default(),
            throughput_rps: 0.0,
            latency: Default::default(),
            in_flight: 0,
            cost_per_hour: 0.0,
            nodes: vec![node],
            tails: Vec::new(),
        };
        let mut ts =
            TimeseriesWriter::new(Vec::new(), &info, vec![("api".into(), "service")]).unwrap();
        ts.write_window(&w).unwrap();
        let text = String::from_utf8(ts.into_inner()).unwrap();
        let count = |line: &str| {
            // Commas outside quotes.
            let mut inside = false;
            line.chars()
                .filter(|&ch| {
                    if ch == '"' {
                        inside = !inside;
                    }
                    ch == ',' && !inside
                })
                .count()
                + 1
        };
        for line in text.lines() {
            assert_eq!(count(line), TIMESERIES_COLUMNS.len(), "{line}");
        }
    }

    #[test]
    fn cells_are_quoted_only_when_needed() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn non_finite_numbers_become_blank_cells() {
        assert_eq!(f(Some(f64::NAN)), "");
        assert_eq!(f(Some(f64::INFINITY)), "");
        assert_eq!(f(None), "");
        assert_eq!(f(Some(0.5)), "0.5");
    }
}
