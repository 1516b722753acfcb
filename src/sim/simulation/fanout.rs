//! Fan-out: a call made `repeat` times per visit, one after another or as parallel sub-calls (wait for all, a quorum or the first), and hedged calls.
//!
//! A fan-out's count and answers live in `Simulation::fans`, not in the
//! visit. A sequential repetition reuses the visit's own call machinery
//! (its repetition index `rep`). A parallel fan-out or a hedge sends
//! each sub-call as a *leg*: a visit at the caller's node, on the caller's
//! replica (so its pool), that makes one call with the call's timeout,
//! retries, breaker and link, then reports to its parent. The parent holds
//! its worker and only counters (sent, successes, failures); when enough
//! have answered it moves on and bumps its token, so the legs still out
//! are orphaned: their answers are dropped and they retry no more.

use super::{Caller, Fan, MESSAGE, NONE, Simulation, VisitState};
use crate::sim::event::EventKind;
use crate::sim::limits::REPEAT;
use crate::sim::metrics::FailureCause;
use crate::sim::model::{Count, FanOut};
use crate::sim::time::SimTime;

impl Simulation {
    /// Visit `j` starts call `i`, which fans out: draws how many times,
    /// then repeats it one after another, or sends its sub-calls at once,
    /// or hedges it. A draw of 0 skips the call.
    #[cold]
    #[inline(never)]
    pub(super) fn begin_fan_out(&mut self, j: u32, i: usize) {
        let node = self.visits[j as usize].node as usize;
        let Some(call) = self.nodes[node].calls().get(i).copied() else {
            return;
        };
        let n = self.draw_count(node, i, &call.fan);
        if n == 0 {
            self.continue_work(j);
            return;
        }
        self.set_fan(
            j,
            Fan {
                reps: n,
                ..Fan::default()
            },
        );
        if call.fan.parallel || call.fan.hedge.is_some() {
            self.start_legs(j, call.fan.hedge);
        } else {
            self.first_attempt(node, i);
            self.start_call(j);
        }
    }

    /// How many times call `i` of `node` is made this time (a hedge: two
    /// copies at most).
    fn draw_count(&mut self, node: usize, i: usize, fan: &FanOut) -> u32 {
        if fan.hedge.is_some() {
            return 2;
        }
        match fan.repeat {
            Count::Fixed(n) => n,
            c => match self.nodes[node]
                .call_rt(i)
                .and_then(|rt| rt.counts.as_mut())
            {
                Some(rng) => c.sample(rng, REPEAT.max),
                None => 1,
            },
        }
    }

    fn fan(&self, j: u32) -> Fan {
        self.fans.get(&u64::from(j)).copied().unwrap_or_default()
    }

    fn set_fan(&mut self, j: u32, fan: Fan) {
        self.fans.insert(u64::from(j), fan);
        self.visits[j as usize].fanned = true;
    }

    pub(super) fn end_fan(&mut self, j: u32) {
        self.fans.remove(&u64::from(j));
        self.visits[j as usize].fanned = false;
    }

    /// Visit `j` (fanned) made a repetition of its call, one after
    /// another: makes the next and returns true, or ends the repetitions.
    pub(super) fn repeat_again(&mut self, j: u32) -> bool {
        if self.visits[j as usize].rep + 1 < self.fan(j).reps {
            self.next_repetition(j);
            return true;
        }
        self.end_fan(j);
        false
    }

    /// The next repetition of visit `j`'s current call (one after another).
    ///
    /// A callee that answers at once (a queue, a topic) asks for the next
    /// repetition from inside this one's call: that request is only noted
    /// (`repeat_due`), and the loop here makes it once the call has
    /// returned, so the stack stays flat (it recursed once per repetition
    /// and overflowed near `repeat = 10_000`). Nothing runs between the
    /// note and the loop, so the order of events is the recursion's.
    fn next_repetition(&mut self, j: u32) {
        let me = (j, self.visits[j as usize].generation);
        if self.repeating == Some(me) {
            self.repeat_due = true;
            return;
        }
        let outer = self.repeating.replace(me);
        loop {
            self.make_repetition(j);
            let due = std::mem::take(&mut self.repeat_due);
            if !due || !self.visit_is(me.0, me.1) {
                break;
            }
        }
        self.repeating = outer;
    }

