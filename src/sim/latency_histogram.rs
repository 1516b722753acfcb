//! One latency metric's histogram for the measured period and for the current time-series window at once, with HdrHistogram's buckets and figures.
//!
//! Every completed request (or visit, or queue message) is counted twice:
//! once for the run's summary and once for the window being drawn. Two
//! separate `hdrhistogram::Histogram`s meant two cache misses per count
//! (the buckets of a 3-figure histogram span tens of kilobytes), percentile
//! scans from the first bucket once per percentile, and a full clear per
//! window. Here both counts of a bucket sit side by side (`[u32; 2]`), a
//! total per octave lets percentile searches skip whole octaves, one pass
//! finds all percentiles, and a window reset clears only the octaves that
//! window used. The bucket layout is HdrHistogram's (lowest discernible
//! value 1 ns), so every figure equals what `Histogram::new(sigfig)`
//! reports for the same values; the tests check that against the
//! `hdrhistogram` crate.
//!
//! Memory grows with the largest latency seen (about 120 KB at 3 figures
//! for latencies up to 10 ms) and is nothing for a node that never answers.

use crate::sim::metrics::LatencyStats;
use crate::sim::time::SimTime;

/// Which of the two counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Period {
    /// The measured period (after warm-up): summaries.
    Run = 0,
    /// The current time-series window.
    Window = 1,
}

/// Running figures of one period.
#[derive(Clone)]
struct Column {
    total: u64,
    sum_ns: u128,
    max: u64,
    /// Sums of the counts over runs of `half_count` buckets (one octave of
    /// values, or half of the first): zero for octaves not in use.
    groups: [u64; 64],
}

impl Column {
    fn new() -> Self {
        Column {
            total: 0,
            sum_ns: 0,
            max: 0,
            groups: [0; 64],
        }
    }
}

#[derive(Clone)]
pub(crate) struct LatencyHistogram {
    /// Per bucket, the counts of `Period::Run` and `Period::Window`.
    counts: Vec<[u32; 2]>,
    /// Counts past `u32::MAX` in a bucket, as (bucket, period, extra):
    /// empty unless one bucket collects over four billion values.
    spill: Vec<(usize, usize, u64)>,
    /// log2 of half the sub-buckets per octave (10 for 3 significant
    /// figures, 7 for 2).
    half_magnitude: u32,
    columns: [Column; 2],
}

impl Default for LatencyHistogram {
    /// Three significant figures.
    fn default() -> Self {
        Self::new(3)
    }
}

impl LatencyHistogram {
    /// A histogram resolving `sigfig` significant decimal figures (1–5).
    pub fn new(sigfig: u8) -> Self {
        let largest_single_unit = 2 * 10u64.pow(u32::from(sigfig.clamp(1, 5)));
        // The number of sub-buckets is the power of two at or above it.
        let sub_bucket_magnitude = 64 - (largest_single_unit - 1).leading_zeros();
        LatencyHistogram {
            counts: Vec::new(),
            spill: Vec::new(),
            half_magnitude: sub_bucket_magnitude - 1,
            columns: [Column::new(), Column::new()],
        }
    }

    fn half_count(&self) -> u64 {
        1 << self.half_magnitude
    }

    /// HdrHistogram's `index_for` with unit magnitude 0.
    #[inline]
    fn index_for(&self, v: u64) -> usize {
        let sub_bucket_mask = (self.half_count() << 1) - 1;
        let base = 64 - self.half_magnitude - 1;
        let bucket = base - (v | sub_bucket_mask).leading_zeros();
        let sub_bucket = v >> bucket;
        (((u64::from(bucket) + 1) << self.half_magnitude) + sub_bucket - self.half_count()) as usize
    }

    /// The bucket of index `i`: (lowest value, width).
    fn bucket_of(&self, i: usize) -> (u64, u64) {
        let i = i as u64;
        let mut octave = (i >> self.half_magnitude) as i64 - 1;
        let mut sub_bucket = (i & (self.half_count() - 1)) + self.half_count();
        if octave < 0 {
            sub_bucket -= self.half_count();
            octave = 0;
        }
        (sub_bucket << octave, 1 << octave)
    }

