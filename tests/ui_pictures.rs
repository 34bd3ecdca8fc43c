//! Pictures of the window (File ▸ Export ▸ … as PNG): at twice the
//! window's resolution the app draws the same layout at twice the pixels
//! per point, one tile of it per screenshot, stitches the tiles, and the
//! window is normal again afterwards. The harness plays the part of eframe:
//! it gives each frame the window's input, lets the app change it (as
//! eframe's `raw_input_hook` does), and answers each screenshot command
//! with a picture of what the frame showed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, ColorImage, Rect, ViewportCommand, ViewportId, pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::{Command, PngPart};

type H = Harness<'static, NeuroglassApp>;

const WINDOW: egui::Vec2 = vec2(1400.0, 860.0);

fn harness() -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    // A recovery file left by another program run must not cover the window.
    app.prompts.recovery = None;
    let mut h = Harness::builder()
        .with_size(WINDOW)
        .renderer(AnswersNoScreenshots)
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h
}

/// A renderer that renders nothing, so that the harness (built with
/// egui_kittest's wgpu feature, which answers screenshot commands itself)
/// leaves the screenshots to this test.
struct AnswersNoScreenshots;

impl egui_kittest::TestRenderer for AnswersNoScreenshots {
    fn handle_delta(&mut self, delta: &mut egui::TexturesDelta) {
        delta.clear();
    }

    fn render(
        &mut self,
        _ctx: &egui::Context,
        _output: &egui::FullOutput,
    ) -> Result<image::RgbaImage, String> {
        Err("this test answers screenshots itself".into())
    }
}

/// What one frame showed, as the harness cannot draw: every pixel says
/// where in the layout (points) it is, so a stitched picture can be
/// checked pixel by pixel. `shift`: how far the frame's shapes were moved
/// up and left.
fn shown(ppp: f32, shift: egui::Vec2) -> ColorImage {
    // The window's pixels, whatever the frame's pixels per point.
    let (w, h) = (WINDOW.x as usize, WINDOW.y as usize);
    let mut img = ColorImage::filled([w, h], Color32::BLACK);
    for y in 0..h {
        for x in 0..w {
            img.pixels[y * w + x] = mark(pos2(x as f32, y as f32) / ppp + shift);
        }
    }
    img
}

/// The colour of the point `p` of the layout, which the window shows at
/// `p` when drawn normally: its coordinates over 8, and blue 7.
fn mark(p: egui::Pos2) -> Color32 {
    let v = |c: f32| (c / 8.0).floor() as u8;
    Color32::from_rgb(v(p.x), v(p.y), 7)
}

/// How far a frame's shapes were moved up and left: every clip rectangle
/// is inside the window when nothing is moved, and the menu bar's starts
/// at its top left.
fn shift_of(out: &egui::FullOutput) -> egui::Vec2 {
    let min = out
        .shapes
        .iter()
        .map(|s| s.clip_rect.min)
        .fold(pos2(f32::INFINITY, f32::INFINITY), |a, b| a.min(b));
    -min.to_vec2()
}

