//! `loadlab sweep`: run a scenario at each value of one field, points × replications in parallel, one CSV row per point with means and 95 % confidence half-widths.
//!
//! `--vary TARGET.FIELD=A..B[:STEP]` takes numbers (`api.replicas=1..6`,
//! `workload.0.rate=1000..5000:1000`, `db.keys.s=0.5..1.5:0.25`) or
//! durations (`api.service_time.mean=1ms..5ms:1ms`). Each value is applied
//! like `--set TARGET.FIELD=VALUE`, written in the unit and with the
//! decimals the user gave, so the scenario loader checks it exactly as it
//! checks a file. Replication `r` uses seed `base + r`.

mod plan;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::run::load;
use crate::report::csv::cell;
use crate::report::results;
use crate::scenario::units::UNITS;
use crate::sim::{Model, SimTime, Simulation, Summary};
use crate::{EXIT_FAILURE, EXIT_INVALID};

/// Most points one sweep may have.
const MAX_POINTS: usize = 1000;
/// Slices of simulated time per run: the progress bar moves and closed
/// windows are drained (memory stays flat on long runs).
pub(crate) const SLICES: u64 = 50;

#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    #[arg(required_unless_present = "merge")]
    pub file: Option<PathBuf>,
    /// The field to vary and its range, `TARGET.FIELD=A..B[:STEP]` (STEP
    /// defaults to 1 of the finest unit given), e.g. `api.replicas=1..6` or
    /// `api.service_time.mean=1ms..5ms:1ms`.
    #[arg(
        long,
        value_name = "TARGET.FIELD=A..B[:STEP]",
        required_unless_present = "merge"
    )]
    pub vary: Option<String>,
    /// Runs per point, with seeds SEED, SEED+1, ...
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: u32,
    /// The CSV to write (default `results/<scenario file>-sweep.csv`).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// Simulated duration of each run, e.g. `60s` (overrides the file's).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Base random seed (default: the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs at once (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Fixed changes applied to every point, as in `loadlab run --set`.
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Run nothing: write DIR/plan.json and print every point × replication
    /// as one `loadlab run ... --out DIR/pPPPP-rRRRR` command a line, for GNU
    /// parallel, Slurm or any batch runner; then `sweep --merge DIR`.
    #[arg(long, value_name = "DIR", conflicts_with = "merge")]
    pub plan: Option<PathBuf>,
    /// Read the runs of a `--plan` back (from one or more copies of its
    /// folder) and write the sweep's CSV and table as if it had run here.
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with_all = ["file", "vary"])]
    pub merge: Vec<PathBuf>,
}

/// A parsed `--vary`: the override's left side and the values, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Vary {
    /// `TARGET.FIELD`, e.g. `api.service_time.mean`.
    pub field: String,
    /// The node (or `scenario` / `workload`) the field belongs to.
    pub target: String,
    /// Each point's value, formatted for `--set`.
    pub values: Vec<String>,
}

/// A decimal number with an optional duration unit, held exactly:
/// `digits / 10^decimals` in `unit`.
#[derive(Clone, Copy, Debug)]
struct Quantity<'a> {
    digits: i128,
    decimals: u32,
    unit: Option<(&'a str, u64)>,
}

const VARY_FORM: &str = "expected --vary TARGET.FIELD=A..B[:STEP], e.g. \
    `--vary api.replicas=1..6`, `--vary workload.0.rate=1000..5000:1000` or \
    `--vary api.service_time.mean=1ms..5ms:1ms`";

fn parse_quantity<'a>(text: &'a str, what: &str) -> Result<Quantity<'a>, String> {
    let t = text.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(body.len());
    let (num, unit_text) = body.split_at(num_end);
    let unit_text = unit_text.trim();
    let bad = || {
        format!(
            "{what} `{t}` is not a number or a duration (a number followed by one of \
             ns, us, ms, s, m, h)"
        )
    };
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
        return Err(bad());
    }
    let unit = if unit_text.is_empty() {
        None
    } else {
        let u = UNITS
            .iter()
            .find(|(u, _)| *u == unit_text)
            .ok_or_else(bad)?;
        Some(*u)
    };
    if negative && unit.is_some() {
        return Err(format!("{what} `{t}` is a negative duration"));
    }
    let mut digits: i128 = 0;
    let mut decimals = 0u32;
    let too_large = || format!("{what} `{t}` has too many digits");
    for c in int_part.chars().filter(|&c| c != '_') {
        digits = digits
            .checked_mul(10)
            .and_then(|d| d.checked_add(i128::from(c.to_digit(10).unwrap_or(0))))
            .ok_or_else(too_large)?;
    }
    for c in frac_part.chars().filter(|&c| c != '_') {
        digits = digits
            .checked_mul(10)
            .and_then(|d| d.checked_add(i128::from(c.to_digit(10).unwrap_or(0))))
            .ok_or_else(too_large)?;
        decimals += 1;
    }
    if decimals > 12 {
        return Err(format!("{what} `{t}` has more than 12 decimals"));
    }
    Ok(Quantity {
        digits: if negative { -digits } else { digits },
        decimals,
        unit,
    })
}