    /// The highest value equivalent to `v` (what HdrHistogram reports).
    fn highest_equivalent(&self, v: u64) -> u64 {
        let (low, width) = self.bucket_of(self.index_for(v));
        low.saturating_add(width - 1)
    }

    /// Counts `d` in the window, and in the run if `in_run`.
    #[inline]
    pub fn record(&mut self, d: SimTime, in_run: bool) {
        let v = d.0.min(u64::MAX >> 1);
        let i = self.index_for(v);
        if i >= self.counts.len() {
            self.grow_to(i);
        }
        // The octave of `i` (below 64 for any value under 2^63; the mask
        // only spares a bounds check).
        let g = (i >> self.half_magnitude) & 63;
        self.count(i, g, v, Period::Window as usize);
        if in_run {
            self.count(i, g, v, Period::Run as usize);
        }
    }

    /// Grows the buckets to hold index `i`, an octave at a time.
    #[cold]
    fn grow_to(&mut self, i: usize) {
        let step = self.half_count() as usize;
        self.counts.resize((i / step + 1) * step, [0; 2]);
    }

    #[inline]
    fn count(&mut self, i: usize, g: usize, v: u64, p: usize) {
        let slot = &mut self.counts[i][p];
        if *slot == u32::MAX {
            self.spill_one(i, p);
        } else {
            *slot += 1;
        }
        let c = &mut self.columns[p];
        c.total += 1;
        c.sum_ns += u128::from(v);
        c.max = c.max.max(v);
        c.groups[g] += 1;
    }

    #[cold]
    fn spill_one(&mut self, i: usize, p: usize) {
        match self.spill.iter_mut().find(|s| s.0 == i && s.1 == p) {
            Some(s) => s.2 += 1,
            None => self.spill.push((i, p, 1)),
        }
    }

    /// The count of bucket `i` in period `p`.
    #[inline]
    fn at(&self, i: usize, p: usize) -> u64 {
        let base = u64::from(self.counts[i][p]);
        if self.spill.is_empty() {
            base
        } else {
            base + self
                .spill
                .iter()
                .filter(|s| s.0 == i && s.1 == p)
                .map(|s| s.2)
                .sum::<u64>()
        }
    }

    /// Values counted in `period` since its last reset.
    pub fn len(&self, period: Period) -> u64 {
        self.columns[period as usize].total
    }

    /// Empties one period, clearing only the octaves it used.
    pub fn reset(&mut self, period: Period) {
        let p = period as usize;
        let h = self.half_magnitude;
        let c = &mut self.columns[p];
        for (g, &total) in c.groups.iter().enumerate() {
            if total > 0 {
                for slot in &mut self.counts[g << h..(g + 1) << h] {
                    slot[p] = 0;
                }
            }
        }
        *c = Column::new();
        self.spill.retain(|s| s.1 != p);
    }

    /// Count, mean, p50, p95, p99, p99.9 and max in ms; all `None` when
    /// empty. Windows leave out `p999_ms` (no window export shows it).
    pub fn stats(&self, period: Period) -> LatencyStats {
        let c = &self.columns[period as usize];
        let n = c.total;
        if n == 0 {
            return LatencyStats::default();
        }
        let ms = |ns: u64| Some(ns as f64 / 1e6);
        let [p50, p95, p99, p999] = match period {
            Period::Run => self.quantiles(period, [0.50, 0.95, 0.99, 0.999]).map(Some),
            Period::Window => {
                let [a, b, c] = self.quantiles(period, [0.50, 0.95, 0.99]);
                [Some(a), Some(b), Some(c), None]
            }
        };
        LatencyStats {
            count: n,
            mean_ms: Some(c.sum_ns as f64 / n as f64 / 1e6),
            p50_ms: p50.and_then(ms),
            p95_ms: p95.and_then(ms),
            p99_ms: p99.and_then(ms),
            p999_ms: p999.and_then(ms),
            max_ms: ms(self.highest_equivalent(c.max)),
        }
    }

