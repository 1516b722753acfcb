//! Theory beside the simulation in the whole window: the inspector's theory figures are the formula's at the measured rate (a queue's by enqueue → processed), the charts get a theory line per window, a guess locked in restarts the run and is held against it and theory, and a latency objective's figure opens the waterfall.
#![cfg(feature = "gui")]

mod window;

use loadlab::app::bridge::SimBridge;
use loadlab::app::guess::{Target, answer};
use loadlab::app::panels::theory::figure;
use loadlab::app::view::{UiState, format_metric};
use loadlab::app::{Selected, View};
use loadlab::sim::SimTime;
use loadlab::theory;
use window::Window;

/// M/M/1: 800 req/s on one worker at 1 ms exponential.
const MM1: &str = "scenarios/theory/mm1.toml";
const SERVICE_S: f64 = 0.001;

/// Runs fast until `secs` simulated seconds, then pauses.
fn run_to(w: &mut Window, secs: f64) {
    w.app.world_mut().resource_mut::<SimBridge>().pacing.speed = 200.0;
    for _ in 0..2000 {
        w.frames(1);
        if w.app.world().resource::<View>().now >= SimTime::from_secs_f64(secs) {
            break;
        }
    }
    w.app.world_mut().resource_mut::<SimBridge>().pacing.paused = true;
    w.frames(3);
}

#[test]
fn the_inspector_shows_the_formula_at_the_measured_rate_beside_the_run() {
    let mut w = Window::open_file(MM1, &[], Some("server"));
    run_to(&mut w, 40.0);
    let view = w.app.world().resource::<View>();
    let s = &view.summary;
    let lambda = s.nodes[0].counts.arrived as f64 / s.measured.as_secs_f64();
    let mm1 = theory::mmc(lambda, SERVICE_S, 1);
    let (wait, util) = (mm1.wait * 1e3, mm1.utilisation * 100.0);
    let sim_wait = s.nodes[0].mean_wait_ms.expect("waits measured");
    let texts = w.texts();
    assert!(texts.iter().any(|t| t == "Theory (M/M/c)"), "{texts:?}");
    for expected in [format!("{} ms", figure(wait)), format!("{}%", figure(util))] {
        assert!(texts.contains(&expected), "theory's {expected} on screen");
    }
    assert!(
        texts.contains(&format!("{} ms", figure(sim_wait))),
        "the simulated wait beside it"
    );
    // The rate it was predicted at is the run's, not the file's 800.
    assert!((lambda - 800.0).abs() > 1e-6, "a measured rate, {lambda}");
}

#[test]
fn each_window_gets_the_formulas_utilisation_for_the_theory_line() {
    let mut w = Window::open_file(MM1, &[], None);
    run_to(&mut w, 20.0);
    let view = w.app.world().resource::<View>();
    assert!(view.theory.windows.len() >= 15, "a prediction per window");
    for (t, win) in view.theory.windows.iter().zip(&view.history) {
        assert_eq!(t.end_s, win.end.as_secs_f64());
        let secs = (win.end - win.start).as_secs_f64();
        let lambda = win.nodes[0].counts.arrived as f64 / secs;
        let u = t.utilisation[0].expect("M/M/1 applies");
        assert!((u - lambda * SERVICE_S).abs() < 1e-12, "{u} vs ρ = λs");
        let mean = t.mean_ms.expect("one station: end to end");
        assert!((mean - 1.0 / (1.0 / SERVICE_S - lambda) * 1e3).abs() < 1e-9);
    }
    let texts = w.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("short dashes: queueing theory")),
        "the charts say what the theory line is"
    );
}

