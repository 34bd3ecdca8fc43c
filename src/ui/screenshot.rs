//! Pictures of the window: the `--train-steps N --screenshot FILE.png`
//! script, and File ▸ Export ▸ PNG of the window, the canvas or the live
//! views, at the window's resolution or a multiple of it.
//!
//! egui's screenshot is the window's framebuffer, at the current pixels per
//! point. A picture at `scale` × the resolution is drawn in `scale²` tiles:
//! for each, the frame's input says the screen has `scale` × the pixels per
//! point (and the same size in points), so the same layout is drawn `scale`
//! times sharper; at the end of the frame everything drawn is moved up and
//! left by the tiles before it, so the window shows one tile of it. The
//! tiles are stitched. The window's size and zoom never change, the layout
//! (panels, windows, the canvas) never moves, and the frame after the last
//! tile is the normal one again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::emath::TSTransform;
use egui::{Color32, ColorImage, LayerId, Rect, Vec2, vec2};

/// The largest scale a picture can be taken at.
pub const MAX_SCALE: u32 = 4;

/// A picture not finished by then is given up (the window stopped drawing,
/// e.g. minimised), so the window does not stay frozen.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

/// What a requested screenshot is for.
#[derive(Clone, Debug, PartialEq)]
pub struct ShotRequest {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// The part of the window to keep (points), or the whole window.
    pub crop: Option<Rect>,
    /// Leave the program once it is written (the script).
    pub then_quit: bool,
    /// Pixels of the picture per pixel of the window (1 to [`MAX_SCALE`]).
    pub scale: u32,
}

/// The scripted run: train some batches, take a picture, quit.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// Batches to train before the picture (0 = none).
    pub train_steps: u64,
    /// Where the picture goes.
    pub screenshot: PathBuf,
    /// Pixels of the picture per pixel of the window.
    pub scale: u32,
    /// Frames drawn since the condition was met (lets plots settle).
    pub settle: u32,
    /// The picture was asked for.
    pub requested: bool,
}

/// The tag of a screenshot command: which tile it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileTag(pub u32);

/// A picture being taken, one tile after another.
#[derive(Debug)]
pub struct Capture {
    /// What was asked for.
    pub req: ShotRequest,
    /// The window in points when it was asked for.
    screen: Rect,
    /// The screen's own pixels per point then.
    native_ppp: f32,
    /// The window's pixels per point then (native × zoom).
    ppp: f32,
    /// The tile to draw and capture next (row-major).
    tile: u32,
    /// The current tile has been drawn at least once with its input.
    drawn: bool,
    /// Its screenshot was asked for.
    sent: bool,
    /// This frame draws a tile: move its shapes by this much at its end.
    frame_shift: Option<Vec2>,
    /// The stitched picture, `scale` × the window's pixels.
    image: ColorImage,
    /// When it was asked for.
    started: Instant,
}

impl Capture {
    /// Starts a picture of a window of `screen` points at `ppp` pixels per
    /// point (`native_ppp` of them the screen's own).
    pub fn new(req: ShotRequest, screen: Rect, native_ppp: f32, ppp: f32) -> Self {
        let mut req = req;
        req.scale = req.scale.clamp(1, MAX_SCALE);
        let [w, h] = window_pixels(screen, ppp);
        let s = req.scale as usize;
        Self {
            image: ColorImage::filled([w * s, h * s], Color32::TRANSPARENT),
            req,
            screen,
            native_ppp,
            ppp,
            tile: 0,
            drawn: false,
            sent: false,
            frame_shift: None,
            started: Instant::now(),
        }
    }

    /// Taking longer than [`GIVE_UP_AFTER`].
    pub fn overdue(&self) -> bool {
        self.started.elapsed() > GIVE_UP_AFTER
    }

    /// Pixels per point of the picture.
    pub fn picture_ppp(&self) -> f32 {
        self.ppp * self.req.scale as f32
    }

    fn tiles(&self) -> u32 {
        self.req.scale * self.req.scale
    }

    /// Every tile has arrived.
    pub fn done(&self) -> bool {
        self.tile >= self.tiles()
    }

    /// Where tile `t` starts in the layout (points): the tiles before it in
    /// its row and column, each a window's pixels at `scale` × the pixels
    /// per point.
    pub fn tile_offset(&self, t: u32) -> Vec2 {
        let s = self.req.scale;
        let step = self.screen.size() / s as f32;
        vec2((t % s) as f32 * step.x, (t / s) as f32 * step.y)
    }

    /// Changes one frame's input so that it draws the current tile: the
    /// window's screen rectangle as it was, the screen's pixels per point ×
    /// scale, and no pointer or keys (the picture shows no hover, and
    /// nothing is clicked while it is taken). Does nothing once every tile
    /// has arrived.
    pub fn prepare_input(&mut self, raw: &mut egui::RawInput) {
        if self.done() {
            self.frame_shift = None;
            return;
        }
        raw.screen_rect = Some(self.screen);
        let native = self.native_ppp * self.req.scale as f32;
        raw.viewports
            .entry(raw.viewport_id)
            .or_default()
            .native_pixels_per_point = Some(native);
        raw.events
            .retain(|e| matches!(e, egui::Event::Screenshot { .. }));
        raw.events.push(egui::Event::PointerGone);
        self.drawn = true;
        self.frame_shift = Some(self.tile_offset(self.tile));
    }

