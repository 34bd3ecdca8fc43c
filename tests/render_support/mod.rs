//! Pictures of a test harness's frame, for UI tests that assert on what is
//! drawn (included with `mod render_support;`).
//!
//! Frames are rendered by egui_kittest's wgpu renderer; without a GPU that
//! is a software Vulkan driver (Mesa's lavapipe, `mesa-vulkan-drivers`,
//! installed by `.ci/deps`). Build the harness with
//! `Harness::builder().wgpu()` and call [`render`] after a step.

#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

pub use image::RgbaImage;

/// The harness's latest frame as an image (one pixel per physical pixel).
///
/// # Panics
/// When no wgpu adapter is available, with what to install.
pub fn render<S>(h: &mut Harness<'_, S>) -> RgbaImage {
    h.render().unwrap_or_else(|e| {
        panic!(
            "cannot render a frame ({e}); without a GPU install Mesa's software Vulkan \
             driver (`mesa-vulkan-drivers`, see .ci/deps)"
        )
    })
}

/// The on-screen rectangles (in points) of the images in the frame, in
/// the accessibility tree's order, that are `size` points square (±1).
pub fn image_rects<S>(h: &Harness<'_, S>, size: f32) -> Vec<egui::Rect> {
    h.query_all_by_role(egui::accesskit::Role::Image)
        .map(|n| n.rect())
        .filter(|r| (r.width() - size).abs() <= 1.0 && (r.height() - size).abs() <= 1.0)
        .collect()
}

/// The colour at the centre of texel `(col, row)` of a `w`×`h` picture
/// drawn into `rect` (points), read from `img` rendered at `ppp` pixels
/// per point.
pub fn texel(
    img: &RgbaImage,
    rect: egui::Rect,
    ppp: f32,
    (w, h): (usize, usize),
    (col, row): (usize, usize),
) -> [u8; 4] {
    let x = rect.left() + (col as f32 + 0.5) * rect.width() / w as f32;
    let y = rect.top() + (row as f32 + 0.5) * rect.height() / h as f32;
    pixel(img, egui::pos2(x, y), ppp)
}

/// The colour at point `p` (points) of `img` rendered at `ppp`.
pub fn pixel(img: &RgbaImage, p: egui::Pos2, ppp: f32) -> [u8; 4] {
    let x = ((p.x * ppp) as u32).min(img.width() - 1);
    let y = ((p.y * ppp) as u32).min(img.height() - 1);
    img.get_pixel(x, y).0
}

/// The grey levels (0–255) a picture of `values` shows: scaled from the
/// smallest value (black) to the largest (white), as the gallery draws
/// validation images.
pub fn grey_levels(values: &[f32]) -> Vec<u8> {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = (hi - lo).max(1e-6);
    values
        .iter()
        .map(|v| ((v - lo) / span * 255.0) as u8)
        .collect()
}

/// How many texels of a `w`×`h` picture drawn into `rect` differ from the
/// grey levels `want` by more than `tol` in any channel.
pub fn grey_mismatches(
    img: &RgbaImage,
    rect: egui::Rect,
    ppp: f32,
    (w, h): (usize, usize),
    want: &[u8],
    tol: u8,
) -> usize {
    let mut bad = 0;
    for row in 0..h {
        for col in 0..w {
            let got = texel(img, rect, ppp, (w, h), (col, row));
            let g = want[row * w + col];
            if got[..3].iter().any(|&c| c.abs_diff(g) > tol) {
                bad += 1;
            }
        }
    }
    bad
}
