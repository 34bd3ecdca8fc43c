//! Turning numbers into pictures: colour maps and textures cached per
//! snapshot.

use std::collections::HashMap;

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};

use crate::ui::run::{RunId, Stamp};
use crate::ui::theme;

/// Textures made from snapshots, each keyed by a name and the [`Stamp`]
/// of the snapshot it shows: a texture is reused only for the very
/// snapshot it was made from, and all of a run's textures are dropped when
/// another run's are asked for.
#[derive(Default)]
pub struct Textures {
    run: Option<RunId>,
    map: HashMap<String, (Stamp, TextureHandle)>,
}

impl Textures {
    /// The texture `key` of the snapshot `stamp`, made by `make` when
    /// missing or made from another snapshot.
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        key: &str,
        stamp: Stamp,
        make: impl FnOnce() -> ColorImage,
    ) -> TextureHandle {
        if self.run != Some(stamp.run) {
            self.map.clear();
            self.run = Some(stamp.run);
        }
        if let Some((s, t)) = self.map.get(key)
            && *s == stamp
        {
            return t.clone();
        }
        let t = ctx.load_texture(key, make(), TextureOptions::NEAREST);
        self.map.insert(key.to_string(), (stamp, t.clone()));
        t
    }

    /// How many textures are kept (for tests).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none are kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The run the kept textures belong to.
    pub fn run(&self) -> Option<RunId> {
        self.run
    }
}

/// Blue for positive, orange for negative, white (or the background) at
/// zero; `v` in [-1, 1].
pub fn diverging(v: f32) -> Color32 {
    let v = v.clamp(-1.0, 1.0);
    let (c, t) = if v >= 0.0 {
        (theme::POSITIVE, v)
    } else {
        (theme::NEGATIVE, -v)
    };
    lerp(Color32::from_gray(245), c, t)
}

/// Mixes two colours.
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
}

/// Dark to bright for heat strips; `t` in [0, 1].
pub fn heat(t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let stops = [
        Color32::from_rgb(13, 8, 135),
        Color32::from_rgb(126, 3, 168),
        Color32::from_rgb(204, 71, 120),
        Color32::from_rgb(248, 149, 64),
        Color32::from_rgb(240, 249, 33),
    ];
    let x = t * (stops.len() - 1) as f32;
    let i = (x.floor() as usize).min(stops.len() - 2);
    lerp(stops[i], stops[i + 1], x - i as f32)
}

/// A `w×h` image of values scaled symmetrically around zero, with row 0
/// drawn at the bottom when `flip` (plane grids go bottom-up).
pub fn diverging_image(values: &[f32], w: usize, h: usize, flip: bool) -> ColorImage {
    let max = values
        .iter()
        .fold(0f32, |m, v| if v.is_finite() { m.max(v.abs()) } else { m })
        .max(1e-6);
    let mut img = ColorImage::filled([w, h], Color32::GRAY);
    for y in 0..h {
        for x in 0..w {
            let src = if flip { (h - 1 - y) * w + x } else { y * w + x };
            if let Some(v) = values.get(src) {
                img.pixels[y * w + x] = diverging(v / max);
            }
        }
    }
    img
}

/// A grey `w×h` image scaled to its own range.
pub fn grey_image(values: &[f32], w: usize, h: usize) -> ColorImage {
    let (lo, hi) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let span = (hi - lo).max(1e-6);
    let mut img = ColorImage::filled([w, h], Color32::BLACK);
    for (i, v) in values.iter().take(w * h).enumerate() {
        img.pixels[i] = Color32::from_gray(((v - lo) / span * 255.0) as u8);
    }
    img
}

/// Shows a texture at `size` points with a hover enlargement.
pub fn image(ui: &mut egui::Ui, tex: &TextureHandle, size: egui::Vec2) -> egui::Response {
    let r = ui.add(egui::Image::new(tex).fit_to_exact_size(size));
    let t = tex.clone();
    r.on_hover_ui(|ui| {
        ui.add(egui::Image::new(&t).fit_to_exact_size(egui::vec2(200.0, 200.0)));
    })
}
