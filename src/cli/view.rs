//! `loadlab view`: open the window on a scenario (feature `gui`), optionally take a screenshot or measure frame times, then exit.

use std::path::PathBuf;

use crate::cli::EXIT_INVALID;

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
    /// Simulated time before the screenshot, e.g. `5s`.
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
}

/// Seconds in `5s`, `500ms`, `2m`, `1.5s`.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        return Err(format!("`{s}` needs a unit: e.g. `5s`, `500ms`, `2m`"));
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * scale),
        _ => Err(format!("`{s}` is not a duration: e.g. `5s`, `500ms`, `2m`")),
    }
}

pub fn view(args: &ViewArgs) -> i32 {
    let after = match parse_seconds(&args.after) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --after: {e}");
            return EXIT_INVALID;
        }
    };
    let bench = match args.bench.as_deref().map(parse_seconds).transpose() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --bench: {e}");
            return EXIT_INVALID;
        }
    };
    let size = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|&(w, h)| (320..=8192).contains(&w) && (240..=8192).contains(&h));
    let Some(size) = size else {
        eprintln!("error: --size takes WIDTHxHEIGHT, e.g. 1280x800");
        return EXIT_INVALID;
    };
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eprintln!("error: --speed must be above 0 (0.1 to 1000)");
        return EXIT_INVALID;
    }
    open(ViewArgsResolved {
        args: args.clone(),
        after,
        bench,
        size,
    })
}

struct ViewArgsResolved {
    args: ViewArgs,
    after: f64,
    bench: Option<f64>,
    size: (u32, u32),
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
    })
}

#[cfg(not(feature = "gui"))]
fn open(r: ViewArgsResolved) -> i32 {
    let _ = (r.after, r.bench, r.size);
    eprintln!(
        "This loadlab was built without the window (feature `gui`).\n\
         Try `loadlab run {}` or rebuild with `cargo build --features gui`.",
        r.args.file.display()
    );
    EXIT_INVALID
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_seconds("5s"), Ok(5.0));
        assert_eq!(parse_seconds("500ms"), Ok(0.5));
        assert_eq!(parse_seconds("2m"), Ok(120.0));
        assert!(parse_seconds("5").is_err());
        assert!(parse_seconds("-1s").is_err());
    }
}
