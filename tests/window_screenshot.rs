//! The real window under Xvfb + Mesa: `loadlab view --screenshot` writes a PNG showing the panels and the scenario's nodes (pixels checked, not just the file).
#![cfg(feature = "gui")]

mod xvfb;

use std::path::{Path, PathBuf};

use bevy::asset::RenderAssetUsages;
use bevy::image::{CompressedImageFormats, Image, ImageSampler, ImageType};

/// Colours the window draws (sRGB, as saved in the PNG).
const PANEL: [u8; 3] = [27, 27, 27]; // egui's dark panel fill
const BACKGROUND: [u8; 3] = [19, 21, 25]; // world::BACKGROUND
const SOURCE: [u8; 3] = [84, 133, 217]; // traffic source circle
const LOAD_BALANCER: [u8; 3] = [107, 120, 148]; // diamond
const CACHE: [u8; 3] = [51, 140, 153]; // hexagon
const RELAXED: [u8; 3] = [69, 189, 120]; // a replica's busy bar under 60 %

struct Png {
    w: u32,
    h: u32,
    rgba: Vec<u8>,
}

impl Png {
    fn load(path: &Path) -> Png {
        let bytes = std::fs::read(path).expect("screenshot written");
        let img = Image::from_buffer(
            &bytes,
            ImageType::Extension("png"),
            CompressedImageFormats::NONE,
            true,
            ImageSampler::Default,
            RenderAssetUsages::default(),
        )
        .expect("a valid PNG");
        Png {
            w: img.width(),
            h: img.height(),
            rgba: img.data.expect("pixel data"),
        }
    }

    /// Pixels in the rectangle within `tol` of `c` on every channel.
    fn count(&self, (x0, y0, x1, y1): (u32, u32, u32, u32), c: [u8; 3], tol: u8) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.h) {
            for x in x0..x1.min(self.w) {
                let i = ((y * self.w + x) * 4) as usize;
                let p = &self.rgba[i..i + 3];
                if p.iter().zip(c).all(|(&a, b)| a.abs_diff(b) <= tol) {
                    n += 1;
                }
            }
        }
        n
    }

    fn area((x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
        ((x1 - x0) * (y1 - y0)) as usize
    }
}

fn shoot(name: &str, extra: &[&str]) -> PathBuf {
    let out = std::env::temp_dir().join(format!("loadlab-{name}-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let out_text = out.to_str().unwrap();
    let mut args = vec![
        "view",
        "scenarios/url-shortener.toml",
        "--screenshot",
        out_text,
        "--after",
        "3s",
    ];
    args.extend(extra);
    xvfb::run_window(&args);
    assert!(out.is_file(), "no screenshot at {}", out.display());
    out
}

#[test]
fn the_screenshot_shows_the_panels_and_the_nodes() {
    let path = shoot("calm", &[]);
    let png = Png::load(&path);
    assert_eq!((png.w, png.h), (1280, 800));

    // The left panel (run controls, scenario, objectives) below its text is
    // egui's panel colour; so is the inspector on the right.
    // (below Export, which ends near y = 600 since the Cost section)
    let left = (5, 640, 270, 760);
    assert!(
        png.count(left, PANEL, 2) * 10 > Png::area(left) * 9,
        "left panel"
    );
    let right = (1000, 500, 1275, 590);
    assert!(
        png.count(right, PANEL, 2) * 10 > Png::area(right) * 9,
        "right panel"
    );

    // The world view between them: mostly background, with every kind of
    // node of the URL shortener drawn in its colour.
    let world = (285, 40, 985, 590);
    assert!(
        png.count(world, BACKGROUND, 2) * 2 > Png::area(world),
        "world background"
    );
    for (what, c) in [
        ("traffic source", SOURCE),
        ("load balancer", LOAD_BALANCER),
        ("cache", CACHE),
        ("relaxed replica bars", RELAXED),
    ] {
        let n = png.count(world, c, 6);
        assert!(n > 150, "{what}: {n} pixels of {c:?}");
    }
    // The charts along the bottom have drawn lines (served throughput is green).
    let charts = (285, 610, 985, 800);
    assert!(
        png.count(charts, [70, 190, 120], 12) > 20,
        "throughput line"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn an_overloaded_api_shows_red() {
    let path = shoot(
        "overloaded",
        &["--set", "api.replicas=1", "--select", "api"],
    );
    let png = Png::load(&path);
    // A saturated replica bar and the failure badge are red.
    let world = (285, 40, 985, 590);
    let red = png.count(world, [235, 77, 69], 14);
    assert!(red > 150, "red pixels in the world view: {red}");
    // The inspector shows the selected node's controls: not just the empty panel.
    let inspector = (1000, 40, 1275, 300);
    assert!(
        png.count(inspector, PANEL, 2) * 10 < Png::area(inspector) * 9,
        "the inspector has content"
    );
    let _ = std::fs::remove_file(path);
}
