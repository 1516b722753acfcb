//! An autoscaler for a service: every interval, compare utilisation or queue depth with a target and add or drain replicas, with cooldown and cold start.

use crate::sim::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScaleMetric {
    /// Busy workers / workers over the last interval (0..1).
    Utilisation,
    /// Mean waiting requests per active replica over the last interval.
    QueueDepth,
}

impl ScaleMetric {
    pub fn name(self) -> &'static str {
        match self {
            ScaleMetric::Utilisation => "utilisation",
            ScaleMetric::QueueDepth => "queue_depth",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoscaleSpec {
    pub metric: ScaleMetric,
    /// Desired value of the metric.
    pub target: f64,
    pub min: u32,
    pub max: u32,
    /// How often the autoscaler looks.
    pub interval: SimTime,
    /// No scaling action within this long of the previous one.
    pub cooldown: SimTime,
    /// A new replica takes this long before it serves.
    pub cold_start: SimTime,
}

/// One scaling decision, kept for the summary and the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleEvent {
    pub at: SimTime,
    pub node: usize,
    pub from: u32,
    pub to: u32,
    /// The metric value that triggered it.
    pub observed: f64,
}

/// Target-tracking rule: replicas × observed / target, rounded up, clamped.
/// Returns the new replica count, or `None` to stay.
pub(crate) fn desired_replicas(spec: &AutoscaleSpec, current: u32, observed: f64) -> Option<u32> {
    if !observed.is_finite() || spec.target <= 0.0 {
        return None;
    }
    let ratio = observed / spec.target;
    // A 10 % dead band avoids flapping around the target.
    if (ratio - 1.0).abs() <= 0.1 {
        return None;
    }
    let want = (f64::from(current.max(1)) * ratio).ceil();
    let want = if want.is_finite() {
        want.clamp(f64::from(spec.min), f64::from(spec.max)) as u32
    } else {
        spec.max
    };
    (want != current).then_some(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AutoscaleSpec {
        AutoscaleSpec {
            metric: ScaleMetric::Utilisation,
            target: 0.6,
            min: 2,
            max: 10,
            interval: SimTime::from_secs(10),
            cooldown: SimTime::from_secs(30),
            cold_start: SimTime::from_secs(20),
        }
    }

    #[test]
    fn scales_in_proportion_and_within_bounds() {
        assert_eq!(desired_replicas(&spec(), 2, 0.9), Some(3));
        assert_eq!(desired_replicas(&spec(), 4, 1.0), Some(7));
        assert_eq!(desired_replicas(&spec(), 8, 1.0), Some(10));
        assert_eq!(desired_replicas(&spec(), 4, 0.15), Some(2));
        assert_eq!(
            desired_replicas(&spec(), 3, 0.62),
            None,
            "inside the dead band"
        );
        assert_eq!(desired_replicas(&spec(), 3, f64::NAN), None);
    }
}
