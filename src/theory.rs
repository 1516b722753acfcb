//! Queueing-theory formulas (Erlang C, M/M/c/K, M/M/c+D, Pollaczek-Khinchine, Jackson tandems) that the engine is validated against.

mod patience;

pub use patience::{PatienceFigures, mmc_patience};

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

/// GI/G/c by the Allen–Cunneen approximation: the M/M/c wait scaled by
/// `(ca2 + cs2) / 2`, the mean of the squared coefficients of variation of
/// the gaps between arrivals (`ca2`, 1 for Poisson) and of the service
/// time (`cs2`). Exact for M/M/c, and for M/G/1 (Pollaczek-Khinchine).
pub fn allen_cunneen(lambda: f64, s: f64, c: u32, ca2: f64, cs2: f64) -> QueueFigures {
    let m = mmc(lambda, s, c);
    let wait = m.wait * (ca2 + cs2) / 2.0;
    QueueFigures {
        wait,
        sojourn: wait + s,
        queue_len: lambda * wait,
        ..m
    }
}

/// M/M/c: the wait in line exceeds `t` seconds with probability
/// C(c, a) · e^(−(cμ − λ)t); the `q`-quantile of the wait (0 when at
/// least a share `q` of arrivals does not wait at all).
pub fn mmc_wait_quantile(lambda: f64, s: f64, c: u32, q: f64) -> f64 {
    let pw = erlang_c(c, lambda * s);
    let tail = 1.0 - q;
    if pw <= tail {
        return 0.0;
    }
    (pw / tail).ln() / (f64::from(c) / s - lambda)
}

