//! "Did you mean `x`?" hints: the closest known name by edit distance, else the list of known names.

/// A hint for an unknown `name` among `known`: the closest by edit
/// distance if it is close enough, otherwise the list of allowed names.
pub(crate) fn hint(name: &str, known: &[&str]) -> Option<String> {
    if let Some(best) = closest(name, known) {
        return Some(format!("did you mean `{best}`?"));
    }
    one_of(known)
}

/// `expected one of `a`, `b`, `c`` (None when nothing is known).
pub(crate) fn one_of(known: &[&str]) -> Option<String> {
    if known.is_empty() {
        return None;
    }
    const SHOWN: usize = 12;
    let mut list: Vec<String> = known.iter().take(SHOWN).map(|k| format!("`{k}`")).collect();
    if known.len() > SHOWN {
        list.push(format!("... ({} more)", known.len() - SHOWN));
    }
    Some(format!("expected one of {}", list.join(", ")))
}

/// The known name closest to `name`, if within a third of its length
/// (at least 1, at most 3 edits); ties go to the first.
pub(crate) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'k str)> = None;
    for &k in known {
        let d = distance(&lower, &k.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps),
/// over characters. Long inputs are cut to 64 characters to bound the work.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    if let Some(first_row) = d.get_mut(..w) {
        for (j, cell) in first_row.iter_mut().enumerate() {
            *cell = j;
        }
    }
    let at = |i: usize, j: usize| i * w + j;
    for (i, &ca) in a.iter().enumerate() {
        for (j, &cb) in b.iter().enumerate() {
            let (i1, j1) = (i + 1, j + 1);
            let cost = usize::from(ca != cb);
            let mut v = (d[at(i, j1)] + 1)
                .min(d[at(i1, j)] + 1)
                .min(d[at(i, j)] + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                v = v.min(d[at(i - 1, j - 1)] + 1);
            }
            d[at(i1, j1)] = v;
        }
    }
    d.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("workers", "workers"), 0);
        assert_eq!(distance("workerz", "workers"), 1);
        assert_eq!(distance("wokrers", "workers"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
    }

    #[test]
    fn a_near_miss_gets_did_you_mean() {
        let known = ["replicas", "workers", "queue"];
        assert_eq!(
            hint("workerz", &known).as_deref(),
            Some("did you mean `workers`?")
        );
        assert_eq!(
            hint("Queue", &known).as_deref(),
            Some("did you mean `queue`?")
        );
    }

    #[test]
    fn a_far_miss_gets_the_list() {
        let known = ["lru", "lfu", "fifo"];
        assert_eq!(
            hint("random_eviction", &known).as_deref(),
            Some("expected one of `lru`, `lfu`, `fifo`")
        );
        assert_eq!(hint("x", &[]), None);
    }
}
