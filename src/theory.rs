//! Queueing-theory formulas (Erlang C, M/M/c/K, Pollaczek-Khinchine, Jackson tandems) that the engine is validated against.

/// Results of a queueing formula, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueFigures {
    /// Mean wait in line before service (Wq).
    pub wait: f64,
    /// Mean time in the system, wait plus service (W).
    pub sojourn: f64,
    /// Mean number waiting (Lq).
    pub queue_len: f64,
    /// Server utilisation (ρ, of the admitted traffic).
    pub utilisation: f64,
    /// Probability an arrival is turned away (M/M/c/K), else 0.
    pub blocking: f64,
}

/// Erlang C: probability an arrival waits in M/M/c with offered load
/// `a = λ/μ` (needs a < c). Computed by the stable Erlang B recursion.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

/// Erlang B: blocking probability of M/M/c/c with offered load `a`.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// M/M/c: arrival rate `lambda`, mean service time `s`, `c` servers.
pub fn mmc(lambda: f64, s: f64, c: u32) -> QueueFigures {
    let a = lambda * s;
    let cf = f64::from(c);
    let pw = erlang_c(c, a);
    let wait = pw * s / (cf - a);
    QueueFigures {
        wait,
        sojourn: wait + s,
        queue_len: lambda * wait,
        utilisation: a / cf,
        blocking: 0.0,
    }
}

/// M/G/1 by Pollaczek-Khinchine: service mean `s` and squared coefficient
/// of variation `scv` (0 for M/D/1, 1 for M/M/1).
pub fn mg1(lambda: f64, s: f64, scv: f64) -> QueueFigures {
    let rho = lambda * s;
    let wait = rho * s * (1.0 + scv) / (2.0 * (1.0 - rho));
    QueueFigures {
        wait,
        sojourn: wait + s,
        queue_len: lambda * wait,
        utilisation: rho,
        blocking: 0.0,
    }
}

/// M/M/c/K: `c` servers, at most `k` in the system (so `k - c` waiting
/// places). Figures for admitted customers.
pub fn mmck(lambda: f64, s: f64, c: u32, k: u32) -> QueueFigures {
    let a = lambda * s;
    let cf = f64::from(c);
    // Unnormalised p_n, computed in a numerically safe way.
    let mut p = Vec::with_capacity(k as usize + 1);
    let mut term = 1.0;
    p.push(term);
    for n in 1..=k {
        let servers = f64::from(n.min(c));
        term *= a / servers;
        p.push(term);
    }
    let total: f64 = p.iter().sum();
    for x in &mut p {
        *x /= total;
    }
    let blocking = p[k as usize];
    let lq: f64 = p
        .iter()
        .enumerate()
        .map(|(n, pn)| (n as f64 - cf).max(0.0) * pn)
        .sum();
    let l: f64 = p.iter().enumerate().map(|(n, pn)| n as f64 * pn).sum();
    let admitted = lambda * (1.0 - blocking);
    QueueFigures {
        wait: lq / admitted,
        sojourn: l / admitted,
        queue_len: lq,
        utilisation: admitted * s / cf,
        blocking,
    }
}

/// An open tandem (Jackson) network of M/M/c stations: each station behaves
/// as an independent M/M/c fed at rate `lambda`. Returns the figures per
/// station and the end-to-end mean sojourn.
pub fn jackson_tandem(lambda: f64, stations: &[(f64, u32)]) -> (Vec<QueueFigures>, f64) {
    let each: Vec<QueueFigures> = stations.iter().map(|&(s, c)| mmc(lambda, s, c)).collect();
    let total = each.iter().map(|q| q.sojourn).sum();
    (each, total)
}

/// Machine-repairman (closed M/M/1 with `n` users thinking for mean `z`,
/// service mean `s`): throughput and mean response time by mean-value
/// analysis.
pub fn closed_mm1(n: u32, z: f64, s: f64) -> (f64, f64) {
    let mut q = 0.0;
    let (mut x, mut r) = (0.0, s);
    for k in 1..=n {
        r = s * (1.0 + q);
        x = f64::from(k) / (r + z);
        q = x * r;
    }
    (x, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm1_closed_forms() {
        // λ = 0.8, s = 1: Wq = ρ/(μ-λ) = 4, W = 5, Lq = 3.2.
        let q = mmc(0.8, 1.0, 1);
        assert!((q.wait - 4.0).abs() < 1e-12);
        assert!((q.sojourn - 5.0).abs() < 1e-12);
        assert!((q.queue_len - 3.2).abs() < 1e-12);
        let g = mg1(0.8, 1.0, 1.0);
        assert!((g.wait - 4.0).abs() < 1e-12);
        // M/D/1 waits half as long as M/M/1.
        assert!((mg1(0.8, 1.0, 0.0).wait - 2.0).abs() < 1e-12);
    }

    #[test]
    fn erlang_c_textbook_value() {
        // c = 2, a = 1 (ρ = 0.5): C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/M/2 with λ = 1, s = 1: Wq = 1/3.
        assert!((mmc(1.0, 1.0, 2).wait - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn mmck_reduces_to_known_cases() {
        // M/M/1/1 (Erlang B with c = 1): blocking = a / (1 + a).
        let q = mmck(1.0, 1.0, 1, 1);
        assert!((q.blocking - 0.5).abs() < 1e-12);
        // Large K approaches M/M/c.
        let big = mmck(1.6, 1.0, 2, 400);
        assert!(big.blocking < 1e-12);
        assert!((big.wait - mmc(1.6, 1.0, 2).wait).abs() < 1e-9);
        // Erlang B agrees with M/M/c/c.
        assert!((mmck(3.0, 1.0, 4, 4).blocking - erlang_b(4, 3.0)).abs() < 1e-12);
    }

    #[test]
    fn closed_loop_mva_single_user_has_no_queueing() {
        let (x, r) = closed_mm1(1, 9.0, 1.0);
        assert!((r - 1.0).abs() < 1e-12);
        assert!((x - 0.1).abs() < 1e-12);
    }
}
