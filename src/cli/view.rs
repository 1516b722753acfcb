//! `loadlab view`: open the window on a scenario (feature `gui`), optionally take a screenshot or measure frame times, then exit.

use std::path::PathBuf;

use crate::EXIT_INVALID;
use crate::scenario::units;

#[derive(clap::Args, Debug, Clone)]
pub struct ViewArgs {
    /// The scenario file (TOML).
    #[arg(default_value = "scenarios/url-shortener.toml")]
    pub file: PathBuf,
    /// Simulated seconds per wall second (0.1 to 1000).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Random seed (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Change a field before running, e.g. `--set api.replicas=1` (repeatable).
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Save a PNG of the window once the simulation reaches `--after`, then exit.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// Record an animated GIF of the picture (without the panels) from
    /// `--after` for `--gif-secs` wall seconds, then exit.
    #[arg(long, value_name = "FILE.gif", conflicts_with_all = ["screenshot", "design_png"])]
    pub gif: Option<PathBuf>,
    /// Wall seconds of `--gif` (0.5 to 60).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub gif_secs: String,
    /// Save a PNG of the design (the picture without the panels) once the
    /// simulation reaches `--after`, then exit.
    #[arg(long, value_name = "FILE.png", conflicts_with = "screenshot")]
    pub design_png: Option<PathBuf>,
    /// Simulated time before the screenshot, GIF or design PNG, e.g. `5s`.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub after: String,
    /// Select this node (or traffic source) in the inspector.
    #[arg(long, value_name = "NODE")]
    pub select: Option<String>,
    /// Measure frame times for this long (wall time, e.g. `10s`), print them and exit.
    #[arg(long, value_name = "DURATION")]
    pub bench: Option<String>,
    /// With `--bench`: measure an empty Bevy + egui window instead (the renderer's floor).
    #[arg(long, requires = "bench")]
    pub bench_empty: bool,
    /// Window size in logical pixels, e.g. `1280x800`.
    #[arg(long, default_value = "1280x800")]
    pub size: String,
    /// Play the campaign (levels under DIR, default `scenarios/campaign`)
    /// from where the learner left off; FILE is not used.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "scenarios/campaign")]
    pub campaign: Option<PathBuf>,
}

/// Seconds in a duration written as in a scenario file (`5s`, `500ms`,
/// `2m`, `1.5s`, `1h`; `scenario::units`).
fn parse_seconds(flag: &str, s: &str) -> Result<f64, String> {
    units::parse_seconds(s).map_err(|e| match e.hint {
        Some(hint) => format!("{flag}: {} ({hint})", e.message),
        None => format!("{flag}: {}", e.message),
    })
}

pub fn view(args: &ViewArgs) -> i32 {
    match resolve(args) {
        Ok(r) => open(r),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INVALID
        }
    }
}

/// Checks and reads the flags the window takes as text.
fn resolve(args: &ViewArgs) -> Result<ViewArgsResolved, String> {
    let after = parse_seconds("--after", &args.after)?;
    let bench = args
        .bench
        .as_deref()
        .map(|b| parse_seconds("--bench", b))
        .transpose()?;
    let size = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|&(w, h)| (320..=8192).contains(&w) && (240..=8192).contains(&h))
        .ok_or("--size takes WIDTHxHEIGHT, e.g. 1280x800")?;
    let gif_secs = parse_seconds("--gif-secs", &args.gif_secs)?;
    if !(0.5..=crate::GIF_MAX_SECS).contains(&gif_secs) {
        return Err(format!(
            "--gif-secs: {} is out of range: 0.5s to {}s",
            args.gif_secs,
            crate::GIF_MAX_SECS
        ));
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err("--speed must be above 0 (0.1 to 1000)".into());
    }
    Ok(ViewArgsResolved {
        args: args.clone(),
        after,
        bench,
        size,
        gif_secs,
    })
}

struct ViewArgsResolved {
    args: ViewArgs,
    after: f64,
    bench: Option<f64>,
    size: (u32, u32),
    gif_secs: f64,
}

#[cfg(feature = "gui")]
fn open(r: ViewArgsResolved) -> i32 {
    let a = r.args;
    crate::app::run(crate::app::ViewOptions {
        file: a.file,
        overrides: a.set,
        seed: a.seed,
        speed: a.speed,
        screenshot: a.screenshot.map(|p| (p, r.after)),
        select: a.select,
        bench: r.bench,
        bench_empty: a.bench_empty,
        size: r.size,
        campaign: a.campaign,
        level: None,
        gif: a.gif.map(|p| (p, r.after, r.gif_secs)),
        design_png: a.design_png.map(|p| (p, r.after)),
    })
}

#[cfg(not(feature = "gui"))]
fn open(r: ViewArgsResolved) -> i32 {
    let _ = (r.after, r.bench, r.size, r.gif_secs);
    eprintln!(
        "This loadlab was built without the window (feature `gui`).\n\
         Try `loadlab run {}` or rebuild with `cargo build --features gui`.",
        r.args.file.display()
    );
    EXIT_INVALID
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    /// `resolve` on `loadlab view <args>` as clap parses it.
    fn resolved(args: &[&str]) -> Result<ViewArgsResolved, String> {
        let argv = ["loadlab", "view", "s.toml"].iter().chain(args);
        match Cli::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .command
        {
            Some(Command::View(v)) => resolve(&v),
            other => Err(format!("not a view: {other:?}")),
        }
    }

    #[test]
    fn durations_take_the_scenario_units() {
        let after = |a: &str| resolved(&[&format!("--after={a}")]).map(|r| r.after);
        assert_eq!(after("5s"), Ok(5.0));
        assert_eq!(after("500ms"), Ok(0.5));
        assert_eq!(after("2m"), Ok(120.0));
        assert_eq!(after("1h"), Ok(3600.0));
        assert_eq!(after("1.5s"), Ok(1.5));
        let bench = resolved(&["--bench", "1h"]).map(|r| r.bench);
        assert_eq!(bench, Ok(Some(3600.0)));
        for bad in ["5", "-1s", "5 parsecs", ""] {
            let e = after(bad).err().unwrap_or_default();
            assert!(e.starts_with("--after: "), "{bad:?}: {e:?}");
        }
    }
}
