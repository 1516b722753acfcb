//! M/M/c+D: Erlang C whose visits leave the line after a deterministic patience D (a node's `timeout`), by the offered wait's law (Baccelli & Hebuterne 1981; Zeltyn & Mandelbaum 2005).
//!
//! Poisson arrivals λ, c workers of exponential service μ, an unbounded
//! FIFO line, a visit in line leaving when D has passed since its arrival;
//! one that started service holds its worker to the end, but is answered
//! as timed out if its wait plus service passes D. V, the offered wait
//! (what an arrival would wait with no patience), has atoms P(V = 0, n
//! busy) = πₙ = π₀ aⁿ/n! for n < c (a = λ/μ), and density
//! v(x) = λ π_{c−1} e^(−θx) on (0, D], θ = cμ − λ, then
//! v(D) e^(−cμ(x−D)) beyond (only visits with V < D add work: level
//! crossing with c busy workers finishing at rate cμ). With B = Erlang B
//! of c − 1 workers at a (π_{c−1} = B·P₀, P₀ = Σ_{n<c} πₙ), k = λ B P₀
//! and E = e^(−θD):
//!
//! - P₀ = 1 / (1 + B (λ(1 − E)/θ + λE/(cμ)))
//! - P(abandon) = P(V > D) = kE/(cμ)
//! - utilisation = λ(1 − P(abandon))/(cμ)
//! - mean wait of a served visit = k ∫₀ᴰ x e^(−θx) dx / (1 − P(abandon))
//! - mean line = λ E[min(V, D)] = λ (k ∫₀ᴰ x e^(−θx) dx + D·P(abandon))
//! - P(timed out) = P(V + S > D) = P(abandon) + P₀ e^(−μD) + L, where
//!   L = k e^(−μD) ∫₀ᴰ e^(−(θ−μ)x) dx (served, but finished after D)
//! - mean time of a visit answered in time = T / (1 − P(timed out)),
//!   where T = E[(V + S); V + S < D] = P₀ m(D) + k ∫₀ᴰ x e^(−θx) dx
//!   plus k ∫₀ᴰ e^(−θx) dx / μ, less (1/μ + D) L, and
//!   m(t) = E[S; S < t] = (1 − e^(−μt)(1 + μt))/μ.
//!
//! (A visit is served iff V < D, FIFO; its wait is then V, its answer
//! comes at V + S, S ~ Exp(μ), and it is timed out iff V + S > D.)
//!
//! For c = 1 these are the closed forms `tests/waiting_timeouts.rs`
//! checks; as D → ∞ (a < c) Erlang C, as D → 0 Erlang B (c workers) with
//! every visit timed out. θ ≤ 0 is allowed: the line never grows without
//! bound. Integrals are written with k and kE so that a large −θD does
//! not overflow (both are scaled by 1/max(1, E)).

use super::{QueueFigures, erlang_b};

/// M/M/c+D's figures: the usual ones (of served visits; `blocking` 0)
/// and the shares that leave the line and that are answered as timed out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PatienceFigures {
    /// Wait of a served visit, its time when answered in time (`sojourn`),
    /// the mean line, the workers' utilisation.
    pub figures: QueueFigures,
    /// Share of arrivals that leave the line when D passes.
    pub abandon: f64,
    /// Share of arrivals answered as timed out (in line or in service).
    pub timed_out: f64,
}

