//! Payloads: a call's request and answer cross its link as transfers of their size, queued first come first served behind the link's earlier transfers (size / bandwidth each), counted in bytes and billed as egress between zones; and the bytes each request class brings from the users and takes back.

use super::Simulation;
use crate::sim::dist::Dist;
use crate::sim::metrics::TransferSummary;
use crate::sim::model::{Model, NodeIdx, Payload};
use crate::sim::rng::{Stream, stream};
use crate::sim::time::SimTime;

/// Bytes per GB, as clouds bill egress (decimal).
pub const BYTES_PER_GB: f64 = 1e9;

/// One direction of a link with a bandwidth: a single server taking
/// transfers in the order they are sent (M/G/1 FIFO).
#[derive(Clone, Debug)]
pub(super) struct Wire {
    /// Bytes per second.
    bandwidth: f64,
    /// When the transfers sent so far are all through.
    free_at: SimTime,
}

impl Wire {
    /// A transfer of `bytes` sent at `now`: how long until its last byte
    /// is through (its wait behind earlier transfers, then size / bandwidth).
    fn send(&mut self, now: SimTime, bytes: u64) -> SimTime {
        let secs = bytes as f64 / self.bandwidth;
        let start = self.free_at.max(now);
        self.free_at = start.saturating_add(SimTime::from_secs_f64(secs));
        self.free_at.saturating_sub(now)
    }
}

/// A call's payload at run time (in its `CallRt`).
#[derive(Clone, Debug)]
pub(super) struct CallWire {
    request: Option<Dist>,
    response: Option<Dist>,
    /// The wires (indices in `Transfers::wires`) the request and the
    /// answer cross, when the link has a bandwidth.
    out: Option<usize>,
    back: Option<usize>,
    /// Dollars per byte crossing (the zones' link's egress price).
    price: f64,
    rng: Stream,
}

/// The bytes counted over the measured period (requests that arrived
/// after the warm-up).
#[derive(Clone, Debug, Default)]
pub(super) struct Transfers {
    wires: Vec<Wire>,
    totals: TransferSummary,
    /// Per class: the bytes from and to the users.
    class_sizes: Vec<(Option<Dist>, Option<Dist>)>,
    /// Per workload: dollars per byte answered (its entry node's price).
    user_price: Vec<f64>,
    rng: Option<Stream>,
}

impl Transfers {
    /// Two new wires of bandwidth `b` (one each way): the first's index.
    fn pair(&mut self, b: f64) -> usize {
        let wire = Wire {
            bandwidth: b,
            free_at: SimTime::ZERO,
        };
        self.wires.push(wire.clone());
        self.wires.push(wire);
        self.wires.len() - 2
    }
}

/// Whether the model carries payloads anywhere.
pub(super) fn has_payloads(model: &Model) -> bool {
    model
        .classes
        .iter()
        .any(|c| c.request_bytes.is_some() || c.response_bytes.is_some())
        || model
            .nodes
            .iter()
            .any(|n| n.kind.calls().iter().any(|c| c.payload.is_some()))
        || model
            .zone_links
            .iter()
            .any(|l| l.bandwidth.is_some() || l.egress_per_gb.is_some())
}

/// A draw of a size distribution, in whole bytes.
fn bytes_of(d: Dist, rng: &mut Stream) -> u64 {
    let x = d.sample_secs(rng);
    if x.is_finite() && x > 0.0 {
        x.min(crate::sim::limits::PAYLOAD_BYTES.max).round() as u64
    } else {
        0
    }
}

impl Simulation {
    /// Sets up payloads, wires and prices (only for a model with payloads).
    #[cold]
    pub(super) fn apply_payloads(&mut self, model: &Model, seed: u64) {
        let mut t = Transfers {
            class_sizes: model
                .classes
                .iter()
                .map(|c| (c.request_bytes, c.response_bytes))
                .collect(),
            user_price: model
                .workloads
                .iter()
                .map(|w| model.nodes[w.to].egress_per_gb.unwrap_or(0.0) / BYTES_PER_GB)
                .collect(),
            rng: Some(stream(seed, "users", "payload")),
            ..Transfers::default()
        };
        // The zones' links with a bandwidth: two wires each (between[0]
        // to between[1], then back).
        let zone_wires: Vec<Option<usize>> = model
            .zone_links
            .iter()
            .map(|l| l.bandwidth.map(|b| t.pair(b)))
            .collect();
        for (n, node) in model.nodes.iter().enumerate() {
            for (i, c) in node.kind.calls().iter().enumerate() {
                let link = model.zone_link_way(n, c.to);
                let zone = link.map(|(k, _)| &model.zone_links[k]);
                if c.payload.is_none()
                    && zone.is_none_or(|l| l.bandwidth.is_none() && l.egress_per_gb.is_none())
                {
                    continue;
                }
                let p = c.payload.unwrap_or_default();
                let (out, back) = match (p.bandwidth, link) {
                    (Some(b), _) => {
                        let w = t.pair(b);
                        (Some(w), Some(w + 1))
                    }
                    (None, Some((k, forward))) => match zone_wires[k] {
                        Some(w) if forward => (Some(w), Some(w + 1)),
                        Some(w) => (Some(w + 1), Some(w)),
                        None => (None, None),
                    },
                    (None, None) => (None, None),
                };
                let price = zone.and_then(|l| l.egress_per_gb).unwrap_or(0.0) / BYTES_PER_GB;
                self.attach_wire(n, i, p, out, back, price, seed);
            }
        }
        self.transfers = Some(Box::new(t));
    }