/// One frame as eframe runs it; returns the pixels per point it was drawn
/// at, its screen rectangle, and how far its shapes were moved.
fn frame(h: &mut H, answer: &mut Vec<egui::Event>) -> (f32, Rect, egui::Vec2) {
    let mut raw = std::mem::take(h.input_mut());
    raw.screen_rect = Some(Rect::from_min_size(pos2(0.0, 0.0), WINDOW));
    raw.viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .native_pixels_per_point = Some(1.0);
    raw.events.append(answer);
    h.state_mut().prepare_input(&mut raw);
    *h.input_mut() = raw;
    h.step();
    let drawn = (
        h.ctx.pixels_per_point(),
        h.ctx.viewport_rect(),
        shift_of(h.output()),
    );
    let shots: Vec<egui::UserData> = h
        .output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .map(|v| {
            v.commands
                .iter()
                .filter_map(|c| match c {
                    ViewportCommand::Screenshot(d) => Some(d.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    // eframe takes the picture after the next frame is painted; this
    // frame's is the same while the tile waits for its picture.
    for user_data in shots {
        answer.push(egui::Event::Screenshot {
            viewport_id: ViewportId::ROOT,
            user_data,
            image: Arc::new(shown(drawn.0, drawn.2)),
        });
    }
    drawn
}

fn png_size(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height, buf)
}

fn take(h: &mut H, part: PngPart, scale: u32, path: PathBuf) -> Vec<(f32, Rect, egui::Vec2)> {
    h.state_mut().apply(Command::ExportPng(part, scale, path));
    let mut answer = Vec::new();
    let mut frames = Vec::new();
    while h.state().capturing() {
        assert!(frames.len() < 60, "the picture never finished");
        frames.push(frame(h, &mut answer));
    }
    frames
}

#[test]
fn a_picture_at_2x_is_drawn_at_twice_the_pixels_per_point_and_the_window_returns_to_normal() {
    let dir = std::env::temp_dir().join(format!("ng-ui-pictures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = harness();
    let mut none = Vec::new();
    let normal = frame(&mut h, &mut none);
    let window = Rect::from_min_size(pos2(0.0, 0.0), WINDOW);
    assert_eq!(normal, (1.0, window, egui::Vec2::ZERO));

    let path = dir.join("window@2x.png");
    let frames = take(&mut h, PngPart::Window, 2, path.clone());
    // Four tiles, each the same layout (the window's screen) drawn at 2
    // pixels per point and moved by half a window; the next frame is
    // normal again.
    assert!(frames.iter().all(|f| f.1 == window), "{frames:?}");
    let tiles: Vec<egui::Vec2> = frames.iter().filter(|f| f.0 == 2.0).map(|f| f.2).collect();
    for (dx, dy) in [(0.0, 0.0), (700.0, 0.0), (0.0, 430.0), (700.0, 430.0)] {
        assert!(
            tiles.contains(&vec2(dx, dy)),
            "tile at ({dx}, {dy}): {tiles:?}"
        );
    }
    assert_eq!(frame(&mut h, &mut none), normal);
    assert!(
        h.state()
            .message
            .as_deref()
            .unwrap_or("")
            .contains("picture saved"),
        "{:?}",
        h.state().message
    );
    // The picture has twice the window's pixels, and each pixel shows the
    // point of the layout at half its coordinates.
    let (w, ht, rgba) = png_size(&path);
    assert_eq!((w, ht), (2800, 1720));
    for (x, y) in [
        (0, 0),
        (1399, 859),
        (1400, 0),
        (10, 1000),
        (2799, 1719),
        (2000, 900),
    ] {
        let i = (y * w as usize + x) * 4;
        let want = mark(pos2(x as f32 / 2.0, y as f32 / 2.0));
        assert_eq!(
            &rgba[i..i + 3],
            &[want.r(), want.g(), want.b()],
            "pixel ({x}, {y})"
        );
    }

    // The canvas at 1× and 2×: the same part, twice the pixels.
    let area = h.state().canvas.area;
    let one = dir.join("canvas.png");
    let frames = take(&mut h, PngPart::Canvas, 1, one.clone());
    assert!(frames.iter().all(|f| *f == normal), "{frames:?}");
    let two = dir.join("canvas@2x.png");
    take(&mut h, PngPart::Canvas, 2, two.clone());
    let (w1, h1, _) = png_size(&one);
    let (w2, h2, _) = png_size(&two);
    let near = |px: u32, points: f32| (px as f32 - points).abs() <= 1.0;
    assert!(
        near(w1, area.width()) && near(h1, area.height()),
        "{w1}×{h1} for {area:?}"
    );
    assert!(
        near(w2, 2.0 * area.width()) && near(h2, 2.0 * area.height()),
        "{w2}×{h2}"
    );
    assert_eq!(frame(&mut h, &mut none), normal);
    assert_eq!(h.state().canvas.area, area, "the canvas is where it was");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_menu_offers_pictures_at_2x_for_slides() {
    let mut h = harness();
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Export").click();
    h.run_steps(2);
    h.get_by_label("Window as PNG, 2× for slides…").click();
    h.run_steps(3);
    // Without native dialogs, the in-app file dialog suggests a name.
    let text = h.state().files.in_app().map(|(_, n)| n.to_string());
    let text = text.unwrap_or_default();
    assert!(text.ends_with("-window@2x.png"), "{text:?}");
}