/// `digits / 10^decimals` with exactly `decimals` decimals.
fn format_fixed(digits: i128, decimals: u32) -> String {
    let sign = if digits < 0 { "-" } else { "" };
    let abs = digits.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    let p = 10u128.pow(decimals);
    format!(
        "{sign}{}.{:0width$}",
        abs / p,
        abs % p,
        width = decimals as usize
    )
}

/// Parses `TARGET.FIELD=A..B[:STEP]` into the values to run.
pub(crate) fn parse_vary(text: &str) -> Result<Vary, String> {
    let Some((lhs, rhs)) = text.split_once('=') else {
        return Err(format!("`{text}` has no `=`; {VARY_FORM}"));
    };
    let field = lhs.trim();
    let pieces: Vec<&str> = field.split('.').map(str::trim).collect();
    if pieces.len() < 2 || pieces.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{field}` is not TARGET.FIELD (a node id, `scenario` or `workload.<name>`, a dot, a field); {VARY_FORM}"
        ));
    }
    let (range, step) = match rhs.rsplit_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (rhs, None),
    };
    let Some((a, b)) = range.split_once("..") else {
        return Err(format!("`{rhs}` is not a range A..B[:STEP]; {VARY_FORM}"));
    };
    let a = parse_quantity(a, "the start")?;
    let b = parse_quantity(b, "the end")?;
    let step = step.map(|s| parse_quantity(s, "the step")).transpose()?;

    let all: Vec<Quantity<'_>> = [Some(a), Some(b), step].into_iter().flatten().collect();
    let with_unit = all.iter().filter(|q| q.unit.is_some()).count();
    if with_unit != 0 && with_unit != all.len() {
        return Err(format!(
            "`{rhs}` mixes durations and plain numbers: give every part a unit, e.g. 1ms..5ms:1ms"
        ));
    }
    // Common scale: the most decimals and the finest unit given.
    let decimals = all.iter().map(|q| q.decimals).max().unwrap_or(0);
    let finest = all.iter().filter_map(|q| q.unit).min_by_key(|&(_, ns)| ns);
    let scaled = |q: &Quantity<'_>| -> Option<i128> {
        let by_unit = match (q.unit, finest) {
            (Some((_, ns)), Some((_, f))) => i128::from(ns / f),
            _ => 1,
        };
        q.digits
            .checked_mul(10i128.checked_pow(decimals - q.decimals)?)?
            .checked_mul(by_unit)
    };
    let overflow = || format!("`{rhs}` is too large a range");
    let lo = scaled(&a).ok_or_else(overflow)?;
    let hi = scaled(&b).ok_or_else(overflow)?;
    let inc = match &step {
        Some(s) => scaled(s).ok_or_else(overflow)?,
        None => 10i128.pow(decimals),
    };
    if inc <= 0 {
        return Err(format!("the step in `{rhs}` must be greater than 0"));
    }
    if lo > hi {
        return Err(format!(
            "the range `{rhs}` goes down: write the smaller value first"
        ));
    }
    let points = (hi - lo) / inc + 1;
    if points > MAX_POINTS as i128 {
        return Err(format!(
            "`{rhs}` gives {points} points, more than {MAX_POINTS}: use a larger step"
        ));
    }
    let unit = finest.map_or("", |(u, _)| u);
    let values = (0..points)
        .map(|i| format!("{}{unit}", format_fixed(lo + i * inc, decimals)))
        .collect();
    Ok(Vary {
        field: pieces.join("."),
        target: pieces[0].to_string(),
        values,
    })
}

/// Student t quantile 0.975 for `df` degrees of freedom.
pub(crate) fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish-Fisher expansion around the normal quantile.
            let z: f64 = 1.959_963_984_540_054;
            let n = df as f64;
            let (z3, z5, z7) = (z * z * z, z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * n)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
        }
    }
}

/// Mean and 95 % half-width (Student t) of the values present; the
/// half-width needs two or more.
pub(crate) fn mean_ci(xs: &[Option<f64>]) -> (Option<f64>, Option<f64>) {
    let v: Vec<f64> = xs
        .iter()
        .flatten()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if v.is_empty() {
        return (None, None);
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (Some(mean), None);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (Some(mean), Some(t975(v.len() - 1) * (var / n).sqrt()))
}

/// The figures kept from one run.
#[derive(Clone, Copy, Debug)]
struct RunFigures {
    throughput: Option<f64>,
    mean: Option<f64>,
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
    error_rate: Option<f64>,
    utilisation: Option<f64>,
}

impl RunFigures {
    /// A run's figures from its `summary.json` (what `--merge` reads).
    fn from_summary_json(v: &serde_json::Value, target: &str) -> Self {
        let f = |x: &serde_json::Value| x.as_f64();
        let l = &v["latency_ms"];
        RunFigures {
            throughput: f(&v["throughput_rps"]),
            mean: f(&l["mean"]),
            p50: f(&l["p50"]),
            p95: f(&l["p95"]),
            p99: f(&l["p99"]),
            error_rate: f(&v["error_rate"]),
            utilisation: f(&v["nodes"][target]["utilisation"]),
        }
    }

    fn of(s: &Summary, target: &str) -> Self {
        RunFigures {
            throughput: Some(s.throughput_rps),
            mean: s.latency.mean_ms,
            p50: s.latency.p50_ms,
            p95: s.latency.p95_ms,
            p99: s.latency.p99_ms,
            error_rate: s.error_rate,
            utilisation: s
                .nodes
                .iter()
                .find(|n| n.id == target)
                .and_then(|n| n.utilisation),
        }
    }
}

/// The metrics in CSV order: column stem and how to read it from a run.
type Metric = (&'static str, fn(&RunFigures) -> Option<f64>);
const METRICS: [Metric; 7] = [
    ("throughput_rps", |r| r.throughput),
    ("mean_ms", |r| r.mean),
    ("p50_ms", |r| r.p50),
    ("p95_ms", |r| r.p95),
    ("p99_ms", |r| r.p99),
    ("error_rate", |r| r.error_rate),
    ("utilisation", |r| r.utilisation),
];

/// `jobs` threads (default: one per core), or `None` after saying why not.
pub(crate) fn worker_pool(jobs: Option<u32>) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.map_or(0, |j| j as usize))
        .build()
        .map_err(|e| eprintln!("error: cannot start worker threads: {e}"))
        .ok()
}

/// A progress bar on stderr over `runs` runs of `SLICES` steps each.
pub(crate) fn runs_bar(runs: usize, verb: &str) -> ProgressBar {
    let bar =
        ProgressBar::with_draw_target(Some(runs as u64 * SLICES), ProgressDrawTarget::stderr());
    let template = format!("{{spinner}} {verb} [{{bar:40}}] {{percent}}%  eta {{eta}}  {{msg}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Runs one replication to the model's end, draining windows as it goes.
pub(crate) fn run_one(model: &Model, seed: u64, bar: &ProgressBar) -> Summary {
    let end = model.duration;
    let mut sim = Simulation::new(model.clone(), seed);
    for k in 1..=SLICES {
        let t = (u128::from(end.0) * u128::from(k) / u128::from(SLICES)) as u64;
        let _ = sim.run_until_draining(SimTime(t), |_windows| Ok::<_, ()>(()));
        bar.inc(1);
    }
    sim.summary()
}

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// The CSV text: a header, then one row per point.
fn csv_text(plan: &plan::Plan, rows: &[Vec<RunFigures>]) -> String {
    let mut out = String::from(
        "loadlab_version,scenario,scenario_file,seed,replications,duration_s,field,value",
    );
    for (name, _) in METRICS {
        let _ = write!(out, ",{name},{name}_ci95");
    }
    out.push('\n');
    for (value, runs) in plan.values.iter().zip(rows) {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{}",
            crate::VERSION,
            cell(&plan.scenario),
            cell(&plan.scenario_file),
            plan.seed,
            plan.replications,
            SimTime(plan.duration_ns).as_secs_f64(),
            cell(&plan.field),
            cell(value),
        );
        for (_, get) in METRICS {
            let xs: Vec<Option<f64>> = runs.iter().map(get).collect();
            let (m, h) = mean_ci(&xs);
            let _ = write!(out, ",{},{}", num(m), num(h));
        }
        out.push('\n');
    }
    out
}

fn pm(x: (Option<f64>, Option<f64>), digits: usize) -> String {
    match x {
        (Some(m), Some(h)) => format!("{m:.digits$} ± {h:.digits$}"),
        (Some(m), None) => format!("{m:.digits$}"),
        _ => "-".into(),
    }
}

/// The terminal table: one line per point.
fn table(vary: &Vary, rows: &[Vec<RunFigures>]) -> String {
    let width = vary
        .values
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!(
        "{:<width$}  {:>22}  {:>20}  {:>20}  {:>18}\n",
        "value", "throughput (req/s)", "p99 (ms)", "error rate", "utilisation"
    );
    let col = |runs: &[RunFigures], i: usize| {
        let xs: Vec<Option<f64>> = runs.iter().map(METRICS[i].1).collect();
        mean_ci(&xs)
    };
    for (value, runs) in vary.values.iter().zip(rows) {
        let _ = writeln!(
            out,
            "{value:<width$}  {:>22}  {:>20}  {:>20}  {:>18}",
            pm(col(runs, 0), 1),
            pm(col(runs, 4), 2),
            pm(col(runs, 5), 4),
            pm(col(runs, 6), 3),
        );
    }
    out
}

pub fn sweep(args: &SweepArgs) -> i32 {
    if !args.merge.is_empty() {
        return merge(args);
    }
    let (Some(file), Some(vary)) = (&args.file, &args.vary) else {
        eprintln!("error: sweep needs a scenario file and --vary (or --merge DIR)");
        return EXIT_INVALID;
    };
    let vary = match parse_vary(vary) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: bad --vary: {e}");
            return EXIT_INVALID;
        }
    };
    let models = match load_points(args, file, &vary) {
        Ok(m) => m,
        Err(text) => {
            eprint!("{text}");
            return EXIT_INVALID;
        }
    };
    let Some(first) = models.first() else {
        eprintln!("error: bad --vary: no points");
        return EXIT_INVALID;
    };
    let seed = args.seed.unwrap_or(first.seed);
    let plan = match plan::Plan::new(args, &vary, first, seed) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    match &args.plan {
        Some(dir) => print_plan(&plan, dir),
        None => run_here(args, &plan, &models),
    }
}

/// `--plan DIR`: writes the plan, prints the commands, runs nothing.
fn print_plan(plan: &plan::Plan, dir: &Path) -> i32 {
    match plan::write_plan(plan, dir) {
        Ok(lines) => {
            print!("{lines}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

/// `--merge DIR…`: the CSV and table from the runs of a plan.
fn merge(args: &SweepArgs) -> i32 {
    let (plan, rows) = match plan::merge(&args.merge) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot merge: {e}");
            return EXIT_FAILURE;
        }
    };
    let runs = plan.values.len() * plan.replications as usize;
    let how = format!("{runs} runs merged from {} folder(s)", args.merge.len());
    write_results(args, &plan, &rows, &how)
}

/// Runs every point here, on `--jobs` threads.
#[allow(clippy::disallowed_methods)] // wall clock: the "runs in Xs" line only
fn run_here(args: &SweepArgs, plan: &plan::Plan, models: &[Model]) -> i32 {
    let Some(pool) = worker_pool(args.jobs) else {
        return EXIT_FAILURE;
    };
    let reps = args.replications as usize;
    let started = Instant::now();
    let rows = run_points(&pool, models, reps, plan.seed, &plan.target);
    let how = format!(
        "{} runs ({} points × {reps}) in {:.2}s wall on {} threads",
        models.len() * reps,
        models.len(),
        started.elapsed().as_secs_f64(),
        pool.current_num_threads(),
    );
    write_results(args, plan, &rows, &how)
}

/// Writes the CSV (`--out` or `results/<file>-sweep.csv`) and prints the table.
fn write_results(args: &SweepArgs, plan: &plan::Plan, rows: &[Vec<RunFigures>], how: &str) -> i32 {
    let out = args.out.clone().unwrap_or_else(|| {
        results::default_path(Some(Path::new(&plan.scenario_file)), |stem| {
            format!("{stem}-sweep.csv")
        })
    });
    if let Err(e) = results::write_file(&out, csv_text(plan, rows).as_bytes()) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return EXIT_FAILURE;
    }
    print!("{}", table(&plan.vary(), rows));
    println!("\n{how}; results in {}", out.display());
    0
}

/// Builds (and so validates) every point's model before running any; the
/// diagnostics of the first point refused otherwise.
fn load_points(args: &SweepArgs, file: &Path, vary: &Vary) -> Result<Vec<Model>, String> {
    let mut models = Vec::with_capacity(vary.values.len());
    for value in &vary.values {
        let mut set = args.set.clone();
        set.push(format!("{}={value}", vary.field));
        let model = load(file, args.duration.as_deref(), &set).map_err(|text| {
            // 1..2:0.5 on a count: the range's decimals reach every point.
            let whole = if text.contains("expected an integer") && value.contains('.') {
                "\nhint: this field takes whole numbers: give the range and step without decimals, e.g. 1..8:1"
            } else {
                ""
            };
            format!("{text}(at --vary {}={value}){whole}\n", vary.field)
        })?;
        models.push(model);
    }
    Ok(models)
}

/// Runs every point `reps` times on `pool` (replication `r` with seed
/// `seed + r`), with a progress bar; one row of figures per point, in
/// point order whatever order the runs finish in.
fn run_points(
    pool: &rayon::ThreadPool,
    models: &[Model],
    reps: usize,
    seed: u64,
    target: &str,
) -> Vec<Vec<RunFigures>> {
    let tasks: Vec<(usize, usize)> = (0..models.len())
        .flat_map(|p| (0..reps).map(move |r| (p, r)))
        .collect();
    let bar = runs_bar(tasks.len(), "sweeping");
    bar.set_message(format!(
        "{} points × {reps} runs on {} threads",
        models.len(),
        pool.current_num_threads()
    ));
    let figures: Vec<RunFigures> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(p, r)| {
                let s = run_one(&models[p], seed.wrapping_add(r as u64), &bar);
                RunFigures::of(&s, target)
            })
            .collect()
    });
    bar.finish_and_clear();
    figures.chunks(reps).map(<[_]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_range_defaults_to_step_one() {
        let v = parse_vary("api.replicas=1..4").unwrap();
        assert_eq!(v.field, "api.replicas");
        assert_eq!(v.target, "api");
        assert_eq!(v.values, ["1", "2", "3", "4"]);
    }

    #[test]
    fn durations_keep_the_unit_given() {
        let v = parse_vary("api.service_time.mean=1ms..5ms:1ms").unwrap();
        assert_eq!(v.values, ["1ms", "2ms", "3ms", "4ms", "5ms"]);
        let v = parse_vary("api.timeout=500ms..1s:250ms").unwrap();
        assert_eq!(v.values, ["500ms", "750ms", "1000ms"]);
        let v = parse_vary("api.service_time.mean=1ms..2ms:0.5ms").unwrap();
        assert_eq!(v.values, ["1.0ms", "1.5ms", "2.0ms"]);
    }

    #[test]
    fn decimals_are_exact_and_kept() {
        let v = parse_vary("workload.users.keys.s=0.5..1.1:0.3").unwrap();
        assert_eq!(v.values, ["0.5", "0.8", "1.1"]);
        assert_eq!(v.target, "workload");
        let v = parse_vary("workload.0.rate=1000..3000:1000").unwrap();
        assert_eq!(v.values, ["1000", "2000", "3000"]);
    }

    #[test]
    fn bad_syntax_is_explained() {
        for bad in [
            "api.replicas",
            "replicas=1..3",
            "api.=1..3",
            "api.replicas=1-3",
            "api.replicas=3..1",
            "api.replicas=1..3:0",
            "api.replicas=1..3:-1",
            "api.service_time.mean=1ms..5:1ms",
            "api.service_time.mean=1ms..5parsecs",
            "api.replicas=a..b",
            "api.replicas=1..100000",
        ] {
            let e = parse_vary(bad).expect_err(bad);
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn confidence_half_width_uses_student_t() {
        let (m, h) = mean_ci(&[Some(1.0), Some(2.0), Some(3.0)]);
        assert_eq!(m, Some(2.0));
        // sd = 1, n = 3: t(2) × 1 / √3.
        assert!((h.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(mean_ci(&[Some(5.0), None]), (Some(5.0), None));
        assert_eq!(mean_ci(&[None]), (None, None));
        assert!((t975(30) - 2.042).abs() < 1e-3);
        assert!((t975(31) - 2.0395).abs() < 1e-3);
        assert!((t975(1000) - 1.9623).abs() < 1e-3);
    }
}