    /// Gives call `i` of node `n` its run-time payload; a call without a
    /// link latency gets a zero one, so its transfers go the link's way.
    #[allow(clippy::too_many_arguments)]
    fn attach_wire(
        &mut self,
        n: NodeIdx,
        i: usize,
        p: Payload,
        out: Option<usize>,
        back: Option<usize>,
        price: f64,
        seed: u64,
    ) {
        let own_latency = self.nodes[n]
            .calls()
            .get(i)
            .and_then(|c| c.latency)
            .is_some();
        let id = self.nodes[n].id.clone();
        let Some(rt) = self.nodes[n].call_rt(i) else {
            return;
        };
        if !own_latency && rt.zone.is_none() {
            rt.zone = Some(Dist::Constant { value: 0.0 });
        }
        rt.wire = Some(Box::new(CallWire {
            request: p.request,
            response: p.response,
            out,
            back,
            price,
            rng: stream(seed, &id, &format!("payload {i}")),
        }));
    }
}

impl Simulation {
    /// Call `i` of `node` sends its request (`out`) or a successful answer
    /// comes back: the payload is drawn, counted (for a measured request)
    /// and crosses the link's wire; returns the time its transfer takes,
    /// queueing included (zero without a bandwidth).
    #[cold]
    #[inline(never)]
    pub(super) fn transfer(&mut self, node: usize, i: usize, out: bool, counted: bool) -> SimTime {
        let now = self.now;
        let Some(t) = self.transfers.as_mut() else {
            return SimTime::ZERO;
        };
        let Some(w) = self.nodes[node].call_rt(i).and_then(|rt| rt.wire.as_mut()) else {
            return SimTime::ZERO;
        };
        let (size, wire) = if out {
            (w.request, w.out)
        } else {
            (w.response, w.back)
        };
        let bytes = size.map_or(0, |d| bytes_of(d, &mut w.rng));
        if counted {
            t.totals.link_bytes += bytes;
            if w.price > 0.0 {
                t.totals.egress_bytes += bytes;
                t.totals.egress_cost += bytes as f64 * w.price;
            }
        }
        match wire.and_then(|k| t.wires.get_mut(k)) {
            Some(wire) => wire.send(now, bytes),
            None => SimTime::ZERO,
        }
    }

    /// A measured request of `class` from `workload` arrived (`done`:
    /// None) or was answered successfully (`done`: Some): the users' bytes.
    #[cold]
    #[inline(never)]
    pub(super) fn users_bytes(&mut self, workload: usize, class: Option<u16>, answered: bool) {
        let Some(t) = self.transfers.as_mut() else {
            return;
        };
        let Some(&(from, to)) = class.and_then(|c| t.class_sizes.get(c as usize)) else {
            return;
        };
        let Some(rng) = t.rng.as_mut() else {
            return;
        };
        if answered {
            let bytes = to.map_or(0, |d| bytes_of(d, rng));
            t.totals.bytes_to_users += bytes;
            let price = t.user_price.get(workload).copied().unwrap_or(0.0);
            if price > 0.0 {
                t.totals.egress_bytes += bytes;
                t.totals.egress_cost += bytes as f64 * price;
            }
        } else {
            t.totals.bytes_from_users += from.map_or(0, |d| bytes_of(d, rng));
        }
    }

    /// The bytes and egress so far, for a model with payloads.
    pub(super) fn transfer_summary(&self, measured: SimTime) -> Option<TransferSummary> {
        let t = self.transfers.as_ref()?;
        let hours = measured.as_secs_f64() / 3600.0;
        let mut s = t.totals.clone();
        s.egress_cost_per_hour = if hours > 0.0 {
            s.egress_cost / hours
        } else {
            0.0
        };
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_serves_transfers_in_order_at_its_bandwidth() {
        // 1 MB at 1 GB/s is 1 ms; a second sent at once waits for the first.
        let mut w = Wire {
            bandwidth: 1e9,
            free_at: SimTime::ZERO,
        };
        assert_eq!(w.send(SimTime::ZERO, 1_000_000), SimTime::from_millis(1));
        assert_eq!(w.send(SimTime::ZERO, 1_000_000), SimTime::from_millis(2));
        // Sent after the wire is idle again: its own time only.
        assert_eq!(w.send(SimTime::from_millis(5), 500_000), SimTime(500_000));
    }
}