    /// Makes visit `j`'s next repetition of its current call.
    fn make_repetition(&mut self, j: u32) {
        let jm = &mut self.visits[j as usize];
        jm.rep += 1;
        jm.attempt = 0;
        let (node, i) = (jm.node as usize, (jm.next_call as usize).saturating_sub(1));
        self.first_attempt(node, i);
        self.start_call(j);
    }

    /// A first attempt of call `i` (for its retry budget).
    pub(super) fn first_attempt(&mut self, node: usize, i: usize) {
        if let Some(b) = self.nodes[node]
            .call_rt(i)
            .and_then(|rt| rt.budget.as_mut())
        {
            b.on_first_attempt();
        }
    }

    /// Visit `j` waits for its fan's sub-calls: all sent now, or one and a
    /// hedge after `hedge`.
    fn start_legs(&mut self, j: u32, hedge: Option<SimTime>) {
        let n = self.fan(j).reps;
        let jm = &mut self.visits[j as usize];
        jm.token = jm.token.wrapping_add(1);
        jm.state = VisitState::FanOut;
        jm.rep = 0;
        self.note_state(j);
        let me = self.caller_of(j);
        match hedge {
            Some(delay) => {
                self.spawn_leg(j, 0);
                if self.fan_waits(me) {
                    self.events.schedule(
                        self.now.saturating_add(delay),
                        EventKind::HedgeDue {
                            visit: j,
                            generation: me.generation,
                            token: me.token,
                        },
                    );
                }
            }
            None => {
                // A sub-call may end the fan-out at once (a refusal, a
                // queue's acknowledgement): then the rest are not sent.
                for r in 0..n {
                    if !self.fan_waits(me) {
                        break;
                    }
                    self.spawn_leg(j, r);
                }
            }
        }
    }

    /// Whether visit `me.visit` is still in the fan-out `me` names.
    fn fan_waits(&self, me: Caller) -> bool {
        self.visits.get(me.visit as usize).is_some_and(|v| {
            v.node != NONE
                && v.generation == me.generation
                && v.token == me.token
                && v.state == VisitState::FanOut
                && !v.answered
        })
    }

    /// Sends one sub-call of visit `j`'s fan-out, carrying the key of
    /// repetition `rep` (a hedge's copies share repetition 0). Beyond
    /// `max_in_flight` sub-calls alive at once it is dropped (fails at
    /// once), as arrivals beyond the cap are: a fan-out of fan-outs must
    /// not exhaust memory.
    fn spawn_leg(&mut self, j: u32, rep: u32) {
        if self.legs_live as usize >= self.model.limits.max_in_flight {
            self.visits[j as usize].rep += 1;
            self.fan_answered(j, Err(FailureCause::Dropped));
            return;
        }
        self.legs_live += 1;
        let parent = self.visits[j as usize];
        let me = self.caller_of(j);
        let node = parent.node as usize;
        let mut leg = Simulation::new_visit(parent.req, node, parent.station, me, self.now);
        leg.leg = true;
        leg.rep = rep;
        leg.next_call = parent.next_call;
        leg.state = VisitState::Calling;
        let l = self.alloc_visit(leg);
        self.visits[j as usize].rep += 1;
        self.first_attempt(node, (parent.next_call as usize).saturating_sub(1));
        self.start_call(l);
    }

    /// A hedged call's first copy is still out: send the second.
    #[cold]
    #[inline(never)]
    pub(super) fn hedge_due(&mut self, j: u32, generation: u32, token: u32) {
        let me = Caller {
            visit: j,
            generation,
            token,
        };
        if self.fan_waits(me) && self.visits[j as usize].rep < self.fan(j).reps {
            self.spawn_leg(j, 0);
        }
    }

