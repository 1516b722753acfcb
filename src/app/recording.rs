//! Recordings of the picture: an animated GIF of the world view over a few wall seconds and a PNG of the design (the picture without the panels), from the Export panel or `view --gif` / `--design-png`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, DynamicImage, Frame, RgbaImage, imageops};

use crate::app::bridge::SimBridge;
use crate::app::camera::PanelInsets;
use crate::app::capture::{CaptureOptions, ExportRequest, export_dir};
use crate::app::view::View;
use crate::report::atomic::write_atomic;

/// Frames a second in a GIF.
const GIF_FPS: f64 = 10.0;
/// Widest GIF frame, pixels (larger pictures are scaled down).
const GIF_WIDTH: u32 = 640;
/// Wall time left for the last screenshots to arrive.
const SETTLE: Duration = Duration::from_millis(400);

/// A recording asked for, by the Export panel or the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRequest {
    pub path: PathBuf,
    /// Wall seconds to record.
    pub secs: f64,
    /// Quit the window once the file is written (`view --gif`).
    pub exit_after: bool,
}

/// The picture's rectangle in logical pixels and the window's logical
/// width (to scale to the screenshot's physical pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crop {
    pub min: Vec2,
    pub max: Vec2,
    pub window_width: f32,
}

/// The GIF recorder's state.
#[derive(Resource, Default)]
pub struct Recorder {
    /// Set to start a recording (ignored while one runs).
    pub request: Option<RecordRequest>,
    capture: Option<Capture>,
    encoding: Option<(RecordRequest, JoinHandle<Result<usize, String>>)>,
}

impl Recorder {
    /// Whether a recording is being captured or written.
    pub fn busy(&self) -> bool {
        self.capture.is_some() || self.encoding.is_some()
    }
}

struct Capture {
    request: RecordRequest,
    frames: Arc<Mutex<Vec<(Instant, RgbaImage)>>>,
    started: Instant,
    last_shot: Option<Instant>,
    crop: Crop,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Recorder>();
    app.add_systems(Last, (start_requested, record).chain());
}

/// The picture's rectangle now: the window less the panels.
pub fn picture_crop(window: &Window, insets: &PanelInsets) -> Crop {
    let (w, h) = (window.width(), window.height());
    Crop {
        min: Vec2::new(insets.left, insets.top),
        max: Vec2::new(
            (w - insets.right).max(insets.left + 1.0),
            (h - insets.bottom).max(insets.top + 1.0),
        ),
        window_width: w.max(1.0),
    }
}

/// `image` cut to `crop` (scaled to its physical pixels).
pub fn cut(image: &DynamicImage, crop: Crop) -> RgbaImage {
    let scale = image.width() as f32 / crop.window_width;
    let x = ((crop.min.x * scale) as u32).min(image.width().saturating_sub(1));
    let y = ((crop.min.y * scale) as u32).min(image.height().saturating_sub(1));
    let w = (((crop.max.x - crop.min.x) * scale) as u32).clamp(1, image.width() - x);
    let h = (((crop.max.y - crop.min.y) * scale) as u32).clamp(1, image.height() - y);
    image.crop_imm(x, y, w, h).to_rgba8()
}

