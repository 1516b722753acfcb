//! A node's station integrals summed at each window's close from the stations touched in it alone: the others' rates did not change, so their share is the window's length times the rates they had.

use crate::sim::station::{Areas, Station};
use crate::sim::time::SimTime;

/// Below this many stations a window's close simply visits each.
pub(crate) const TALLY_FROM: usize = 9;

#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    /// Each station's (busy, queued, capacity) rates at the last close.
    rates: Vec<[u64; 3]>,
    /// Each station's integrals when it was last looked at, and when that
    /// was (its integrals at the last close are these plus its rates since).
    at_close: Vec<Areas>,
    since: Vec<SimTime>,
    /// The rates summed over every station, at the last close.
    total: [u128; 3],
    /// Stations touched since the last close (flag and list).
    touched: Vec<bool>,
    list: Vec<u32>,
    last_close: SimTime,
    /// The node's integrals at the last close.
    areas: Areas,
}

impl Tally {
    /// A tally of `stations` from `now` on (their integrals are read once).
    pub fn new(stations: &mut [Station], now: SimTime) -> Tally {
        let n = stations.len();
        let mut t = Tally {
            rates: Vec::with_capacity(n),
            at_close: Vec::with_capacity(n),
            since: vec![now; n],
            touched: vec![false; n],
            last_close: now,
            ..Tally::default()
        };
        for s in stations.iter_mut() {
            let (a, r) = (s.areas(now), s.rates());
            t.areas = t.areas.plus(&a);
            t.at_close.push(a);
            t.rates.push(r);
            for (sum, x) in t.total.iter_mut().zip(r) {
                *sum += u128::from(x);
            }
        }
        t
    }

    /// Station `i` changed (or may have): it is looked at when the window closes.
    #[inline]
    pub fn touch(&mut self, i: usize) {
        if let Some(f) = self.touched.get_mut(i)
            && !*f
        {
            *f = true;
            self.list.push(i as u32);
        }
    }

    /// Every one of `n` stations may have changed (stations added,
    /// workers or routing changed): all are looked at.
    pub fn every(&mut self, n: usize) {
        if self.rates.len() < n {
            self.rates.resize(n, [0; 3]);
            self.at_close.resize(n, Areas::default());
            self.since.resize(n, self.last_close);
            self.touched.resize(n, false);
        }
        for i in 0..n {
            self.touch(i);
        }
    }

    /// The node's integrals at `now` (a window's close): the touched
    /// stations' own, the others' by their unchanged rates.
    pub fn close(&mut self, stations: &mut [Station], now: SimTime) -> Areas {
        let dt = u128::from(now.0.saturating_sub(self.last_close.0));
        let mut clean = self.total;
        for &i in &self.list {
            for (c, x) in clean.iter_mut().zip(self.rates[i as usize]) {
                *c -= u128::from(x);
            }
        }
        self.areas.busy += dt * clean[0];
        self.areas.queued += dt * clean[1];
        self.areas.capacity += dt * clean[2];
        for &i in &self.list {
            let i = i as usize;
            let Some(s) = stations.get_mut(i) else {
                continue;
            };
            let a = s.areas(now);
            // Untouched from `since` to the last close: its rates held.
            let held = u128::from(self.last_close.0.saturating_sub(self.since[i].0));
            let [busy, queued, capacity] = self.rates[i].map(|x| held * u128::from(x));
            let at_last_close = self.at_close[i].plus(&Areas {
                busy,
                capacity,
                queued,
            });
            self.areas = self.areas.plus(&a.minus(&at_last_close));
            self.at_close[i] = a;
            self.since[i] = now;
            let r = s.rates();
            for ((sum, new), old) in self.total.iter_mut().zip(r).zip(self.rates[i]) {
                *sum = *sum + u128::from(new) - u128::from(old);
            }
            self.rates[i] = r;
            self.touched[i] = false;
        }
        self.list.clear();
        self.last_close = now;
        self.areas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(stations: &mut [Station], now: SimTime) -> Areas {
        (stations.iter_mut()).fold(Areas::default(), |a, s| a.plus(&s.areas(now)))
    }

    #[test]
    fn a_close_looks_at_the_touched_stations_only_and_sums_them_all() {
        let mut s: Vec<Station> = (0..320)
            .map(|_| Station::new(2, Some(5), SimTime::ZERO))
            .collect();
        let mut t = Tally::new(&mut s, SimTime::ZERO);
        let mut visit = 0;
        for w in 1..=50u64 {
            // A few instances get visits in each window; most get none.
            for k in 0..3 {
                let i = ((w * 37 + k * 101) % 320) as usize;
                let at = SimTime(w * 1_000_000 + k * 1000);
                s[i].admit(visit, at);
                visit += 1;
                t.touch(i);
                if w % 3 == 0 {
                    s[i].release_worker(at);
                }
            }
            assert!(t.list.len() <= 3);
            let end = SimTime((w + 1) * 1_000_000);
            let mut copy = s.clone();
            assert_eq!(t.close(&mut s, end), scan(&mut copy, end), "window {w}");
        }
        s[5].set_active(false, SimTime(60_000_000));
        t.every(s.len());
        let end = SimTime(70_000_000);
        let mut copy = s.clone();
        assert_eq!(t.close(&mut s, end), scan(&mut copy, end));
    }
}
