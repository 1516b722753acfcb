//! A station: `workers` servers sharing one FIFO waiting line of bounded capacity, with time-integral accounting.

use std::collections::VecDeque;

use crate::sim::time::SimTime;

/// What a station did with an arriving visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// A worker was free: service starts now.
    Started,
    /// All workers busy: the visit waits in line.
    Queued,
    /// The line is full: the visit is turned away.
    Rejected,
    /// The line is as long as the visit's shedding threshold: refused on
    /// purpose (load shedding).
    Shed,
}

/// Time integrals (value × nanoseconds) of a station's state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Areas {
    /// Busy workers × time.
    pub busy: u128,
    /// Workers (capacity) × time.
    pub capacity: u128,
    /// Visits waiting in line × time.
    pub queued: u128,
}

impl Areas {
    pub fn minus(&self, earlier: &Areas) -> Areas {
        Areas {
            busy: self.busy.saturating_sub(earlier.busy),
            capacity: self.capacity.saturating_sub(earlier.capacity),
            queued: self.queued.saturating_sub(earlier.queued),
        }
    }
    pub fn plus(&self, other: &Areas) -> Areas {
        Areas {
            busy: self.busy + other.busy,
            capacity: self.capacity + other.capacity,
            queued: self.queued + other.queued,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Station {
    pub workers: u32,
    pub busy: u32,
    /// Waiting visits (ids into the visit table), oldest first; with
    /// priorities, by level first (the next served at the front).
    pub line: VecDeque<u32>,
    /// With priorities: how many of `line` wait at each level (0 first).
    /// Empty: a plain FIFO line.
    ranks: Vec<u32>,
    /// Most visits that may wait; `None` = unbounded.
    pub line_capacity: Option<u32>,
    /// Routed to. A replica being removed stops being active and drains.
    pub active: bool,
    /// Crashed: serves nothing and is not routed to until it recovers.
    pub down: bool,
    /// Starting (autoscaler cold start): costs money, serves nothing yet.
    pub warming: bool,
    /// Visits assigned here and not yet gone (waiting, in service or calling):
    /// what "least connections" counts.
    pub present: u32,
    areas: Areas,
    last: SimTime,
}

impl Station {
    pub fn new(workers: u32, line_capacity: Option<u32>, now: SimTime) -> Self {
        Station {
            workers,
            busy: 0,
            line: VecDeque::new(),
            ranks: Vec::new(),
            line_capacity,
            active: true,
            down: false,
            warming: false,
            present: 0,
            areas: Areas::default(),
            last: now,
        }
    }

    /// Serves its line by `levels` priority levels (0 or 1: FIFO).
    pub fn with_levels(mut self, levels: usize) -> Self {
        self.ranks = if levels > 1 {
            vec![0; levels]
        } else {
            Vec::new()
        };
        self
    }

    /// The priority levels of its line (0: FIFO).
    pub fn levels(&self) -> usize {
        self.ranks.len()
    }

    /// Brings the integrals up to `now`; call before every state change.
    pub fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.0.saturating_sub(self.last.0));
        if dt > 0 {
            let [busy, queued, capacity] = self.rates();
            self.areas.busy += dt * u128::from(busy);
            self.areas.queued += dt * u128::from(queued);
            self.areas.capacity += dt * u128::from(capacity);
            self.last = now;
        }
    }

    /// Busy workers × time (ns) up to `now`, without bringing the integrals
    /// up to date (what a snapshot reads).
    pub fn busy_area_at(&self, now: SimTime) -> u128 {
        let dt = u128::from(now.0.saturating_sub(self.last.0));
        self.areas.busy + dt * u128::from(self.busy)
    }

    /// What the integrals grow by per nanosecond now: (busy workers,
    /// visits waiting, capacity).
    #[inline]
    pub fn rates(&self) -> [u64; 3] {
        // After workers are lowered, visits already in service keep their
        // worker until done: capacity is at least what is busy.
        // Busy first: the common case decides at the first test.
        let serving = self.busy > 0 || !self.line.is_empty() || (self.active && !self.down);
        let capacity = if serving {
            u64::from(self.workers.max(self.busy))
        } else {
            0
        };
        [u64::from(self.busy), self.line.len() as u64, capacity]
    }

    /// Integrals up to `now`.
    pub fn areas(&mut self, now: SimTime) -> Areas {
        self.advance(now);
        self.areas
    }

    /// Admits `visit`: starts it, queues it, or rejects it.
    pub fn admit(&mut self, visit: u32, now: SimTime) -> Admission {
        self.advance(now);
        if self.down {
            return Admission::Rejected;
        }
        if self.busy < self.workers && self.line.is_empty() {
            self.busy += 1;
            self.present += 1;
            Admission::Started
        } else if self
            .line_capacity
            .is_none_or(|cap| self.line.len() < cap as usize)
        {
            self.line.push_back(visit);
            self.present += 1;
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// Admits `visit` of priority `level` (0 first), shed when the line
    /// already holds `shed_at` or more.
    pub fn admit_ranked(
        &mut self,
        visit: u32,
        level: usize,
        shed_at: Option<u32>,
        now: SimTime,
    ) -> Admission {
        self.advance(now);
        if self.down {
            return Admission::Rejected;
        }
        if shed_at.is_some_and(|n| self.line.len() >= n as usize) {
            return Admission::Shed;
        }
        if self.busy < self.workers && self.line.is_empty() {
            self.busy += 1;
            self.present += 1;
            Admission::Started
        } else if self
            .line_capacity
            .is_none_or(|cap| self.line.len() < cap as usize)
        {
            self.enqueue(visit, level);
            self.present += 1;
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// Puts `visit` in line behind every visit of its level or a higher
    /// one (FIFO without priorities).
    fn enqueue(&mut self, visit: u32, level: usize) {
        if self.ranks.is_empty() {
            self.line.push_back(visit);
            return;
        }
        let level = level.min(self.ranks.len() - 1);
        let at: u32 = self.ranks[..=level].iter().sum();
        self.ranks[level] += 1;
        self.line.insert(at as usize, visit);
    }

    /// Takes every waiting visit out of line (a crash).
    pub fn take_line(&mut self) -> Vec<u32> {
        self.ranks.fill(0);
        self.line.drain(..).collect()
    }

    /// Admits `visit` ignoring the line's capacity (a redelivered message
    /// that was already stored).
    pub fn force_admit(&mut self, visit: u32, now: SimTime) -> Admission {
        self.advance(now);
        self.present += 1;
        if self.busy < self.workers && self.line.is_empty() && !self.down {
            self.busy += 1;
            Admission::Started
        } else {
            self.line.push_back(visit);
            Admission::Queued
        }
    }

    /// The next waiting visit, taken out of line, if a worker is free for it.
    /// The caller then either `occupy`s a worker for it or discards it.
    pub fn next_waiting(&mut self, now: SimTime) -> Option<u32> {
        self.advance(now);
        if self.busy < self.workers && !self.down {
            if let Some(r) = self.ranks.iter_mut().find(|r| **r > 0) {
                *r -= 1;
            }
            self.line.pop_front()
        } else {
            None
        }
    }

    /// A worker takes the visit just taken from the line.
    pub fn occupy(&mut self) {
        self.busy += 1;
    }

    /// A worker is free again (its visit is gone).
    pub fn release_worker(&mut self, now: SimTime) {
        self.advance(now);
        self.busy = self.busy.saturating_sub(1);
        self.present = self.present.saturating_sub(1);
    }

    /// A waiting visit left the line without service (it was abandoned).
    pub fn drop_waiting(&mut self) {
        self.present = self.present.saturating_sub(1);
    }

    /// Takes waiting `visit` out of line at once (its node's timeout fired):
    /// it no longer counts in the line's length, its integrals or its
    /// priority level. False if it is not in line.
    pub fn withdraw(&mut self, visit: u32, now: SimTime) -> bool {
        let Some(at) = self.position(visit) else {
            return false;
        };
        self.advance(now);
        self.line.remove(at);
        if let Some(level) = self.level_at(at) {
            self.ranks[level] -= 1;
        }
        self.present = self.present.saturating_sub(1);
        true
    }

    /// Where `visit` stands in line. Deadlines fall due in arrival order,
    /// so the visit that times out is nearly always the first of its
    /// level: those places are looked at first, the whole line only after.
    fn position(&self, visit: u32) -> Option<usize> {
        let mut first = 0usize;
        for &waiting in self.ranks.iter().chain(std::iter::once(&0)) {
            if self.line.get(first) == Some(&visit) {
                return Some(first);
            }
            first += waiting as usize;
        }
        self.line.iter().position(|&v| v == visit)
    }

    /// The priority level of the visit at place `at` in line (`None`: a
    /// FIFO line).
    fn level_at(&self, at: usize) -> Option<usize> {
        let mut end = 0usize;
        self.ranks.iter().position(|&waiting| {
            end += waiting as usize;
            at < end
        })
    }

    /// May new visits be sent here?
    pub fn routable(&self) -> bool {
        self.active && !self.down && !self.warming
    }

    /// Counts toward cost: serving or starting (a replica being drained or
    /// a crashed one is not billed).
    pub fn billable(&self) -> bool {
        (self.active || self.warming) && !self.down
    }

    pub fn set_down(&mut self, down: bool, now: SimTime) {
        self.advance(now);
        self.down = down;
    }

    pub fn set_workers(&mut self, workers: u32, now: SimTime) {
        self.advance(now);
        self.workers = workers;
    }

    pub fn set_active(&mut self, active: bool, now: SimTime) {
        self.advance(now);
        self.active = active;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_until_workers_then_queues_then_rejects() {
        let mut s = Station::new(2, Some(1), SimTime::ZERO);
        assert_eq!(s.admit(1, SimTime(0)), Admission::Started);
        assert_eq!(s.admit(2, SimTime(0)), Admission::Started);
        assert_eq!(s.admit(3, SimTime(0)), Admission::Queued);
        assert_eq!(s.admit(4, SimTime(0)), Admission::Rejected);
        assert_eq!(s.present, 3);
        s.release_worker(SimTime(10));
        assert_eq!(s.next_waiting(SimTime(10)), Some(3));
        s.occupy();
        let a = s.areas(SimTime(20));
        assert_eq!(a.busy, 2 * 20);
        assert_eq!(a.queued, 10);
        assert_eq!(a.capacity, 2 * 20);
    }

    #[test]
    fn serves_levels_in_order_fifo_within_one_and_sheds_at_its_threshold() {
        let mut s = Station::new(1, Some(10), SimTime::ZERO).with_levels(3);
        let t = SimTime(0);
        assert_eq!(s.admit_ranked(1, 2, None, t), Admission::Started);
        for (v, level) in [(2, 2), (3, 1), (4, 0), (5, 2), (6, 0), (7, 1)] {
            assert_eq!(s.admit_ranked(v, level, None, t), Admission::Queued);
        }
        assert_eq!(s.admit_ranked(8, 2, Some(6), t), Admission::Shed);
        assert_eq!(s.admit_ranked(8, 0, Some(7), t), Admission::Queued);
        let mut order = Vec::new();
        s.release_worker(t);
        while let Some(v) = s.next_waiting(t) {
            order.push(v);
            s.release_worker(t);
        }
        assert_eq!(order, [4, 6, 8, 3, 7, 2, 5]);
        assert_eq!(s.ranks, [0, 0, 0]);
    }

    #[test]
    fn a_withdrawn_visit_leaves_the_line_its_level_and_its_integrals() {
        let mut s = Station::new(1, Some(3), SimTime::ZERO).with_levels(2);
        assert_eq!(s.admit_ranked(1, 1, None, SimTime(0)), Admission::Started);
        for v in [2, 3] {
            assert_eq!(s.admit_ranked(v, 1, None, SimTime(0)), Admission::Queued);
        }
        assert_eq!(s.admit_ranked(4, 0, None, SimTime(0)), Admission::Queued);
        assert_eq!(s.admit_ranked(5, 1, None, SimTime(0)), Admission::Rejected);
        // Visit 2 (level 1, behind visit 4) times out at 10: the line has
        // room again, and a threshold of 3 no longer sheds.
        assert!(s.withdraw(2, SimTime(10)));
        assert!(!s.withdraw(2, SimTime(10)));
        assert_eq!((s.ranks.as_slice(), s.present), ([1, 1].as_slice(), 3));
        assert_eq!(
            s.admit_ranked(6, 1, Some(3), SimTime(10)),
            Admission::Queued
        );
        assert_eq!(s.admit_ranked(7, 1, Some(3), SimTime(10)), Admission::Shed);
        assert!(s.withdraw(3, SimTime(20)));
        assert_eq!(s.areas(SimTime(30)).queued, 3 * 10 + 3 * 10 + 2 * 10);
        s.release_worker(SimTime(30));
        let mut order = Vec::new();
        while let Some(v) = s.next_waiting(SimTime(30)) {
            order.push(v);
            s.occupy();
            s.release_worker(SimTime(30));
        }
        assert_eq!(
            (order.as_slice(), s.ranks.as_slice()),
            ([4, 6].as_slice(), [0, 0].as_slice())
        );
    }
}