    /// How many values counted in `period` lie in `v`'s bucket or above:
    /// a quantile reads at or above `v` exactly when more than its share
    /// do (the account asks whether that many are more than chance).
    pub fn count_at_or_above(&self, v: u64, period: Period) -> u64 {
        let p = period as usize;
        let total = self.columns[p].total;
        let i0 = self.index_for(v.min(u64::MAX >> 1));
        if i0 >= self.counts.len() {
            return 0;
        }
        let h = self.half_magnitude;
        let g0 = i0 >> h;
        let below: u64 = self.columns[p].groups[..g0].iter().sum::<u64>()
            + ((g0 << h)..i0).map(|i| self.at(i, p)).sum::<u64>();
        total - below
    }

    /// Values at ascending quantiles in (0, 1], as
    /// `Histogram::value_at_quantile` defines them: the highest value
    /// equivalent to the first bucket where the running count reaches
    /// ⌈q·n⌉ (at least 1).
    fn quantiles<const N: usize>(&self, period: Period, qs: [f64; N]) -> [u64; N] {
        let p = period as usize;
        let c = &self.columns[p];
        let targets = qs.map(|q| ((q.min(1.0) * c.total as f64).ceil() as u64).max(1));
        let mut out = [0; N];
        let mut next = 0;
        let mut running = 0u64;
        let h = self.half_magnitude;
        if c.total == 0 {
            return out;
        }
        for g in 0..c.groups.len() {
            if running + c.groups[g] < targets[next] {
                running += c.groups[g];
                continue;
            }
            let octave = &self.counts[g << h..(g + 1) << h];
            for (k, slot) in octave.iter().enumerate() {
                running += if self.spill.is_empty() {
                    u64::from(slot[p])
                } else {
                    self.at((g << h) + k, p)
                };
                if running < targets[next] {
                    continue;
                }
                let (low, width) = self.bucket_of((g << h) + k);
                while next < N && running >= targets[next] {
                    out[next] = low + width - 1;
                    next += 1;
                }
                if next == N {
                    return out;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;

    /// Heavy-tailed values from 0 ns to ~1e12 ns.
    fn values(seed: u64, n: usize) -> Vec<u64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 1_000) << (x >> 58).min(30)
            })
            .collect()
    }

