//! Sampled request traces: a bounded stream of hops for drawing requests as moving dots.

use std::collections::VecDeque;

use crate::sim::metrics::FailureCause;
use crate::sim::model::NodeIdx;
use crate::sim::time::SimTime;

/// Which requests to trace and how many events to keep untaken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceConfig {
    /// Trace one request in this many (1 = all).
    pub one_in: u64,
    /// Most events kept until `take_traces`; older ones are dropped.
    pub capacity: usize,
}

/// Something that happened to a traced request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceEvent {
    pub at: SimTime,
    /// The request's sequence number (unique within a run).
    pub request: u64,
    pub kind: TraceKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TraceKind {
    /// The request reaches `to`, sent by node `from` (`None`: by its workload).
    Enter {
        from: Option<NodeIdx>,
        to: NodeIdx,
        workload: usize,
    },
    /// Node `from` answers `to` (`None`: its workload).
    Answer {
        from: NodeIdx,
        to: Option<NodeIdx>,
        ok: bool,
    },
    /// The request is over: success, or failure with its cause.
    Done {
        outcome: Result<(), FailureCause>,
        latency: SimTime,
        workload: usize,
    },
}

#[derive(Default)]
pub(crate) struct Tracer {
    pub config: Option<TraceConfig>,
    pub events: VecDeque<TraceEvent>,
    pub dropped: u64,
}

impl Tracer {
    pub fn wants(&self, request: u64) -> bool {
        self.config
            .is_some_and(|c| request.is_multiple_of(c.one_in.max(1)))
    }
    pub fn push(&mut self, ev: TraceEvent) {
        let cap = self.config.map_or(0, |c| c.capacity);
        if cap == 0 {
            return;
        }
        while self.events.len() >= cap {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(ev);
    }
}