    /// At the end of a frame that draws a tile: moves everything drawn so
    /// the tile is at the window's top left.
    pub fn end_frame(&mut self, ctx: &egui::Context) {
        if let Some(by) = self.frame_shift.take() {
            move_frame(ctx, -by);
        }
    }

    /// The screenshot command to send this frame, if the current tile has
    /// been drawn and not yet asked for.
    pub fn command(&mut self) -> Option<egui::ViewportCommand> {
        if self.done() || !self.drawn || self.sent {
            return None;
        }
        self.sent = true;
        Some(egui::ViewportCommand::Screenshot(egui::UserData::new(
            TileTag(self.tile),
        )))
    }

    /// Takes a screenshot tagged `tag`; the current tile's is copied into
    /// the picture and the next tile begins. Others are ignored.
    pub fn receive(&mut self, tag: Option<TileTag>, shot: &ColorImage) {
        if tag != Some(TileTag(self.tile)) || self.done() {
            return;
        }
        let s = self.req.scale;
        let [tw, th] = window_pixels(self.screen, self.ppp);
        let (x0, y0) = ((self.tile % s) as usize * tw, (self.tile / s) as usize * th);
        paste(&mut self.image, shot, x0, y0);
        self.tile += 1;
        self.drawn = false;
        self.sent = false;
    }

    /// The stitched picture (complete once [`Self::done`]).
    pub fn image(&self) -> &ColorImage {
        &self.image
    }
}

/// Moves everything drawn so far this frame by `by` points: every layer's
/// shapes, in the order they will be painted, into the background layer.
fn move_frame(ctx: &egui::Context, by: Vec2) {
    let (order, to_global) =
        ctx.memory(|m| (m.layer_ids().collect::<Vec<_>>(), m.to_global.clone()));
    let by = TSTransform::from_translation(by);
    ctx.graphics_mut(|g| {
        let shapes = g.drain(&order, &to_global);
        let list = g.entry(LayerId::background());
        for mut s in shapes {
            s.transform(by);
            list.add(s.clip_rect, s.shape);
        }
    });
}

/// The window's size in pixels.
fn window_pixels(screen: Rect, ppp: f32) -> [usize; 2] {
    let px = |v: f32| (v * ppp).round().max(1.0) as usize;
    [px(screen.width()), px(screen.height())]
}

/// Copies `src` into `dst` with its top left at `(x0, y0)`, clipped to
/// `dst`.
fn paste(dst: &mut ColorImage, src: &ColorImage, x0: usize, y0: usize) {
    let [dw, dh] = dst.size;
    let [sw, sh] = src.size;
    for y in 0..sh.min(dh.saturating_sub(y0)) {
        for x in 0..sw.min(dw.saturating_sub(x0)) {
            dst.pixels[(y0 + y) * dw + x0 + x] = src.pixels[y * sw + x];
        }
    }
}

/// The tag of a screenshot event, if it is one of ours.
pub fn tag_of(data: &egui::UserData) -> Option<TileTag> {
    data.data
        .as_ref()
        .and_then(|d| d.downcast_ref::<TileTag>())
        .copied()
}