/// Mean end-to-end time of an open network fed from outside at `external`
/// per second, each station given as (its arrival rate λᵢ, its mean
/// sojourn Wᵢ): by Little's law, Σ λᵢ Wᵢ / γ (Jackson: each station an
/// independent M/M/c at its λᵢ).
pub fn open_network_sojourn(external: f64, stations: &[(f64, f64)]) -> f64 {
    stations.iter().map(|&(l, w)| l * w).sum::<f64>() / external
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

/// Hit ratio of an LRU cache holding `capacity` keys under independent
/// requests for keys `0..n` with Zipf(`s`) popularity (rank k drawn with
/// probability ∝ 1/k^s), by Che's approximation: the characteristic time
/// T solves Σ (1 − e^(−p_k T)) = capacity, and the hit ratio is
/// Σ p_k (1 − e^(−p_k T)). Accurate to a fraction of a per cent for
/// caches of hundreds of keys or more (Fricker, Robert & Roberts, 2012).
pub fn lru_hit_ratio_zipf(n: u64, s: f64, capacity: u64) -> f64 {
    if capacity >= n {
        return 1.0;
    }
    let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    let p: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let held = |t: f64| p.iter().map(|pk| 1.0 - (-pk * t).exp()).sum::<f64>();
    let (mut lo, mut hi) = (0.0, 1.0);
    while held(hi) < capacity as f64 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if held(mid) < capacity as f64 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = 0.5 * (lo + hi);
    p.iter().map(|pk| pk * (1.0 - (-pk * t).exp())).sum()
}

/// Mean of the k-th smallest of `n` independent exponentials of rate `mu`
/// (k = 1: the first of n, 1/(nμ); k = n: the last).
pub fn exp_order_statistic_mean(n: u32, k: u32, mu: f64) -> f64 {
    (0..k).map(|i| 1.0 / (f64::from(n - i) * mu)).sum()
}

/// Mean of a hedged request on independent exponential servers of rate
/// `mu`: the first copy takes X1, a second is sent after `delay` and takes
/// X2; the first answer wins, so E[min(X1, delay + X2)] =
/// (1 − e^(−μd))/μ + e^(−μd)/(2μ).
pub fn hedged_exp_mean(mu: f64, delay: f64) -> f64 {
    let late = (-mu * delay).exp();
    (1.0 - late) / mu + late / (2.0 * mu)
}

/// Fork-join of two homogeneous M/M/1 servers (each task of a request to
/// its own server, the request done when both are): mean response time
/// (12 − ρ)/8 · 1/(μ − λ) (Nelson & Tantawi, 1988; exact for two servers,
/// Flatto & Hahn, 1984).
pub fn fork_join_two_mm1(lambda: f64, mu: f64) -> f64 {
    let rho = lambda / mu;
    (12.0 - rho) / 8.0 / (mu - lambda)
}

/// Non-preemptive priority M/G/1 (Cobham, 1954): the mean wait in line of
/// each class, given in priority order as (arrival rate λₖ, mean service
/// time sₖ, second moment of the service time E[Sₖ²]; 2sₖ² when
/// exponential). A free server takes the oldest waiting request of the
/// first class with one waiting, and never interrupts a service:
/// Wₖ = W₀ / ((1 − σₖ₋₁)(1 − σₖ)), with W₀ = Σᵢ λᵢ E[Sᵢ²] / 2 the mean
/// residual work found in service and σₖ = Σ_{i≤k} λᵢ sᵢ. Infinite for a
/// class with σₖ ≥ 1 (it and those after it are not served in the long run).
pub fn priority_nonpreemptive_waits(classes: &[(f64, f64, f64)]) -> Vec<f64> {
    let w0: f64 = classes.iter().map(|&(l, _, m2)| l * m2 / 2.0).sum();
    let mut above = 0.0;
    classes
        .iter()
        .map(|&(l, s, _)| {
            let with = above + l * s;
            let w = if with < 1.0 {
                w0 / ((1.0 - above) * (1.0 - with))
            } else {
                f64::INFINITY
            };
            above = with;
            w
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobham_reduces_to_known_cases() {
        // One class: M/M/1's wait ρ/(μ − λ).
        let one = priority_nonpreemptive_waits(&[(800.0, 0.001, 2e-6)]);
        assert!((one[0] - mmc(800.0, 0.001, 1).wait).abs() < 1e-12);
        // Conservation (Kleinrock): Σ ρₖ Wₖ = ρ · W_FIFO for equal service.
        let w = priority_nonpreemptive_waits(&[(300.0, 0.001, 2e-6), (400.0, 0.001, 2e-6)]);
        let fifo = mmc(700.0, 0.001, 1).wait;
        assert!((0.3 * w[0] + 0.4 * w[1] - 0.7 * fifo).abs() < 1e-12);
        assert!((w[0] - 0.001).abs() < 1e-12 && (w[1] - 0.001 / 0.3).abs() < 1e-12);
        let over = priority_nonpreemptive_waits(&[(900.0, 0.001, 2e-6), (200.0, 0.001, 2e-6)]);
        assert!(over[0].is_finite() && over[1].is_infinite());
    }

    #[test]
    fn order_statistics_and_hedges() {
        // First of 4 at rate 1: 1/4; last of 2: 1/2 + 1 = 1.5.
        assert!((exp_order_statistic_mean(4, 1, 1.0) - 0.25).abs() < 1e-12);
        assert!((exp_order_statistic_mean(2, 2, 1.0) - 1.5).abs() < 1e-12);
        // No delay: the first of two; an endless delay: one server.
        assert!((hedged_exp_mean(2.0, 0.0) - 0.25).abs() < 1e-12);
        assert!((hedged_exp_mean(2.0, 1e9) - 0.5).abs() < 1e-12);
        // Fork-join at ρ → 0 is the mean of the larger of two: 1.5/μ.
        assert!((fork_join_two_mm1(1e-9, 1.0) - 1.5).abs() < 1e-6);
    }

    #[test]
    fn che_approximation_limits() {
        // Uniform popularity (s = 0): the hit ratio is capacity / n.
        assert!((lru_hit_ratio_zipf(1000, 0.0, 250) - 0.25).abs() < 1e-9);
        assert_eq!(lru_hit_ratio_zipf(10, 1.0, 10), 1.0);
        // Zipf(1) over 10 000 keys, 1 000 cached (computed independently).
        assert!((lru_hit_ratio_zipf(10_000, 1.0, 1000) - 0.6756).abs() < 1e-4);
    }

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
    fn allen_cunneen_and_the_wait_tail() {
        // Poisson arrivals, exponential service: M/M/c itself.
        assert_eq!(allen_cunneen(3.0, 1.0, 4, 1.0, 1.0), mmc(3.0, 1.0, 4));
        // One server: Pollaczek-Khinchine.
        let d = allen_cunneen(0.8, 1.0, 1, 1.0, 0.0);
        assert!((d.wait - mg1(0.8, 1.0, 0.0).wait).abs() < 1e-12);
        // M/M/1, ρ = 0.8: P(Wq > t) = 0.8 e^(−0.2 t); p99 = ln(80)/0.2.
        let p99 = mmc_wait_quantile(0.8, 1.0, 1, 0.99);
        assert!((p99 - 80f64.ln() / 0.2).abs() < 1e-12);
        assert_eq!(mmc_wait_quantile(0.1, 1.0, 4, 0.99), 0.0);
        // A tandem at one rate: the sum of the sojourns.
        let t = open_network_sojourn(2.0, &[(2.0, 1.5), (2.0, 0.5)]);
        assert!((t - 2.0).abs() < 1e-12);
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
