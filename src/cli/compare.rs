//! `loadlab compare A.toml B.toml`: both designs on common random numbers (replication r of each with seed SEED + r), in parallel; paired differences with 95 % intervals.

mod paired;

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::run::load;
use crate::cli::sweep::{run_one, runs_bar, worker_pool};
use crate::sim::{Model, Summary};
use crate::{EXIT_FAILURE, EXIT_INVALID};

#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    /// Design A (the baseline), a scenario file.
    pub a: std::path::PathBuf,
    /// Design B, compared with A (differences are B − A).
    pub b: std::path::PathBuf,
    /// A change applied to both designs, as in `loadlab run --set`.
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Runs of each design, with seeds SEED, SEED+1, ... (the same for both).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: u32,
    /// Base random seed (default: A's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated duration of every run, e.g. `30s` (overrides both files').
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Runs at once (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Print the comparison as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Loads one design, naming it in the diagnostics' last line.
fn load_design(args: &CompareArgs, file: &Path, name: &str) -> Result<Model, String> {
    load(file, args.duration.as_deref(), &args.set)
        .map_err(|text| format!("{text}(design {name}: {})\n", file.display()))
}

#[allow(clippy::disallowed_methods)] // wall clock: the "Xs wall" line only
pub fn compare(args: &CompareArgs) -> i32 {
    let designs =
        load_design(args, &args.a, "A").and_then(|a| Ok((a, load_design(args, &args.b, "B")?)));
    let (a, b) = match designs {
        Ok(x) => x,
        Err(text) => {
            eprint!("{text}");
            return EXIT_INVALID;
        }
    };
    let Some(pool) = worker_pool(args.jobs) else {
        return EXIT_FAILURE;
    };
    let seed = args.seed.unwrap_or(a.seed);
    let reps = args.replications as usize;
    let started = Instant::now();
    let (ra, rb) = run_both(&pool, [&a, &b], reps, seed);
    let rows: Vec<paired::Paired> = paired::figures(&a, &b)
        .into_iter()
        .map(|m| paired::pair(m, &ra, &rb))
        .collect();
    if args.json {
        let v = serde_json::json!({
            "loadlab_version": crate::VERSION,
            "a": args.a.display().to_string(),
            "b": args.b.display().to_string(),
            "overrides": args.set,
            "seed": seed,
            "replications": reps,
            "figures": paired::json(&rows),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("A = {}\nB = {}", args.a.display(), args.b.display());
        print!("{}", paired::table(&rows));
        println!(
            "\n{reps} replications of each on common random numbers (seeds {seed}..={}), \
             {:.2}s wall; B − A's interval is Student t on the paired differences",
            seed.wrapping_add(reps as u64 - 1),
            started.elapsed().as_secs_f64()
        );
    }
    0
}

/// Runs replication r of each design with seed `seed + r` on `pool`;
/// the summaries of A and of B, in replication order.
fn run_both(
    pool: &rayon::ThreadPool,
    designs: [&Model; 2],
    reps: usize,
    seed: u64,
) -> (Vec<Summary>, Vec<Summary>) {
    let tasks: Vec<(usize, usize)> = (0..2)
        .flat_map(|d| (0..reps).map(move |r| (d, r)))
        .collect();
    let bar = runs_bar(tasks.len(), "comparing");
    let mut all: Vec<Summary> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(d, r)| run_one(designs[d], seed.wrapping_add(r as u64), &bar))
            .collect()
    });
    bar.finish_and_clear();
    let rb = all.split_off(reps);
    (all, rb)
}