    /// The figures the `hdrhistogram` crate gives for the same values.
    fn reference(h: &Histogram<u64>, sum: u128, window: bool) -> LatencyStats {
        if h.is_empty() {
            return LatencyStats::default();
        }
        let ms = |ns: u64| Some(ns as f64 / 1e6);
        LatencyStats {
            count: h.len(),
            mean_ms: Some(sum as f64 / h.len() as f64 / 1e6),
            p50_ms: ms(h.value_at_quantile(0.5)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: if window {
                None
            } else {
                ms(h.value_at_quantile(0.999))
            },
            max_ms: ms(h.max()),
        }
    }

    #[test]
    fn counts_at_or_above_a_bound_as_the_quantiles_read_it() {
        let mut h = LatencyHistogram::new(3);
        let vs = values(11, 20_000);
        for (k, &v) in vs.iter().enumerate() {
            h.record(SimTime(v), k % 3 == 0);
        }
        let [p99] = h.quantiles(Period::Window, [0.99]);
        let n = vs.len() as u64;
        for bound in [
            0u64,
            1,
            999,
            1_000,
            5_000_000,
            123_456_789,
            1 << 40,
            u64::MAX,
        ] {
            let k = h.count_at_or_above(bound, Period::Window);
            // Every value in the bound's bucket or above, by brute force.
            let edge = h.index_for(bound.min(u64::MAX >> 1));
            let want = vs.iter().filter(|&&v| h.index_for(v) >= edge).count() as u64;
            assert_eq!(k, want, "bound {bound}");
            // The p99 reads in the bound's bucket or above exactly when
            // fewer than ⌈0.99 n⌉ values lie below it.
            let above_share = k > n - (n * 99).div_ceil(100);
            assert_eq!(h.index_for(p99) >= edge, above_share, "bound {bound}");
        }
        // The run's column counts its own values only.
        let edge = h.index_for(5_000_000);
        let run = vs.iter().step_by(3).filter(|&&v| h.index_for(v) >= edge);
        assert_eq!(
            h.count_at_or_above(5_000_000, Period::Run),
            run.count() as u64
        );
    }

    #[test]
    fn figures_equal_hdrhistogram_for_run_and_windows_at_two_and_three_figures() {
        for sigfig in [2u8, 3] {
            let mut ours = LatencyHistogram::new(sigfig);
            let mut run = Histogram::<u64>::new(sigfig).unwrap();
            let mut run_sum = 0u128;
            for (round, n) in [(1u64, 20_000), (2, 1), (3, 0), (4, 5_000), (5, 300)] {
                let mut win = Histogram::<u64>::new(sigfig).unwrap();
                let mut win_sum = 0u128;
                for (k, v) in values(round * 7919 + u64::from(sigfig), n)
                    .into_iter()
                    .enumerate()
                {
                    // Every third value only in the window (as before warm-up ends).
                    let in_run = k % 3 != 0;
                    ours.record(SimTime(v), in_run);
                    win.record(v).unwrap();
                    win_sum += u128::from(v);
                    if in_run {
                        run.record(v).unwrap();
                        run_sum += u128::from(v);
                    }
                }
                assert_eq!(
                    ours.stats(Period::Window),
                    reference(&win, win_sum, true),
                    "window, sigfig {sigfig}, round {round}"
                );
                assert_eq!(
                    ours.stats(Period::Run),
                    reference(&run, run_sum, false),
                    "run, sigfig {sigfig}, round {round}"
                );
                ours.reset(Period::Window);
                assert_eq!(ours.len(Period::Window), 0);
                assert!(ours.counts.iter().all(|c| c[1] == 0));
            }
            ours.reset(Period::Run);
            assert!(ours.counts.iter().all(|c| *c == [0, 0]));
            assert_eq!(ours.stats(Period::Run), LatencyStats::default());
        }
    }

    #[test]
    fn a_bucket_past_four_billion_spills_and_still_counts() {
        let mut h = LatencyHistogram::new(3);
        let i = h.index_for(5_000);
        h.record(SimTime(5_000), true);
        h.counts[i] = [u32::MAX; 2];
        h.columns[0].total = u64::from(u32::MAX);
        h.columns[1].total = u64::from(u32::MAX);
        h.columns[0].groups[i >> h.half_magnitude] = u64::from(u32::MAX);
        h.columns[1].groups[i >> h.half_magnitude] = u64::from(u32::MAX);
        h.record(SimTime(5_000), true);
        h.record(SimTime(9_000_000), true);
        assert_eq!(h.at(i, 0), u64::from(u32::MAX) + 1);
        let s = h.stats(Period::Run);
        assert_eq!(s.count, u64::from(u32::MAX) + 2);
        assert_eq!(s.p999_ms, Some(0.005003));
        assert!(s.max_ms.unwrap() >= 9.0);
        h.reset(Period::Window);
        assert_eq!(h.at(i, 0), u64::from(u32::MAX) + 1);
        assert_eq!(h.at(i, 1), 0);
    }

    #[test]
    fn single_values_and_extremes() {
        let mut h = LatencyHistogram::new(3);
        assert_eq!(h.stats(Period::Window), LatencyStats::default());
        h.record(SimTime(7), false);
        let s = h.stats(Period::Window);
        assert_eq!(
            (s.p50_ms, s.p99_ms, s.max_ms),
            (Some(7e-6), Some(7e-6), Some(7e-6))
        );
        assert_eq!(h.stats(Period::Run), LatencyStats::default());
        h.record(SimTime::MAX, true);
        h.record(SimTime::ZERO, true);
        let s = h.stats(Period::Run);
        assert_eq!(s.count, 2);
        assert!(s.max_ms.unwrap() >= (u64::MAX >> 1) as f64 / 1e6);
    }
}