/// Starts, feeds, finishes and writes recordings.
#[allow(clippy::disallowed_methods)] // wall clock: a GIF is recorded in wall time
fn record(
    mut commands: Commands,
    mut rec: ResMut<Recorder>,
    window: Query<&Window, With<PrimaryWindow>>,
    insets: Option<Res<PanelInsets>>,
    view: Option<ResMut<View>>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = Instant::now();
    if rec.capture.is_none()
        && rec.encoding.is_none()
        && let (Some(request), Ok(w)) = (rec.request.take(), window.single())
    {
        let crop = picture_crop(w, &insets.map(|i| *i).unwrap_or_default());
        rec.capture = Some(Capture {
            request,
            frames: Arc::default(),
            started: now,
            last_shot: None,
            crop,
        });
    }
    if let Some(c) = &mut rec.capture {
        let elapsed = now - c.started;
        let gap = Duration::from_secs_f64(1.0 / GIF_FPS);
        if elapsed.as_secs_f64() < c.request.secs && c.last_shot.is_none_or(|t| now - t >= gap) {
            c.last_shot = Some(now);
            shoot_frame(&mut commands, c.frames.clone(), c.crop);
        }
        if elapsed.as_secs_f64() >= c.request.secs
            && elapsed >= Duration::from_secs_f64(c.request.secs) + SETTLE
        {
            let c = rec.capture.take().expect("capturing");
            let frames = std::mem::take(&mut *c.frames.lock().unwrap_or_else(|p| p.into_inner()));
            let path = c.request.path.clone();
            let handle = std::thread::spawn(move || write_gif(&path, frames));
            rec.encoding = Some((c.request, handle));
        }
    }
    finish(&mut rec, view, &mut exit);
}

/// Reports a written GIF (or why not) and quits when asked to.
fn finish(rec: &mut Recorder, view: Option<ResMut<View>>, exit: &mut MessageWriter<AppExit>) {
    if !rec.encoding.as_ref().is_some_and(|(_, h)| h.is_finished()) {
        return;
    }
    let (request, handle) = rec.encoding.take().expect("encoding");
    let result = handle
        .join()
        .unwrap_or_else(|_| Err("the GIF encoder stopped".into()));
    let message = match &result {
        Ok(n) => format!("GIF saved to {} ({n} frames).", request.path.display()),
        Err(e) => format!("GIF failed: {e}"),
    };
    if request.exit_after {
        match result {
            Ok(_) => {
                println!("{message}");
                exit.write(AppExit::Success);
            }
            Err(_) => {
                eprintln!("error: {message}");
                exit.write(AppExit::from_code(1));
            }
        }
    }
    if let Some(mut v) = view {
        v.export_status = Some(message);
    }
}

/// One screenshot, cut to the picture and scaled down, into `frames`.
#[allow(clippy::disallowed_methods)] // wall clock: the frame's time sets its delay
fn shoot_frame(commands: &mut Commands, frames: Arc<Mutex<Vec<(Instant, RgbaImage)>>>, crop: Crop) {
    commands
        .spawn(Screenshot::primary_window())
        .observe(move |ev: On<ScreenshotCaptured>| {
            let Ok(img) = ev.image.clone().try_into_dynamic() else {
                return;
            };
            let mut picture = cut(&img, crop);
            if picture.width() > GIF_WIDTH {
                let h = (picture.height() as u64 * u64::from(GIF_WIDTH)
                    / u64::from(picture.width())) as u32;
                picture = imageops::resize(
                    &picture,
                    GIF_WIDTH,
                    h.max(1),
                    imageops::FilterType::Triangle,
                );
            }
            // Opaque: the swap chain's alpha is not the picture's.
            picture.pixels_mut().for_each(|p| p.0[3] = 255);
            let mut all = frames.lock().unwrap_or_else(|p| p.into_inner());
            if all.len() < (crate::GIF_MAX_SECS * GIF_FPS) as usize {
                all.push((Instant::now(), picture));
            }
        });
}