/// A queue's consumers are an M/M/c: the grid holds a message's
/// enqueue → processed against the formula's time in the node (its
/// producer's visit is answered at once, so "time here" would be blank).
#[test]
fn a_queue_s_theory_compares_enqueue_to_processed() {
    let lesson = "scenarios/lessons/queue-absorbs-spike.toml";
    let mut w = Window::open_file(lesson, &[], Some("jobs"));
    run_to(&mut w, 20.0);
    let view = w.app.world().resource::<View>();
    let processed = view.summary.nodes[1].processing.and_then(|p| p.mean_ms);
    let processed = processed.expect("messages processed after warm-up");
    let texts = w.texts();
    assert!(texts.iter().any(|t| t == "Theory (M/M/c)"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "Enqueue → processed"),
        "{texts:?}"
    );
    let shown = format!("{} ms", figure(processed));
    assert!(texts.contains(&shown), "{shown} in {texts:?}");
}

#[test]
fn a_design_without_a_formula_says_why_in_the_inspector() {
    let mut w = Window::open_file("scenarios/url-shortener.toml", &[], Some("cache"));
    run_to(&mut w, 3.0);
    let texts = w.texts();
    let why = texts.iter().find(|t| t.starts_with("No formula: a cache"));
    assert!(why.is_some(), "{texts:?}");
    assert!(w.app.world().resource::<View>().theory.windows.is_empty());
}

#[test]
fn a_guess_locked_in_restarts_the_run_and_is_held_against_run_and_theory() {
    let mut w = Window::open_file(MM1, &[], None);
    run_to(&mut w, 10.0);
    let predict = w.widget("Predict…");
    w.click(predict);
    w.frames(2);
    w.app.world_mut().resource_mut::<UiState>().guess.value = 2.0;
    let lock = w.widget("Lock in and run");
    w.click(lock);
    w.frames(2);
    assert!(
        w.app.world().resource::<View>().now < SimTime::from_secs_f64(1.0),
        "locking in restarts the run"
    );
    let locked = w.app.world().resource::<UiState>().guess.locked.clone();
    let g = locked.expect("the guess is locked");
    assert_eq!((g.target, g.value), (Target::MeanLatency, 2.0));
    w.app.world_mut().resource_mut::<SimBridge>().pacing.paused = false;
    run_to(&mut w, 30.0);
    let view = w.app.world().resource::<View>();
    let a = answer(view, Target::MeanLatency);
    let sim = a.simulated.expect("a mean after warm-up");
    let theory = a.theory.expect("M/M/1 has a mean");
    let s = &view.summary;
    let lambda = s.nodes[0].counts.arrived as f64 / s.measured.as_secs_f64();
    assert!((theory - 1e3 / (1.0 / SERVICE_S - lambda)).abs() < 1e-9);
    let texts = w.texts();
    let line = |start: &str| texts.iter().find(|t| t.starts_with(start)).cloned();
    let simulated = line("simulated so far").expect("the run's figure");
    assert!(simulated.contains(&figure(sim)), "{simulated}");
    let said = line("theory: ").expect("theory's figure");
    assert!(said.contains(&figure(theory)), "{said}");
    // 2 ms against ~5 ms: the verdict says how far off.
    assert!(said.contains("too low"), "{said}");
}

#[test]
fn clicking_the_p99_figure_opens_the_waterfall() {
    let mut w = Window::open_file("scenarios/url-shortener.toml", &[], None);
    run_to(&mut w, 8.0);
    let view = w.app.world().resource::<View>();
    let o = (view.objectives.iter())
        .find(|o| o.text.starts_with("p99"))
        .expect("the shortener has a p99 objective");
    let shown = o
        .now
        .as_ref()
        .filter(|r| r.value.is_some())
        .unwrap_or(&o.run);
    // Labelled "now:" (the last second's figure beside the run's).
    let value = format!("now: {}", format_metric(shown.metric, shown.value));
    assert_eq!(w.app.world().resource::<UiState>().waterfall, None);
    let at = w.widget(&value);
    w.click(at);
    w.frames(2);
    assert_eq!(w.app.world().resource::<UiState>().waterfall, Some(0));
    let texts = w.texts();
    assert!(
        (texts.iter()).any(|t| t.starts_with("#1 · ") || t.starts_with("No sampled request")),
        "the waterfall window is on screen: {texts:?}"
    );
    assert_eq!(
        w.selected(),
        None::<Selected>,
        "nothing behind it was picked"
    );
}