    /// Leg `l`'s call is over (after its retries, or given up): it
    /// leaves, and its parent hears of it if it still waits for it. A
    /// parent already answered (its node's timeout) leaves now: its
    /// fan-out was its current step.
    pub(super) fn leg_done(&mut self, l: u32, outcome: Result<(), FailureCause>) {
        let leg = self.visits[l as usize];
        let parent = Simulation::caller_of_parent(&leg);
        self.leave(l);
        let alive = self.visits.get(parent.visit as usize).is_some_and(|v| {
            v.node != NONE
                && v.generation == parent.generation
                && v.token == parent.token
                && v.state == VisitState::FanOut
        });
        if !alive {
            return;
        }
        if self.visits[parent.visit as usize].answered {
            self.leave(parent.visit);
            return;
        }
        if outcome.is_err() && leg.short_circuited {
            let mut f = self.fan(parent.visit);
            f.refused += 1;
            self.fans.insert(u64::from(parent.visit), f);
        }
        self.fan_answered(parent.visit, outcome);
    }

    /// A sub-call of visit `j`'s fan-out answered: once enough succeeded
    /// the visit goes on; once too many failed for that, it fails; a hedge
    /// whose first copy failed sends the second at once.
    fn fan_answered(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let v = self.visits[j as usize];
        let node = v.node as usize;
        let i = (v.next_call as usize).saturating_sub(1);
        let Some(fan) = self.nodes[node].calls().get(i).map(|c| c.fan) else {
            return;
        };
        let mut f = self.fan(j);
        let need = if fan.hedge.is_some() {
            1
        } else {
            fan.wait.needed(f.reps)
        };
        match outcome {
            Ok(()) => f.oks += 1,
            Err(_) => f.fails += 1,
        }
        let over = f.oks >= need || f.fails > f.reps - need;
        if over {
            // The legs still out are orphaned: their answers are dropped.
            // A queue message is not charged for the delivery only if an
            // open breaker refused every sub-call before anything went out.
            let jm = &mut self.visits[j as usize];
            jm.token = jm.token.wrapping_add(1);
            jm.short_circuited = f.refused > 0 && f.refused == jm.rep;
            jm.rep = 0;
            self.end_fan(j);
        } else {
            self.fans.insert(u64::from(j), f);
        }
        match outcome {
            _ if !over => {
                if fan.hedge.is_some() && outcome.is_err() && v.rep < f.reps {
                    self.spawn_leg(j, 0);
                }
            }
            Ok(()) => self.continue_work(j),
            Err(cause) => self.fan_failed(j, cause),
        }
    }

    /// Too many sub-calls failed: the visit fails, as after a failed call.
    fn fan_failed(&mut self, j: u32, cause: FailureCause) {
        if self.try_fallback(j) {
            return;
        }
        let visit = self.visits[j as usize];
        let s = &mut self.nodes[visit.node as usize].stats;
        if visit.parent != MESSAGE {
            s.counts.failed_downstream += 1;
            s.window_counts.failed_downstream += 1;
        }
        self.answer(j, Err(cause));
        self.leave(j);
    }

    /// Whether visit `j` no longer needs its call: its caller has its
    /// answer, or (a leg) its parent no longer waits for it.
    pub(super) fn abandoned(&self, j: u32) -> bool {
        let v = &self.visits[j as usize];
        v.answered || (v.leg && !self.fan_waits(Simulation::caller_of_parent(v)))
    }

    /// Visit `j`, abandoned, stops where it is (a leg tells its parent, in
    /// case the parent, answered, waits only for its legs to end).
    pub(super) fn give_up(&mut self, j: u32) {
        if self.visits[j as usize].leg {
            self.leg_done(j, Err(FailureCause::Error));
        } else {
            self.leave(j);
        }
    }
}