/// Encodes `frames` (each shown until the next was taken) as a looping GIF
/// and writes it atomically; the number of frames written.
pub fn write_gif(
    path: &std::path::Path,
    mut frames: Vec<(Instant, RgbaImage)>,
) -> Result<usize, String> {
    if frames.is_empty() {
        return Err("no frame was captured".into());
    }
    frames.sort_by_key(|(t, _)| *t);
    // Every frame the size of the first (a resized window mid-recording).
    let (w, h) = frames[0].1.dimensions();
    let mut bytes = Vec::new();
    let n;
    {
        let mut enc = GifEncoder::new_with_speed(&mut bytes, 10);
        enc.set_repeat(Repeat::Infinite)
            .map_err(|e| e.to_string())?;
        let times: Vec<Instant> = frames.iter().map(|(t, _)| *t).collect();
        n = frames.len();
        for (k, (_, img)) in frames.into_iter().enumerate() {
            let img = if img.dimensions() == (w, h) {
                img
            } else {
                imageops::resize(&img, w, h, imageops::FilterType::Triangle)
            };
            let shown = times
                .get(k + 1)
                .map_or(Duration::from_secs_f64(1.0 / GIF_FPS), |n| *n - times[k]);
            let ms = shown.as_millis().clamp(20, 2000) as u32;
            enc.encode_frame(Frame::from_parts(
                img,
                0,
                0,
                Delay::from_numer_denom_ms(ms, 1),
            ))
            .map_err(|e| e.to_string())?;
        }
    }
    write_atomic(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(n)
}

/// Writes the picture of the design (`image` cut to `crop`) as a PNG at
/// `path`, atomically.
pub fn write_design_png(image: &Image, crop: Crop, path: &std::path::Path) -> Result<(), String> {
    let img = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?;
    let mut picture = cut(&img, crop);
    picture.pixels_mut().for_each(|p| p.0[3] = 255);
    let mut bytes = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(picture)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    write_atomic(path, bytes.get_ref()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `--gif` and `--design-png` once the simulation reaches `--after` (a few
/// frames later, so the panels have laid out), and the Export panel's GIF.
#[allow(clippy::too_many_arguments)]
fn start_requested(
    mut commands: Commands,
    opts: Res<CaptureOptions>,
    bridge: Option<Res<SimBridge>>,
    mut export: ResMut<ExportRequest>,
    mut rec: ResMut<Recorder>,
    window: Query<&Window, With<PrimaryWindow>>,
    insets: Option<Res<PanelInsets>>,
    mut view: Option<ResMut<View>>,
    mut due: Local<(u64, Option<u64>, bool)>,
) {
    if std::mem::take(&mut export.gif)
        && let Some(b) = &bridge
    {
        let status = match export_gif_request(b) {
            Ok(r) if !rec.busy() => {
                let s = format!("Recording 5 s of the picture into {} …", r.path.display());
                rec.request = Some(r);
                s
            }
            Ok(_) => "A recording is already under way.".into(),
            Err(e) => format!("GIF failed: {e}"),
        };
        if let Some(v) = view.as_deref_mut() {
            v.export_status = Some(status);
        }
    }
    let (frame, reached, started) = &mut *due;
    *frame += 1;
    let after = opts
        .gif
        .as_ref()
        .map(|g| g.1)
        .or(opts.design_png.as_ref().map(|d| d.1));
    let Some(after) = after else { return };
    if *started || bridge.as_ref().is_some_and(|b| b.sim.now() < after) {
        return;
    }
    let at = *reached.get_or_insert(*frame);
    if *frame < at + 3 {
        return;
    }
    *started = true;
    if let Some((path, _, secs)) = &opts.gif {
        rec.request = Some(RecordRequest {
            path: path.clone(),
            secs: *secs,
            exit_after: true,
        });
    }
    if let (Some((path, _)), Ok(w)) = (&opts.design_png, window.single()) {
        let crop = picture_crop(w, &insets.map(|i| *i).unwrap_or_default());
        let path = path.clone();
        commands.spawn(Screenshot::primary_window()).observe(
            move |ev: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                match write_design_png(&ev.image, crop, &path) {
                    Ok(()) => {
                        println!("design picture saved to {}", path.display());
                        exit.write(AppExit::Success);
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        exit.write(AppExit::from_code(1));
                    }
                }
            },
        );
    }
}

/// Where the Export panel's GIF goes: `picture.gif` in a new folder.
fn export_gif_request(bridge: &SimBridge) -> Result<RecordRequest, String> {
    let dir = export_dir(bridge);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(RecordRequest {
        path: dir.join("picture.gif"),
        secs: 5.0,
        exit_after: false,
    })
}