/// M/M/c+D: arrival rate `lambda`, mean service `s`, `c` workers,
/// patience `d` seconds (all per replica).
pub fn mmc_patience(lambda: f64, s: f64, c: u32, d: f64) -> PatienceFigures {
    let mu = 1.0 / s;
    let cmu = f64::from(c) * mu;
    let theta = cmu - lambda;
    let b = erlang_b(c - 1, lambda * s);
    // Scale by 1/max(1, E): `one` is that scale, `e` is E times it.
    let (one, e) = if theta >= 0.0 {
        (1.0, (-theta * d).exp())
    } else {
        ((theta * d).exp(), 1.0)
    };
    let norm = one + b * (lambda * integral0(one, e, theta, d) + lambda * e / cmu);
    let p0 = one / norm;
    let (k, ke) = (lambda * b * one / norm, lambda * b * e / norm);
    let abandon = ke / cmu;
    let waited = integral1(k, ke, theta, d);
    let tail = (-mu * d).exp();
    let eta = theta - mu;
    let served_late = integral0(k * tail, ke, eta, d);
    let timed_out = abandon + p0 * tail + served_late;
    let in_time =
        p0 * (1.0 - tail * (1.0 + mu * d)) / mu + waited + integral0(k, ke, theta, d) / mu
            - (1.0 / mu + d) * served_late;
    let served = 1.0 - abandon;
    PatienceFigures {
        figures: QueueFigures {
            wait: waited / served,
            sojourn: in_time / (1.0 - timed_out),
            queue_len: lambda * (waited + d * abandon),
            utilisation: lambda * served / cmu,
            blocking: 0.0,
        },
        abandon,
        timed_out,
    }
}

/// ∫₀ᴰ k e^(−θx) dx given k and k·e^(−θD).
fn integral0(k: f64, ke: f64, theta: f64, d: f64) -> f64 {
    if (theta * d).abs() < 1e-9 {
        k * d
    } else {
        (k - ke) / theta
    }
}

/// ∫₀ᴰ k x e^(−θx) dx given k and k·e^(−θD).
fn integral1(k: f64, ke: f64, theta: f64, d: f64) -> f64 {
    if (theta * d).abs() < 1e-6 {
        k * d * d / 2.0
    } else {
        (k - ke) / (theta * theta) - d * ke / theta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The c = 1 closed forms of `tests/waiting_timeouts.rs` at λ 900/s,
    /// μ 1000/s, D 5 ms.
    #[test]
    fn one_worker_gives_the_m_m_1_d_closed_forms() {
        let p = mmc_patience(900.0, 0.001, 1, 0.005);
        assert!((p.abandon - 0.10731).abs() < 5e-6, "{}", p.abandon);
        assert!((p.timed_out - 0.22654).abs() < 5e-6, "{}", p.timed_out);
        assert!((p.figures.utilisation - 0.80342).abs() < 5e-6);
        assert!((p.figures.queue_len - 1.91916).abs() < 5e-6);
    }

    /// Work balance: λ(1 − P(abandon)) = μ·E[busy workers], with E[busy]
    /// from the atoms πₙ (n < c busy) and c whenever V > 0; a check on P₀,
    /// k and the density's mass, at loads below and above c.
    #[test]
    fn served_work_matches_the_busy_workers_of_the_atoms() {
        for (lambda, c, d) in [(3.6, 4, 1.0), (6.0, 4, 2.0), (0.5, 3, 0.1), (40.0, 2, 3.0)] {
            let p = mmc_patience(lambda, 1.0, c, d);
            let mut pi = vec![1.0];
            for n in 1..c {
                let last = pi[pi.len() - 1];
                pi.push(last * lambda / f64::from(n));
            }
            let sum: f64 = pi.iter().sum();
            let b = erlang_b(c - 1, lambda);
            // Atoms share P₀ in proportion to πₙ; the busy count behind them:
            let (e, theta) = ((-(f64::from(c) - lambda) * d).exp(), f64::from(c) - lambda);
            let mass = if theta.abs() < 1e-12 {
                d
            } else {
                (1.0 - e) / theta
            };
            let big_p0 = 1.0 / (1.0 + b * (lambda * mass + lambda * e / f64::from(c)));
            let busy_atoms: f64 = pi
                .iter()
                .enumerate()
                .map(|(n, x)| n as f64 * x)
                .sum::<f64>()
                / sum;
            let busy = big_p0 * busy_atoms + f64::from(c) * (1.0 - big_p0);
            let served = lambda * (1.0 - p.abandon);
            assert!(
                (served - busy).abs() < 1e-9 * served.max(1.0),
                "λ {lambda} c {c}: {served} vs {busy}"
            );
        }
    }
}
