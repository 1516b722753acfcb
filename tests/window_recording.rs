//! The real window under Xvfb records the picture: `view --gif` writes an animated GIF of the world view (frames that change as requests move) and `view --design-png` a PNG of the design without the panels.
#![cfg(feature = "gui")]

mod xvfb;

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;

/// The world view's background (world::BACKGROUND) and the cache's colour.
const BACKGROUND: [u8; 3] = [19, 21, 25];
const CACHE: [u8; 3] = [51, 140, 153];
/// egui's dark panel fill: none of it may be in the design's picture.
const PANEL: [u8; 3] = [27, 27, 27];

fn temp(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("loadlab-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Share of pixels within 2 of `c` on every channel.
fn share(img: &image::RgbaImage, c: [u8; 3]) -> f64 {
    let n = (img.pixels())
        .filter(|p| p.0.iter().zip(c).all(|(&a, b)| a.abs_diff(b) <= 2))
        .count();
    n as f64 / f64::from(img.width() * img.height())
}

#[test]
fn a_gif_of_the_picture_moves() {
    let out = temp("picture.gif");
    let path = out.to_str().unwrap();
    xvfb::run_window(&[
        "view",
        "scenarios/url-shortener.toml",
        "--gif",
        path,
        "--gif-secs",
        "2s",
        "--after",
        "2s",
    ]);
    let file = std::io::BufReader::new(std::fs::File::open(&out).expect("the GIF is written"));
    let frames: Vec<image::Frame> = GifDecoder::new(file)
        .expect("a GIF")
        .into_frames()
        .collect::<Result<_, _>>()
        .expect("frames decode");
    // 10 frames a second asked for; a busy software renderer may give fewer.
    assert!(frames.len() >= 5, "{} frames in 2 s", frames.len());
    let first = frames[0].buffer();
    assert!(
        first.width() <= 640 && first.width() > 300,
        "{}",
        first.width()
    );
    assert!(
        share(first, BACKGROUND) > 0.3,
        "the world view, not the panels"
    );
    let changed = (frames.iter().skip(1))
        .filter(|f| f.buffer() != first)
        .count();
    assert!(
        changed * 2 >= frames.len(),
        "requests move: {changed} of {} frames differ from the first",
        frames.len()
    );
}

#[test]
fn the_design_png_is_the_picture_without_the_panels() {
    let out = temp("design.png");
    xvfb::run_window(&[
        "view",
        "scenarios/url-shortener.toml",
        "--design-png",
        out.to_str().unwrap(),
        "--after",
        "2s",
    ]);
    let img = image::open(&out).expect("a PNG").to_rgba8();
    // Narrower than the 1280 px window by the two side panels, as tall as
    // the window less the charts.
    assert!((500..1000).contains(&img.width()), "width {}", img.width());
    assert!(
        share(&img, BACKGROUND) > 0.5,
        "mostly the world's background"
    );
    assert!(share(&img, CACHE) > 0.0005, "the cache is drawn");
    assert!(share(&img, PANEL) < 0.01, "no panel in the picture");
}

#[test]
fn gif_flags_are_checked_before_the_window_opens() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_loadlab"))
        .args(["view", "--gif", "x.gif", "--gif-secs", "2h"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--gif-secs: 2h is out of range"), "{err}");
}
