//! Requests still waiting, counted as Submit's exam counts them: the run's latency with each at its age so far, and how many wait past each latency objective's bound.

use crate::sim::metrics::LatencyStats;
use crate::sim::model::{Bound, Objective};
use crate::sim::{SimTime, Simulation, Summary};

/// The measured requests still unanswered at the last refresh.
#[derive(Clone, Debug, Default)]
pub struct Waiting {
    /// How many there are.
    pub count: usize,
    /// The run's end-to-end latency counting each at its age so far (what
    /// the exam judges).
    pub judged: LatencyStats,
    /// Per objective (same order as the model's), how many have waited
    /// longer than its bound: for a system-wide "latency below" objective,
    /// else 0.
    pub late: Vec<u64>,
}

impl Waiting {
    /// Looks at `sim` now, for `objectives`.
    pub fn of(sim: &Simulation, objectives: &[Objective]) -> Waiting {
        let mut ages = sim.unfinished_ages();
        ages.sort_unstable();
        let late = objectives
            .iter()
            .map(|o| match o.bound {
                Bound::Below(secs) if o.of.is_none() && o.metric.is_percentile() => {
                    let bound = SimTime::from_secs_f64(secs);
                    (ages.len() - ages.partition_point(|&a| a <= bound)) as u64
                }
                _ => 0,
            })
            .collect();
        Waiting {
            count: ages.len(),
            judged: sim.latency_counting(&ages),
            late,
        }
    }

    /// `run` with the latency the exam would judge.
    pub fn judged_summary(&self, run: &Summary) -> Summary {
        let mut s = run.clone();
        s.latency = self.judged;
        s
    }
}

/// Whether `late` requests waiting past a percentile's bound break it on
/// their own among `completed` answered ones: more than the percentile's
/// tail share of all of them is past the bound, whatever the answered
/// ones took (a lower bound: some of those may be slow too).
pub fn late_ones_break(tail_share: Option<f64>, late: u64, completed: u64) -> bool {
    tail_share.is_some_and(|share| late > 0 && late as f64 > share * (completed + late) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_p99_breaks_when_more_than_one_in_a_hundred_waits_past_it() {
        assert!(!late_ones_break(Some(0.01), 0, 1000));
        assert!(!late_ones_break(Some(0.01), 10, 1000)); // 10 of 1010
        assert!(late_ones_break(Some(0.01), 11, 1000)); // 11 of 1011
        assert!(late_ones_break(Some(0.01), 1, 0));
        assert!(!late_ones_break(None, 500, 10));
    }
}
