//! The layers as ARCHITECTURE.md draws them: no source file imports a layer above its own (cli → app → campaign → report → scenario → sim; theory alone, below report: `report::predict` uses its formulas; fuzzing over report, scenario, sim).

use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may use, lowest first.
const ALLOWED: [(&str, &[&str]); 8] = [
    ("sim", &[]),
    ("theory", &[]),
    ("scenario", &["sim"]),
    ("report", &["scenario", "sim", "theory"]),
    ("fuzzing", &["report", "scenario", "sim"]),
    ("campaign", &["report", "scenario", "sim"]),
    ("app", &["campaign", "report", "scenario", "sim"]),
    (
        "cli",
        &["app", "campaign", "report", "scenario", "sim", "theory"],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("source folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module `path` belongs to (`src/sim/x.rs` and `src/sim.rs` → sim).
fn layer_of(src: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    Some(first.trim_end_matches(".rs").to_string())
}

/// Every `crate::name` a file's code (not its comments) names.
fn crate_uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + 7..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let layers: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for f in &files {
        let Some(layer) = layer_of(&src, f) else {
            continue;
        };
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == layer) else {
            continue; // lib.rs, main.rs: the crate root
        };
        checked += 1;
        let text = std::fs::read_to_string(f).expect("readable source");
        for used in crate_uses(&text) {
            if used != layer && layers.contains(&used.as_str()) && !allowed.contains(&used.as_str())
            {
                wrong.push(format!("{} uses crate::{used}", f.display()));
            }
        }
    }
    assert!(checked > 50, "the source files were found ({checked})");
    assert!(
        wrong.is_empty(),
        "imports running upward:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    assert_eq!(
        crate_uses("use crate::app::View; // crate::cli in a comment"),
        vec!["app".to_string()]
    );
}
