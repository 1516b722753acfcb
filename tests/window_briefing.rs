//! A level's briefing through the whole window: it holds the pointer and the keys until Start or Esc, and its "now" values are the design's as run (`--set` applied).
#![cfg(feature = "gui")]

mod cli;
mod window;

use std::path::Path;

use bevy::input::keyboard::Key;
use bevy::prelude::*;
use loadlab::app::campaign_play::{CampaignCommand, CampaignPlay, Screen};
use loadlab::app::{ActionQueue, Selected, UiAction, UiState};
use window::Window;

const LEVEL: &str = "01-url-shortener/01-one-box";

fn play(w: &Window) -> &CampaignPlay {
    w.app.world().resource::<CampaignPlay>()
}

/// Level 1.1 opened as `view LEVEL --set …` opens it, at its briefing
/// (the run held behind it), progress kept in `tmp`.
fn briefing(tmp: &cli::TempDir, overrides: &[&str]) -> Window {
    let campaign = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/campaign");
    let file = campaign.join(format!("{LEVEL}.toml"));
    let mut w = Window::open_file(&file.display().to_string(), overrides, None);
    let mut p = CampaignPlay::load(&campaign, Some(tmp.0.join("progress.json"))).expect("loads");
    p.current = Some(LEVEL.into());
    p.screen = Screen::Playing;
    w.app.insert_resource(p);
    w.app
        .world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Campaign(CampaignCommand::ShowBriefing));
    w.frames(3);
    assert_eq!(play(&w).screen, Screen::Briefing);
    assert!(
        w.bridge().pacing.paused,
        "the run waits behind the briefing"
    );
    w
}

/// Clicks on the panels and the picture under the briefing, and the run's
/// keys, do nothing; Esc closes it and only that: the run stays held
/// until Play (it closed the briefing and started the run, as Start).
#[test]
fn the_briefing_holds_clicks_and_keys_until_start_or_escape() {
    let tmp = cli::TempDir::new("window-briefing-modal");
    let mut w = briefing(&tmp, &[]);
    let submit = w.widget("Submit");
    w.click(submit);
    let run = w.widget("Play");
    w.click(run);
    // api selected, then a click on the bare picture beside the briefing:
    // it would let go of api.
    let api = Selected::Node(w.node("api"));
    w.app.world_mut().resource_mut::<UiState>().selected = Some(api);
    w.click(Vec2::new(320.0, 580.0));
    w.key(KeyCode::Space, Key::Space, Some(" "));
    w.frames(3);
    assert!(
        play(&w).grading.is_none(),
        "Submit under the briefing graded"
    );
    assert_eq!(play(&w).screen, Screen::Briefing, "still up");
    assert!(
        w.bridge().pacing.paused,
        "a click or Space under it ran the clock"
    );
    assert_eq!(
        w.selected(),
        Some(api),
        "a click beside it reached the picture"
    );

    w.key(KeyCode::Escape, Key::Escape, None);
    w.frames(2);
    assert_eq!(play(&w).screen, Screen::Playing, "Esc closes it");
    assert!(
        w.bridge().pacing.paused,
        "and leaves the run held: Play starts it"
    );
    let run = w.widget("Play");
    w.click(run);
    w.frames(2);
    assert!(!w.bridge().pacing.paused, "Play runs it");
}

/// The map from the briefing: its own button opens it (the level bar's
/// Map lies under the briefing, which holds the pointer: a learner's
/// click on it did nothing), and closing the map (Esc, as from the level)
/// goes back where it was opened, the briefing, the run still held.
#[test]
fn the_map_opens_from_the_briefing_and_closes_back_to_it() {
    let tmp = cli::TempDir::new("window-briefing-map");
    let mut w = briefing(&tmp, &[]);
    let map = w.widget("Campaign map");
    w.click(map);
    w.frames(3);
    assert_eq!(play(&w).screen, Screen::Map, "the map opens");
    assert!(w.find("Back to the briefing").is_some(), "{:?}", w.texts());
    w.key(KeyCode::Escape, Key::Escape, None);
    w.frames(3);
    assert_eq!(play(&w).screen, Screen::Briefing, "Esc goes back to it");
    assert!(w.bridge().pacing.paused, "the run still waits");
    let start = w.widget("Start");
    w.click(start);
    w.frames(2);
    assert_eq!(play(&w).screen, Screen::Playing);
    assert!(!w.bridge().pacing.paused, "Start runs it");
}

/// `view LEVEL --set api.replicas=3`: the briefing says "now 3", the
/// design it runs (it said the file's 1).
#[test]
fn the_briefing_shows_the_values_after_set() {
    let tmp = cli::TempDir::new("window-briefing-set");
    let mut w = briefing(&tmp, &["api.replicas=3"]);
    let texts = w.texts().join("\n");
    assert!(texts.contains("api.replicas (now 3, at most 6)"), "{texts}");
    assert!(!texts.contains("api.replicas (now 1"), "{texts}");
}