/// Why a picture could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveImageError {
    /// The area to save has no pixels.
    #[error("nothing to save: the area is empty")]
    Empty,
    /// The window stopped drawing before every tile was captured.
    #[error("the window stopped drawing before the picture was complete")]
    Incomplete,
    /// The PNG encoder failed.
    #[error("{0}")]
    Encode(#[from] png::EncodingError),
    /// The file could not be written.
    #[error("{0}")]
    Write(#[from] crate::project::ProjectError),
}

/// Saves an image as PNG atomically; `crop` is in points, `ppp` is pixels
/// per point.
///
/// # Errors
/// The area is empty, or the PNG cannot be encoded or written.
pub fn save_png(
    path: &Path,
    image: &ColorImage,
    crop: Option<Rect>,
    ppp: f32,
) -> Result<(), SaveImageError> {
    let [w, h] = image.size;
    let (x0, y0, x1, y1) = match crop {
        Some(r) => {
            let px = |v: f32, max: usize| ((v * ppp).round().max(0.0) as usize).min(max);
            (
                px(r.left(), w),
                px(r.top(), h),
                px(r.right(), w),
                px(r.bottom(), h),
            )
        }
        None => (0, 0, w, h),
    };
    if x1 <= x0 || y1 <= y0 {
        return Err(SaveImageError::Empty);
    }
    let (cw, ch) = (x1 - x0, y1 - y0);
    let mut rgba = Vec::with_capacity(cw * ch * 4);
    for y in y0..y1 {
        for x in x0..x1 {
            rgba.extend_from_slice(&image.pixels[y * w + x].to_srgba_unmultiplied());
        }
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, cw as u32, ch as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&rgba)?;
    }
    Ok(crate::project::save::write_atomic(path, &bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::pos2;

    #[test]
    fn a_cropped_png_has_the_cropped_size() {
        let img = ColorImage::filled([40, 30], egui::Color32::RED);
        let dir = std::env::temp_dir().join(format!("ng-shot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.png");
        let r = Rect::from_min_max(egui::pos2(5.0, 5.0), egui::pos2(15.0, 10.0));
        save_png(&p, &img, Some(r), 2.0).unwrap();
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (20, 10));
        assert!(matches!(
            save_png(&p, &img, Some(Rect::NOTHING), 1.0),
            Err(SaveImageError::Empty)
        ));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A tile's screenshot: the window's pixels, each the colour its place
    /// in the picture should have.
    fn tile_shot(c: &Capture, t: u32, colour: impl Fn(usize, usize) -> Color32) -> ColorImage {
        let [w, h] = window_pixels(c.screen, c.ppp);
        let s = c.req.scale as usize;
        let (ox, oy) = ((t as usize % s) * w, (t as usize / s) * h);
        let mut img = ColorImage::filled([w, h], Color32::BLACK);
        for y in 0..h {
            for x in 0..w {
                img.pixels[y * w + x] = colour(ox + x, oy + y);
            }
        }
        img
    }

    #[test]
    fn a_picture_at_twice_the_resolution_is_stitched_from_four_tiles() {
        let req = ShotRequest {
            path: PathBuf::from("unused.png"),
            crop: None,
            then_quit: false,
            scale: 2,
        };
        // A 50 × 30 point window at 1.5 pixels per point (classroom zoom).
        let screen = Rect::from_min_size(pos2(0.0, 0.0), vec2(50.0, 30.0));
        let mut c = Capture::new(req, screen, 1.0, 1.5);
        assert_eq!(c.image().size, [150, 90]);
        assert_eq!(c.picture_ppp(), 3.0);
        // Tile 3 (bottom right) starts half a window right and down.
        assert_eq!(c.tile_offset(3), vec2(25.0, 15.0));
        let colour = |x: usize, y: usize| Color32::from_rgb(x as u8, y as u8, 7);
        assert!(c.command().is_none(), "not before the tile is drawn");
        let mut frames = 0;
        while !c.done() {
            frames += 1;
            assert!(frames < 20);
            let mut raw = egui::RawInput {
                events: vec![egui::Event::Key {
                    key: egui::Key::A,
                    physical_key: None,
                    pressed: true,
                    repeat: false,
                    modifiers: egui::Modifiers::NONE,
                }],
                ..Default::default()
            };
            let t = c.tile;
            c.prepare_input(&mut raw);
            assert_eq!(raw.screen_rect, Some(screen));
            assert_eq!(c.frame_shift, Some(c.tile_offset(t)));
            assert_eq!(raw.viewport().native_pixels_per_point, Some(2.0));
            assert_eq!(raw.events, vec![egui::Event::PointerGone]);
            let Some(egui::ViewportCommand::Screenshot(data)) = c.command() else {
                panic!("a screenshot of tile {t}");
            };
            assert!(c.command().is_none(), "asked once");
            // A stale screenshot of another tile is ignored.
            c.receive(
                Some(TileTag(t + 1)),
                &tile_shot(&c, t + 1, |_, _| Color32::RED),
            );
            c.receive(tag_of(&data), &tile_shot(&c, t, colour));
        }
        assert_eq!(frames, 4);
        let img = c.image();
        for (y, x) in [(0, 0), (10, 100), (80, 20), (89, 149), (45, 75)] {
            assert_eq!(img.pixels[y * 150 + x], colour(x, y), "({x}, {y})");
        }
        // Done: frames are normal again.
        let mut raw = egui::RawInput::default();
        c.prepare_input(&mut raw);
        assert_eq!(raw.screen_rect, None);
        assert!(c.command().is_none());
    }

    #[test]
    fn a_window_picture_is_one_tile() {
        let req = ShotRequest {
            path: PathBuf::from("unused.png"),
            crop: None,
            then_quit: true,
            scale: 1,
        };
        let screen = Rect::from_min_size(pos2(0.0, 0.0), vec2(40.0, 20.0));
        let mut c = Capture::new(req, screen, 2.0, 2.0);
        let mut raw = egui::RawInput::default();
        c.prepare_input(&mut raw);
        assert_eq!(raw.screen_rect, Some(screen));
        assert_eq!(raw.viewport().native_pixels_per_point, Some(2.0));
        assert!(c.command().is_some());
        c.receive(
            Some(TileTag(0)),
            &ColorImage::filled([80, 40], Color32::BLUE),
        );
        assert!(c.done());
        assert_eq!(c.image().size, [80, 40]);
        assert!(c.image().pixels.iter().all(|p| *p == Color32::BLUE));
    }
}
