//! A node's per-replica utilisations in one short phrase: each of them when there are few, else min / median / max and the outliers by replica.

/// Up to this many replicas are listed one by one.
const LIST_ALL: usize = 8;
/// Outliers named at most; the rest are counted.
const NAMED: usize = 5;
/// A replica this close to the median (utilisation, 0..1) is never called
/// an outlier, however tight the others are.
const NEAR: f64 = 0.10;

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The middle of sorted `v` (the mean of the two middle values when even).
fn median(v: &[f64]) -> f64 {
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// The value a fraction `q` of the way along sorted `v` (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

/// "per replica …" for a node with more than one replica (`None` with
/// one or none). Replicas are named by index, `#0` first.
pub fn replica_spread(us: &[Option<f64>]) -> Option<String> {
    if us.len() <= 1 {
        return None;
    }
    if us.len() <= LIST_ALL {
        let each: Vec<String> = us.iter().map(|u| u.map_or("-".into(), pct)).collect();
        return Some(format!("per replica {}", each.join(" ")));
    }
    let mut known: Vec<(f64, usize)> = (us.iter().enumerate())
        .filter_map(|(i, u)| u.map(|u| (u, i)))
        .collect();
    let unknown = us.len() - known.len();
    let mut text = format!("{} replicas", us.len());
    if known.is_empty() {
        return Some(format!("{text}, none with a utilisation"));
    }
    known.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let values: Vec<f64> = known.iter().map(|k| k.0).collect();
    let (lo, hi) = (known[0], known[known.len() - 1]);
    let mid = median(&values);
    text += &format!(
        ": min {} (#{}), median {}, max {} (#{})",
        pct(lo.0),
        lo.1,
        pct(mid),
        pct(hi.0),
        hi.1
    );
    text += &outliers(&known, &values, mid);
    if unknown > 0 {
        text += &format!(", {unknown} without a utilisation");
    }
    Some(text)
}

/// ", outliers #3 91.0%, …" (Tukey's fences, 1.5 interquartile ranges
/// beyond the quartiles, and at least `NEAR` from the median), farthest
/// from the median first; ", no outliers" when there are none.
fn outliers(known: &[(f64, usize)], values: &[f64], mid: f64) -> String {
    let (q1, q3) = (quantile(values, 0.25), quantile(values, 0.75));
    let reach = 1.5 * (q3 - q1);
    let mut out: Vec<(f64, usize)> = (known.iter().copied())
        .filter(|&(u, _)| (u < q1 - reach || u > q3 + reach) && (u - mid).abs() >= NEAR)
        .collect();
    if out.is_empty() {
        return ", no outliers".into();
    }
    out.sort_by(|a, b| {
        let (da, db) = ((a.0 - mid).abs(), (b.0 - mid).abs());
        db.total_cmp(&da).then(a.1.cmp(&b.1))
    });
    let named: Vec<String> = (out.iter().take(NAMED))
        .map(|(u, i)| format!("#{i} {}", pct(*u)))
        .collect();
    let mut text = format!(", outliers {}", named.join(", "));
    if out.len() > NAMED {
        text += &format!(" and {} more", out.len() - NAMED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_are_listed_many_are_summarised() {
        assert_eq!(replica_spread(&[Some(0.5)]), None);
        assert_eq!(
            replica_spread(&[Some(0.5), None]).unwrap(),
            "per replica 50.0% -"
        );
        let mut us: Vec<Option<f64>> = (0..500)
            .map(|i| Some(0.40 + (i % 7) as f64 * 0.001))
            .collect();
        us[123] = Some(0.95);
        us[7] = None;
        assert_eq!(
            replica_spread(&us).unwrap(),
            "500 replicas: min 40.0% (#0), median 40.3%, max 95.0% (#123), \
             outliers #123 95.0%, 1 without a utilisation"
        );
        let even: Vec<Option<f64>> = (0..10).map(|i| Some(0.1 + i as f64 * 0.001)).collect();
        assert!(replica_spread(&even).unwrap().ends_with("no outliers"));
    }
}
