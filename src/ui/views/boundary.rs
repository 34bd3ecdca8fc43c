//! The decision boundary: the network's answer over the input plane as a
//! heatmap, training and validation points on top, mistakes crossed; for
//! 1-D regression the fitted curve over the points.

use egui::{Color32, ColorImage};
use egui_plot::{Line, MarkerShape, Plot, PlotImage, PlotPoint, Points};

use crate::ui::plots::with_ticks;
use crate::ui::preview::{Preview, PreviewState};
use crate::ui::run::Live;
use crate::ui::theme;

use super::ViewState;
use super::paint::{diverging, lerp};

/// The heatmap's pixels: class colours faded by confidence (or solid when
/// `discrete`), or values on a diverging scale for regression.
pub fn boundary_image(
    b: &crate::trainer::snapshot::Boundary,
    discrete: bool,
    bg: Color32,
) -> ColorImage {
    let r = b.resolution;
    let mut img = ColorImage::filled([r, r], bg);
    let vmax = b.value.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    for j in 0..r {
        for i in 0..r {
            let k = j * r + i;
            let c = if let Some(&class) = b.class.get(k) {
                let base = theme::CLASSES[class as usize % theme::CLASSES.len()];
                let conf = b.confidence.get(k).copied().unwrap_or(1.0);
                let t = if discrete {
                    0.55
                } else {
                    0.15 + 0.6 * conf.clamp(0.0, 1.0)
                };
                lerp(bg, base, t)
            } else if let Some(v) = b.value.get(k) {
                diverging(v / vmax)
            } else {
                bg
            };
            // Grid row 0 is the bottom of the plane; image row 0 is the top.
            img.pixels[(r - 1 - j) * r + i] = c;
        }
    }
    img
}

/// Draws the view.
pub fn ui(ui: &mut egui::Ui, live: Live<'_>, preview: &PreviewState, state: &mut ViewState) {
    let snap = live.snap;
    let points = match &preview.current {
        Some(Ok(p)) => Some(p),
        _ => None,
    };
    if let Some(fit) = &snap.fit {
        with_ticks(Plot::new("fit")).show(ui, |p| {
            if let Some(Preview::Curve { xy }) = points {
                p.points(
                    Points::new("data", xy.clone())
                        .radius(2.0)
                        .color(theme::TRAIN),
                );
            }
            p.line(
                Line::new("network", fit.clone())
                    .color(theme::VALIDATION)
                    .width(2.5),
            );
        });
        return;
    }
    let Some(b) = &snap.boundary else {
        ui.label("The decision boundary shows for data with two inputs (x₁, x₂): open the spiral, circles or XOR example.");
        return;
    };
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.discretize, "discretize output")
            .on_hover_text("solid class colours instead of shading by confidence");
        ui.label(
            egui::RichText::new(
                "dots: training · rings: validation (click one to trace it) · red crosses: validation mistakes",
            )
            .weak(),
        );
        super::classes::cell_filter_ui(ui, state);
    });
    // A confusion cell chosen: its validation samples get large rings.
    let chosen: std::collections::BTreeSet<usize> = state
        .cell
        .map(|c| {
            super::classes::cell_rows(snap, c)
                .into_iter()
                .map(|r| r.0)
                .collect()
        })
        .unwrap_or_default();
    let bg = ui.visuals().extreme_bg_color;
    let discrete = state.discretize;
    let key = if discrete {
        "boundary-discrete"
    } else {
        "boundary"
    };
    let tex = state.textures.get(ui.ctx(), key, live.stamp, || {
        boundary_image(b, discrete, bg)
    });
    let (x, y) = (b.x_range, b.y_range);
    let centre = PlotPoint::new((x[0] + x[1]) / 2.0, (y[0] + y[1]) / 2.0);
    let size = egui::vec2((x[1] - x[0]) as f32, (y[1] - y[0]) as f32);
    let mistakes: std::collections::BTreeSet<usize> = snap
        .predictions
        .iter()
        .filter(|p| p.1 != p.2)
        .map(|p| p.0)
        .collect();
    let picked = state.picked;
    let resp = with_ticks(Plot::new("boundary"))
        .data_aspect(1.0)
        .show_grid(false)
        .show(ui, |p| {
            p.image(PlotImage::new("boundary", &tex, centre, size));
            if let Some(Preview::Points {
                xy,
                class,
                val_xy,
                val_class,
            }) = points
            {
                draw_points(
                    p,
                    "training",
                    xy,
                    class.as_deref(),
                    MarkerShape::Circle,
                    true,
                );
                draw_points(
                    p,
                    "validation",
                    val_xy,
                    val_class.as_deref(),
                    MarkerShape::Circle,
                    false,
                );
                let wrong: Vec<[f64; 2]> = val_xy
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mistakes.contains(i))
                    .map(|(_, v)| *v)
                    .collect();
                p.points(
                    Points::new("mistakes", wrong)
                        .shape(MarkerShape::Cross)
                        .radius(5.0)
                        .color(theme::ERROR),
                );
                let ringed: Vec<[f64; 2]> = val_xy
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| chosen.contains(i))
                    .map(|(_, v)| *v)
                    .collect();
                if !ringed.is_empty() {
                    p.points(
                        Points::new("chosen confusion cell", ringed)
                            .shape(MarkerShape::Circle)
                            .filled(false)
                            .radius(9.0)
                            .color(theme::WARNING),
                    );
                }
                if let Some(v) = picked.and_then(|i| val_xy.get(i)) {
                    p.points(
                        Points::new("traced sample", vec![*v])
                            .shape(MarkerShape::Diamond)
                            .filled(false)
                            .radius(8.0)
                            .color(theme::TRACE_CURRENT),
                    );
                }
            }
        });
    state.boundary_transform = Some(resp.transform);
    // A click on a validation point picks it for the trace.
    if resp.response.clicked()
        && let Some(at) = resp.response.interact_pointer_pos()
        && let Some(Preview::Points { val_xy, .. }) = points
    {
        state.picked = nearest(val_xy, at, |v| {
            resp.transform
                .position_from_point(&PlotPoint::new(v[0], v[1]))
        })
        .or(state.picked);
    }
}

/// The validation point within `PICK_RADIUS` of `at` on screen, nearest first.
fn nearest(
    points: &[[f64; 2]],
    at: egui::Pos2,
    screen: impl Fn(&[f64; 2]) -> egui::Pos2,
) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .map(|(i, v)| (i, screen(v).distance(at)))
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// How near (in points) a click must be to a validation point to pick it.
const PICK_RADIUS: f32 = 12.0;

fn draw_points(
    p: &mut egui_plot::PlotUi<'_>,
    name: &str,
    xy: &[[f64; 2]],
    class: Option<&[u32]>,
    shape: MarkerShape,
    filled: bool,
) {
    match class {
        Some(c) => {
            for k in 0..theme::CLASSES.len() as u32 {
                let pts: Vec<[f64; 2]> = xy
                    .iter()
                    .zip(c)
                    .filter(|(_, l)| **l == k)
                    .map(|(v, _)| *v)
                    .collect();
                if !pts.is_empty() {
                    p.points(
                        Points::new(format!("{name} {k}"), pts)
                            .shape(shape)
                            .filled(filled)
                            .radius(3.0)
                            .color(theme::CLASSES[k as usize]),
                    );
                }
            }
        }
        None => p.points(
            Points::new(name, xy.to_vec())
                .shape(shape)
                .filled(filled)
                .radius(3.0),
        ),
    }
}
