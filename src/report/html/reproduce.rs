//! How to reproduce a report: the scenario's text hashed (FNV-1a, 64 bit), the LoadLab version, the seed and the exact command with its overrides.

use std::fmt::Write;

use super::esc;
use crate::report::RunInfo;
use crate::sim::rng::Fnv64;

/// What a report says about where it came from.
#[derive(Clone, Debug)]
pub struct Reproduce {
    /// The scenario file the command runs, as named in it.
    pub file: String,
    /// That file's text (hashed; empty when it could not be read).
    pub text: String,
    /// The command that gives the same results.
    pub command: String,
}

impl Reproduce {
    /// For `loadlab run`: `file`'s text, and the command with the seed,
    /// `--duration` and every `--set` of `info`, and `--report`.
    pub fn for_run(info: &RunInfo, text: String) -> Reproduce {
        let mut args = vec![
            "loadlab".to_string(),
            "run".into(),
            quote(&info.scenario_file),
            "--seed".into(),
            info.seed.to_string(),
        ];
        for o in &info.overrides {
            match o.strip_prefix("scenario.duration=") {
                Some(d) => args.extend(["--duration".into(), quote(d)]),
                None => args.extend(["--set".into(), quote(o)]),
            }
        }
        args.push("--report".into());
        Reproduce {
            file: info.scenario_file.clone(),
            text,
            command: args.join(" "),
        }
    }
}

/// FNV-1a, 64 bit, of `bytes`, as 16 hex digits.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h = Fnv64::new();
    h.write(bytes);
    format!("{:016x}", h.finish())
}

/// `arg` as a POSIX shell word: single-quoted unless plainly safe.
fn quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The "How to reproduce" section.
pub fn section(info: &RunInfo, r: &Reproduce) -> String {
    let hash = if r.text.is_empty() {
        "(the scenario file could not be read)".to_string()
    } else {
        format!("FNV-1a 64 <code>{}</code>", fnv1a(r.text.as_bytes()))
    };
    let mut s = String::from("<section><h2>How to reproduce</h2><table class=\"kv\">");
    let rows = [
        ("LoadLab version", esc(crate::VERSION)),
        ("seed", info.seed.to_string()),
        ("scenario file", format!("<code>{}</code>", esc(&r.file))),
        ("hash of its text", hash),
    ];
    for (k, v) in rows {
        let _ = write!(s, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    let _ = write!(
        s,
        "</table><p>Same scenario text, seed and version give the same results, byte \
         for byte:</p><pre class=\"command\">{}</pre></section>",
        esc(&r.command)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;

    #[test]
    fn command_quotes_what_a_shell_would_split() {
        let info = RunInfo {
            scenario: "x".into(),
            scenario_file: "my designs/a.toml".into(),
            seed: 7,
            duration: SimTime::ZERO,
            overrides: vec!["scenario.duration=60s".into(), "api.replicas=3".into()],
        };
        let r = Reproduce::for_run(&info, "t".into());
        assert_eq!(
            r.command,
            "loadlab run 'my designs/a.toml' --seed 7 --duration 60s --set api.replicas=3 --report"
        );
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
