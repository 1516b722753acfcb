//! The exam counts requests still unanswered at the end at their age so far: an overloaded line cannot hide its slowest requests from the latency figures, and a stable system's figures barely move.

use loadlab::scenario;
use loadlab::sim::{Model, Simulation};

fn mm1(rate: f64) -> Model {
    let text = format!(
        "[scenario]\nname = \"m/m/1\"\nduration = \"60s\"\nwarmup = \"5s\"\nseed = 7\n\n\
         [[workload]]\nto = \"s\"\nrate = {rate}\n\n\
         [[node]]\nid = \"s\"\nkind = \"service\"\nworkers = 1\n\
         service_time = {{ dist = \"exponential\", mean = \"10ms\" }}\n"
    );
    scenario::load_str(&text, "mm1.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

fn p99_both(model: &Model) -> (f64, f64, usize) {
    let mut sim = Simulation::new(model.clone(), model.seed);
    sim.run_until(model.duration);
    let open = sim.unfinished_ages().len();
    let plain = sim.summary().latency.p99_ms.expect("some answered");
    let counted = sim
        .summary_counting_unfinished()
        .latency
        .p99_ms
        .expect("some answered");
    (plain / 1000.0, counted / 1000.0, open)
}

/// Most requests are answered in milliseconds; one in fifty goes to a
/// server offered 20 a second that does 1: its line grows all run.
fn a_fast_path_and_a_stuck_one() -> Model {
    let text = "[scenario]\nname = \"stuck\"\nduration = \"60s\"\nwarmup = \"5s\"\nseed = 7\n\n\
        [[workload]]\nname = \"fast\"\nto = \"quick\"\nrate = 980\n\n\
        [[workload]]\nname = \"slow\"\nto = \"stuck\"\nrate = 20\n\n\
        [[node]]\nid = \"quick\"\nkind = \"service\"\nworkers = 64\nservice_time = \"1ms\"\n\n\
        [[node]]\nid = \"stuck\"\nkind = \"service\"\nworkers = 1\nservice_time = \"1s\"\n";
    scenario::load_str(text, "stuck.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

#[test]
fn an_overloaded_line_s_waiting_requests_count_at_their_age() {
    // About 1 045 slow requests arrive after the warm-up and 55 are
    // answered: the other ~990 (1.8 % of all) wait 0 to 55 s at the end.
    // Answered only, p99 is the fast path's 1 ms; counting them, p99 is
    // among their ages (the oldest 1 % of all: about 25 s).
    let (plain, counted, open) = p99_both(&a_fast_path_and_a_stuck_one());
    assert!((900..1_100).contains(&open), "{open} unanswered");
    assert!(plain < 0.01, "answered only: {plain} s");
    assert!(
        (15.0..35.0).contains(&counted),
        "counting the line: {counted:.1} s"
    );
}

#[test]
fn a_stable_line_s_figures_barely_move() {
    // ρ = 0.5: about one request in the system at the end, of thousands.
    let (plain, counted, open) = p99_both(&mm1(50.0));
    assert!(open < 20, "{open} unanswered");
    assert!(
        (counted - plain).abs() <= 0.02 * plain,
        "{counted} vs {plain}"
    );
}

#[test]
fn a_run_that_answered_nothing_has_no_fast_p99() {
    // Every request is turned away by a server with no room (no line,
    // always busy with a 10 s job), but a few arriving at the end are
    // still on their way: they must not make a p99 of milliseconds.
    let text = "[scenario]\nname = \"refused\"\nduration = \"20s\"\nwarmup = \"5s\"\nseed = 7\n\n\
        [[workload]]\nto = \"api\"\nrate = 1000\n\n\
        [[node]]\nid = \"api\"\nkind = \"service\"\nworkers = 64\nservice_time = \"1ms\"\n\
        calls = [\"db\"]\n\n\
        [[node]]\nid = \"db\"\nkind = \"service\"\nworkers = 1\nqueue = 0\nservice_time = \"100s\"\n";
    let model = scenario::load_str(text, "refused.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model.clone(), model.seed);
    sim.run_until(model.duration);
    let exam = sim.summary_counting_unfinished();
    println!(
        "completed {} failed {} p99 {:?}",
        exam.counts.completed,
        exam.counts.failed(),
        exam.latency.p99_ms
    );
    assert_eq!(exam.counts.completed, 0);
    assert!(exam.counts.failed() > 10_000);
    assert_eq!(exam.latency.p99_ms, None, "nothing answered: no p99");
}
