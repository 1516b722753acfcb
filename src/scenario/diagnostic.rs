//! A located error in a scenario file (file, line, column, field path, message, hint) and its rendering.

use std::fmt;

/// One problem found in a scenario file or a `--set` override.
///
/// `line` and `column` are 1-based; the column counts characters, not
/// bytes. Errors in a `--set` override have `file == "--set"`, line 1 and
/// the column inside the override text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Where in the scenario the value sits, e.g.
    /// ``node `api` (node[1]).service_time.mean``; empty when not known.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error: message`, then indented `at path` and
    /// `hint:` lines when there is something to say.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.path.is_empty() {
            write!(f, "\n    at {}", self.path)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every diagnostic, one after another, then a count line (`1 error`,
/// `3 errors`). Ends with a newline.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    let n = diags.len();
    out.push_str(&format!("{n} error{}\n", if n == 1 { "" } else { "s" }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Diagnostic {
        Diagnostic {
            file: "shop.toml".into(),
            line: 12,
            column: 9,
            path: "node `api` (node[1]).service_time.mean".into(),
            message: "a duration needs a unit".into(),
            hint: Some("add a unit, e.g. \"5ms\"".into()),
        }
    }

    #[test]
    fn display_shows_location_path_and_hint_on_their_own_lines() {
        assert_eq!(
            sample().to_string(),
            "shop.toml:12:9: error: a duration needs a unit\n    \
             at node `api` (node[1]).service_time.mean\n    \
             hint: add a unit, e.g. \"5ms\""
        );
    }

    #[test]
    fn display_omits_an_empty_path_and_a_missing_hint() {
        let d = Diagnostic {
            path: String::new(),
            hint: None,
            ..sample()
        };
        assert_eq!(
            d.to_string(),
            "shop.toml:12:9: error: a duration needs a unit"
        );
    }

    #[test]
    fn render_lists_all_then_counts_them() {
        let one = render(&[sample()]);
        assert!(one.ends_with("\n1 error\n"), "{one}");
        let two = render(&[sample(), sample()]);
        assert_eq!(two.matches("error: a duration").count(), 2);
        assert!(two.ends_with("\n2 errors\n"), "{two}");
    }
}
