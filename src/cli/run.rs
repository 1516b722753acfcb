//! `loadlab run`: load a scenario, run it headless with a progress bar, print the summary, write the results folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::html::{self, Reproduce};
use crate::report::results::{self, Results, WriteError};
use crate::report::traces as report_traces;
use crate::report::{RunInfo, objectives, table};
use crate::scenario;
use crate::sim::spans::SpanConfig;
use crate::sim::{Model, SimTime, Simulation};
use crate::{EXIT_FAILURE, EXIT_INVALID};

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Random seed (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated duration, e.g. `60s`, `10m` (overrides the file's `duration`).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Change a field before running, e.g. `--set api.replicas=5`
    /// (repeatable; see docs/scenario-format.md).
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Results folder (default `results/<scenario file>-<seed>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the summary as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Replace results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Follow sampled requests hop by hop: write `traces.json` (Chrome
    /// trace-event format: Perfetto, chrome://tracing) with the slowest,
    /// and `p99_by_hop` (where the slowest 1 % spend their time) in
    /// summary.json and the summary. Results do not change.
    #[arg(long)]
    pub traces: bool,
    /// With `--traces`: sample one request in N (by sequence number).
    #[arg(long, value_name = "N", default_value_t = 10, requires = "traces",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub trace_every: u64,
    /// Also write `report.html`: one self-contained page (charts, the
    /// design, objectives, nodes, what happened, how to reproduce it)
    /// that opens offline in any browser.
    #[arg(long)]
    pub report: bool,
}

/// The slowest sampled requests `--traces` keeps (and writes).
pub const TRACES_KEPT: usize = 1000;

/// Loads the scenario with `--duration` and `--set` applied.
pub fn load(file: &Path, duration: Option<&str>, set: &[String]) -> Result<Model, String> {
    const DURATION: &str = "scenario.duration=";
    let mut overrides = Vec::new();
    if let Some(d) = duration {
        if d.trim().is_empty() {
            return Err(scenario::render(&[scenario::Diagnostic {
                file: "--duration".into(),
                line: 1,
                column: 1,
                path: "scenario.duration".into(),
                message: "no duration given".into(),
                hint: Some("e.g. --duration 60s or --duration 10m".into()),
            }]));
        }
        overrides.push(format!("{DURATION}{d}"));
    }
    overrides.extend(set.iter().cloned());
    scenario::load_file(file, &overrides).map_err(|mut diags| {
        // `--duration` is applied as the first override: its mistakes are
        // shown as `--duration:1:COLUMN` (in its value), not as a `--set`
        // the user never wrote.
        let also_set = set
            .iter()
            .any(|o| o.trim_start().starts_with("scenario.duration"));
        if duration.is_some() && !also_set {
            for d in &mut diags {
                if d.file == "--set" && d.path == "scenario.duration" {
                    d.file = "--duration".into();
                    d.column = d.column.saturating_sub(DURATION.len()).max(1);
                }
            }
        }
        scenario::render(&diags)
    })
}

pub fn run(args: &RunArgs) -> i32 {
    let model = match load(&args.file, args.duration.as_deref(), &args.set) {
        Ok(m) => m,
        Err(text) => {
            eprint!("{text}");
            return EXIT_INVALID;
        }
    };
    let seed = args.seed.unwrap_or(model.seed);
    let out = args.out.clone().unwrap_or_else(|| {
        results::default_path(Some(&args.file), |stem| format!("{stem}-{seed}"))
    });
    let info = RunInfo {
        scenario: model.name.clone(),
        scenario_file: args.file.display().to_string(),
        seed,
        duration: model.duration,
        overrides: args
            .duration
            .iter()
            .map(|d| format!("scenario.duration={d}"))
            .chain(args.set.iter().cloned())
            .collect(),
    };
    if !args.force
        && let Some(f) = results::FILES
            .iter()
            .chain(args.traces.then_some(&"traces.json"))
            .chain(args.report.then_some(&html::FILE))
            .map(|f| out.join(f))
            .find(|p| p.exists())
    {
        eprintln!(
            "error: {} already exists: pass --force to replace these results, or choose another --out",
            f.display()
        );
        return EXIT_INVALID;
    }
    let traces = args.traces.then_some(args.trace_every);
    let report = args.report.then(|| {
        // The text the run loaded (the file itself; overrides are in the command).
        let text = fs::read_to_string(&args.file).unwrap_or_default();
        Reproduce::for_run(&info, text)
    });
    match execute(model, &info, &out, args.json, (traces, report)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

/// Tells the user up front when a run will take long (or hit the event cap).
fn warn_if_huge(model: &Model) {
    let secs = model.duration.as_secs_f64();
    let requests: f64 = model
        .workloads
        .iter()
        .map(|w| {
            let peak = match w.arrival {
                crate::sim::model::Arrival::Poisson { rate }
                | crate::sim::model::Arrival::Constant { rate } => {
                    w.phases.iter().map(|p| p.rate).fold(rate, f64::max)
                }
                crate::sim::model::Arrival::Closed { users, .. } => f64::from(users) * 1000.0,
            };
            peak * secs
        })
        .sum();
    // About five events per request through a few nodes.
    let events = requests * 5.0;
    if requests > 20e6 {
        eprintln!(
            "note: up to ~{:.3e} requests to simulate (~{:.1e} events); this may take a while",
            requests, events
        );
    }
    if let Some(note) = crate::report::csv::rows_note(model) {
        eprintln!("{note}");
    }
    if events > model.limits.max_events as f64 {
        eprintln!(
            "note: the run will likely stop early at max_events = {} (raise it with \
             --set scenario.max_events=N, or lower the rate or duration)",
            model.limits.max_events
        );
    }
}

/// Runs to the end, streaming windows to `timeseries.csv`, then writes the
/// summary files and prints the summary.
#[allow(clippy::disallowed_methods)] // wall clock: the "events in Xs" line only
fn execute(
    model: Model,
    info: &RunInfo,
    out: &Path,
    json: bool,
    (traces, report): (Option<u64>, Option<Reproduce>),
) -> Result<(), String> {
    fs::create_dir_all(out)
        .map_err(|e| format!("cannot create results folder {}: {e}", out.display()))?;
    let io_err =
        |e: WriteError| format!("cannot write {} in {}: {}", e.file, out.display(), e.error);
    let objectives_spec = model.objectives.clone();
    warn_if_huge(&model);
    let mut sim = Simulation::new(model, info.seed);
    sim.set_spans(traces.map(|one_in| SpanConfig::slowest(one_in, TRACES_KEPT)));
    let mut files = Results::create(out, info, sim.model()).map_err(io_err)?;
    if let Some(r) = report {
        files = files.with_report(sim.model(), r);
    }
    let started = Instant::now();
    simulate(&mut sim, &mut files, started).map_err(io_err)?;

    let summary = sim.summary();
    let results = objectives::evaluate(&objectives_spec, &summary);
    let spans = traces.map(|_| sim.span_report());
    let extra = spans.as_ref().map(|r| {
        let by_hop = report_traces::p99_by_hop(r, sim.model());
        let file = report_traces::traces_json(r, sim.model(), info);
        ("p99_by_hop", by_hop, "traces.json", file)
    });
    let (json_text, happened) = files
        .finish_with(&summary, &results, extra)
        .map_err(io_err)?;

    let mut stdout = std::io::stdout().lock();
    let text = if json {
        json_text
    } else {
        let mut t = table::render(info, &summary, &results);
        if let Some(r) = &spans {
            t.push_str(&report_traces::table(r, sim.model()));
        }
        t.push_str(&table::what_happened(&happened));
        t.push_str(&format!(
            "\n{} events in {:.2}s wall; results in {}\n",
            sim.events_processed(),
            started.elapsed().as_secs_f64(),
            out.display()
        ));
        t
    };
    let _ = stdout.write_all(text.as_bytes());
    Ok(())
}

/// Advances to the model's end in slices of simulated time, so the bar
/// moves (shown once the run has taken a wall second) and windows are
/// written as they close (memory stays flat on long runs).
#[allow(clippy::disallowed_methods)] // wall clock: the progress bar only
fn simulate(sim: &mut Simulation, files: &mut Results, started: Instant) -> Result<(), WriteError> {
    let duration = sim.model().duration;
    let bar = ProgressBar::with_draw_target(Some(duration.0), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulating [{bar:40}] {percent}%  eta {eta}  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut shown = false;
    let slices = 200u64;
    let slice = SimTime((duration.0 / slices).max(1));
    let mut t = SimTime::ZERO;
    while t < duration {
        t = t.saturating_add(slice).min(duration);
        sim.run_until_draining(t, |w| files.write_windows(&w))?;
        if !shown && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_position(t.0);
        bar.set_message(format!("{} events", sim.events_processed()));
        if sim.stopped().is_some() {
            break;
        }
    }
    bar.finish_and_clear();
    sim.flush_window();
    if let Some(reason) = sim.stopped() {
        eprintln!("warning: {reason}");
    }
    files.write_windows(&sim.take_windows())
}
