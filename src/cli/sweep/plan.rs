//! `sweep --plan DIR` prints every point × replication as one self-contained `loadlab run` command a line (for GNU parallel, Slurm or any batch runner); `sweep --merge DIR…` reads their results back into the sweep's CSV.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cli::sweep::{RunFigures, SweepArgs, Vary};
use crate::report::results;
use crate::sim::Model;

/// The plan's own file in DIR: what was swept, so `--merge` needs only DIR.
pub const PLAN_FILE: &str = "plan.json";

/// Everything `--merge` needs to rebuild the sweep's CSV.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub loadlab_version: String,
    /// The scenario file as given on the command line (the CSV's column).
    pub scenario_file: String,
    /// Its absolute path (what the commands run).
    pub scenario_path: PathBuf,
    /// The scenario's name.
    pub scenario: String,
    pub field: String,
    pub target: String,
    pub values: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    pub duration_ns: u64,
    /// `--duration` as given, if it was.
    pub duration: Option<String>,
    pub set: Vec<String>,
}

impl Plan {
    pub fn new(args: &SweepArgs, vary: &Vary, first: &Model, seed: u64) -> Result<Plan, String> {
        let file = args.file.clone().unwrap_or_default();
        let scenario_path = std::path::absolute(&file)
            .map_err(|e| format!("cannot resolve {}: {e}", file.display()))?;
        Ok(Plan {
            loadlab_version: crate::VERSION.into(),
            scenario_file: file.display().to_string(),
            scenario_path,
            scenario: first.name.clone(),
            field: vary.field.clone(),
            target: vary.target.clone(),
            values: vary.values.clone(),
            seed,
            replications: args.replications,
            duration_ns: first.duration.0,
            duration: args.duration.clone(),
            set: args.set.clone(),
        })
    }

    pub fn vary(&self) -> Vary {
        Vary {
            field: self.field.clone(),
            target: self.target.clone(),
            values: self.values.clone(),
        }
    }

    /// The results folder of point `p`, replication `r`, under `dir`.
    pub fn run_dir(dir: &Path, p: usize, r: u32) -> PathBuf {
        dir.join(format!("p{p:04}-r{r:04}"))
    }

    /// The seed of replication `r` (as `sweep` runs it).
    pub fn seed_of(&self, r: u32) -> u64 {
        self.seed.wrapping_add(u64::from(r))
    }

    /// The `--set` list of point `p`: the fixed changes, then the varied field.
    fn sets(&self, p: usize) -> Vec<String> {
        let mut set = self.set.clone();
        set.push(format!("{}={}", self.field, self.values[p]));
        set
    }

    /// The overrides `loadlab run` records in the summary of point `p`.
    fn overrides(&self, p: usize) -> Vec<String> {
        self.duration
            .iter()
            .map(|d| format!("scenario.duration={d}"))
            .chain(self.sets(p))
            .collect()
    }

    /// One shell line: `loadlab run` for point `p`, replication `r`.
    pub fn command(&self, exe: &Path, dir: &Path, p: usize, r: u32) -> String {
        let mut words = vec![
            exe.display().to_string(),
            "run".into(),
            self.scenario_path.display().to_string(),
            "--seed".into(),
            self.seed_of(r).to_string(),
        ];
        if let Some(d) = &self.duration {
            words.extend(["--duration".into(), d.clone()]);
        }
        for s in self.sets(p) {
            words.extend(["--set".into(), s]);
        }
        words.extend([
            "--out".into(),
            Plan::run_dir(dir, p, r).display().to_string(),
            "--force".into(),
        ]);
        words
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `w` as one POSIX shell word: bare when it holds only safe characters,
/// single-quoted otherwise.
pub fn shell_word(w: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// Writes `dir/plan.json` and returns the command lines, one per run.
pub fn write_plan(plan: &Plan, dir: &Path) -> Result<String, String> {
    let dir =
        std::path::absolute(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut text = serde_json::to_string_pretty(plan).map_err(|e| e.to_string())?;
    text.push('\n');
    let file = dir.join(PLAN_FILE);
    results::write_file(&file, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let mut lines = String::new();
    for p in 0..plan.values.len() {
        for r in 0..plan.replications {
            let _ = writeln!(lines, "{}", plan.command(&exe, &dir, p, r));
        }
    }
    Ok(lines)
}

/// Reads the plan in each of `dirs` (all must be the same sweep) and every
/// run's `summary.json` found in any of them: the plan and the figures per
/// point, in point order. Names every run missing or not as planned.
pub fn merge(dirs: &[PathBuf]) -> Result<(Plan, Vec<Vec<RunFigures>>), String> {
    let mut plan: Option<Plan> = None;
    for dir in dirs {
        let file = dir.join(PLAN_FILE);
        let text = std::fs::read_to_string(&file).map_err(|e| {
            format!(
                "cannot read {}: {e} (is it a `sweep --plan` folder?)",
                file.display()
            )
        })?;
        let this: Plan = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a sweep plan: {e}", file.display()))?;
        match &plan {
            Some(p) if *p != this => {
                return Err(format!(
                    "{} is another sweep than {} (plans differ)",
                    dir.display(),
                    dirs[0].display()
                ));
            }
            _ => plan = Some(this),
        }
    }
    let plan = plan.ok_or("no folder to merge")?;
    let mut rows = Vec::with_capacity(plan.values.len());
    let mut missing = Vec::new();
    for p in 0..plan.values.len() {
        let mut runs = Vec::with_capacity(plan.replications as usize);
        for r in 0..plan.replications {
            match find_run(&plan, dirs, p, r)? {
                Some(f) => runs.push(f),
                None => missing.push(format!(
                    "{}={} seed {}",
                    plan.field,
                    plan.values[p],
                    plan.seed_of(r)
                )),
            }
        }
        rows.push(runs);
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} runs have no results yet: {}{}",
            missing.len(),
            plan.values.len() * plan.replications as usize,
            missing
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() > 5 { ", ..." } else { "" }
        ));
    }
    Ok((plan, rows))
}

/// The figures of run (`p`, `r`) from the first folder that has them,
/// checked against the plan (seed and `--set`s).
fn find_run(plan: &Plan, dirs: &[PathBuf], p: usize, r: u32) -> Result<Option<RunFigures>, String> {
    for dir in dirs {
        let file = Plan::run_dir(dir, p, r).join("summary.json");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a summary: {e}", file.display()))?;
        let seed = v["seed"].as_u64();
        let sets: Option<Vec<&str>> = v["overrides"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let planned = plan.overrides(p);
        if seed != Some(plan.seed_of(r))
            || sets != Some(planned.iter().map(String::as_str).collect())
        {
            return Err(format!(
                "{}: not the run planned (seed {:?}, overrides {:?}; planned seed {} with {:?})",
                file.display(),
                seed,
                sets,
                plan.seed_of(r),
                planned
            ));
        }
        return Ok(Some(RunFigures::from_summary_json(&v, &plan.target)));
    }
    Ok(None)
}
