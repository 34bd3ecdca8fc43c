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

/// One change to painted data, asked by the view and applied by the app
/// to the document after the frame's drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PaintEdit {
    /// A point of a class at (x₁, x₂).
    Add(f32, f32, u32),
    /// Every point within `radius` (in data units) of (x₁, x₂) goes.
    Erase(f32, f32, f32),
}

/// Paint mode's state: on or off, the class being painted, and what the
/// pointer asked for since the app last applied it.
#[derive(Clone, Debug, Default)]
pub struct PaintState {
    /// Clicks paint instead of picking.
    pub on: bool,
    /// The class a click adds.
    pub class: u32,
    /// Edits waiting for the app.
    pub pending: Vec<PaintEdit>,
    /// Where the spray last put a point (screen), while dragging.
    last_spray: Option<egui::Pos2>,
    /// Points sprayed so far (drives the spray's jitter).
    sprayed: u64,
}

/// Screen distance between two sprayed points while dragging.
const SPRAY_STEP: f32 = 10.0;
/// Spray jitter, in screen points.
const SPRAY_JITTER: f32 = 8.0;
/// How near a right-click erases, in screen points.
const ERASE_RADIUS: f32 = 14.0;

/// Whether the project's data is painted (the boundary view paints it).
pub fn paints(doc: &crate::ui::document::Document) -> bool {
    matches!(
        doc.project.data.source,
        crate::model::DataSource::Painted { .. }
    )
}

/// The boundary view for painted data: the network's answer under the
/// points once a run has a snapshot; the points straight from the document,
/// so each painted point shows at once; and paint mode — click adds a point
/// of the chosen class, drag sprays, right-click (or right-drag) erases.
pub fn paint_ui(
    ui: &mut egui::Ui,
    live: Option<Live<'_>>,
    doc: &crate::ui::document::Document,
    state: &mut ViewState,
) {
    let crate::model::DataSource::Painted { points, classes } = &doc.project.data.source else {
        return;
    };
    ui.horizontal(|ui| {
        ui.toggle_value(&mut state.paint.on, "Paint")
            .on_hover_text("click: add a point · drag: spray · right-click: erase");
        for k in 0..(*classes).min(theme::CLASSES.len()) as u32 {
            let colour = theme::CLASSES[k as usize];
            let label = egui::RichText::new(format!("class {k}")).color(colour);
            if ui.selectable_label(state.paint.class == k, label).clicked() {
                state.paint.class = k;
                state.paint.on = true;
            }
        }
        ui.label(egui::RichText::new(format!("{} points", points.len())).weak());
    });
    if state.paint.class as usize >= *classes {
        state.paint.class = 0;
    }
    let boundary = live.and_then(|l| l.snap.boundary.as_ref().map(|b| (l, b)));
    let bg = ui.visuals().extreme_bg_color;
    let image = boundary.map(|(l, b)| {
        let discrete = state.discretize;
        let key = if discrete {
            "boundary-discrete"
        } else {
            "boundary"
        };
        let tex = state
            .textures
            .get(ui.ctx(), key, l.stamp, || boundary_image(b, discrete, bg));
        let (x, y) = (b.x_range, b.y_range);
        (
            tex,
            PlotPoint::new((x[0] + x[1]) / 2.0, (y[0] + y[1]) / 2.0),
            egui::vec2((x[1] - x[0]) as f32, (y[1] - y[0]) as f32),
        )
    });
    let painting = state.paint.on;
    let resp = with_ticks(Plot::new("paint"))
        .data_aspect(1.0)
        .show_grid(false)
        .include_x(-1.2)
        .include_x(1.2)
        .include_y(-1.2)
        .include_y(1.2)
        .allow_drag(!painting)
        .allow_zoom(!painting)
        .allow_scroll(!painting)
        .allow_boxed_zoom(!painting)
        .show(ui, |p| {
            if let Some((tex, centre, size)) = &image {
                p.image(PlotImage::new("boundary", tex, *centre, *size));
            }
            let xy: Vec<[f64; 2]> = points
                .iter()
                .map(|q| [f64::from(q.0), f64::from(q.1)])
                .collect();
            let class: Vec<u32> = points.iter().map(|q| q.2).collect();
            draw_points(p, "painted", &xy, Some(&class), MarkerShape::Circle, true);
        });
    state.boundary_transform = Some(resp.transform);
    if !painting {
        return;
    }
    let r = &resp.response;
    let to_data = |pos: egui::Pos2| {
        let v = resp.transform.value_from_position(pos);
        (v.x as f32, v.y as f32)
    };
    let paint = &mut state.paint;
    let pointer = r.interact_pointer_pos().or_else(|| r.hover_pos());
    let primary_down = ui.input(|i| i.pointer.primary_down());
    let secondary_down = ui.input(|i| i.pointer.secondary_down());
    let Some(at) = pointer else {
        paint.last_spray = None;
        return;
    };
    if r.secondary_clicked() || (secondary_down && r.contains_pointer()) {
        let edge = to_data(at + egui::vec2(ERASE_RADIUS, 0.0));
        let (x, y) = to_data(at);
        paint
            .pending
            .push(PaintEdit::Erase(x, y, (edge.0 - x).abs()));
        return;
    }
    if r.clicked() {
        let (x, y) = to_data(at);
        paint.pending.push(PaintEdit::Add(x, y, paint.class));
        paint.last_spray = None;
    } else if primary_down && (r.dragged() || r.drag_started()) {
        if paint
            .last_spray
            .is_none_or(|l| l.distance(at) >= SPRAY_STEP)
        {
            // A fixed sequence of offsets, so a spray is reproducible.
            paint.sprayed += 1;
            let a = paint.sprayed as f32 * 2.399_963; // the golden angle
            let d = SPRAY_JITTER * ((paint.sprayed % 7) as f32 / 7.0);
            let (x, y) = to_data(at + egui::vec2(a.cos() * d, a.sin() * d));
            paint.pending.push(PaintEdit::Add(x, y, paint.class));
            paint.last_spray = Some(at);
        }
    } else {
        paint.last_spray = None;
    }
}

/// Applies paint edits to painted data; returns whether anything changed.
pub fn apply_paint(source: &mut crate::model::DataSource, edits: &[PaintEdit]) -> bool {
    let crate::model::DataSource::Painted { points, classes } = source else {
        return false;
    };
    let mut changed = false;
    for e in edits {
        match *e {
            PaintEdit::Add(x, y, c)
                if x.is_finite()
                    && y.is_finite()
                    && (c as usize) < *classes
                    && points.len() < crate::data::generate::MAX_PAINTED =>
            {
                points.push((x, y, c));
                changed = true;
            }
            PaintEdit::Erase(x, y, r) => {
                let before = points.len();
                points.retain(|p| (p.0 - x).hypot(p.1 - y) > r);
                changed |= points.len() != before;
            }
            PaintEdit::Add(..) => {}
        }
    }
    changed
}

impl crate::ui::app::NeuroglassApp {
    /// Once a frame after drawing: the boundary view's paint edits go into
    /// the document (and from there into the undo history and the next run).
    pub(in crate::ui) fn apply_paint_edits(&mut self) {
        if self.views.paint.pending.is_empty() {
            return;
        }
        let edits = std::mem::take(&mut self.views.paint.pending);
        if apply_paint(&mut self.doc.project.data.source, &edits) {
            self.doc.refresh();
        }
    }
}

#[cfg(test)]
mod paint_tests {
    use super::*;
    use crate::model::DataSource;

    #[test]
    fn paint_edits_add_and_erase_points() {
        let mut s = DataSource::Painted {
            points: vec![],
            classes: 2,
        };
        assert!(apply_paint(
            &mut s,
            &[
                PaintEdit::Add(0.0, 0.0, 0),
                PaintEdit::Add(0.5, 0.5, 1),
                PaintEdit::Add(0.9, 0.9, 5),
                PaintEdit::Add(f32::NAN, 0.0, 0),
            ]
        ));
        let DataSource::Painted { points, .. } = &s else {
            unreachable!()
        };
        assert_eq!(points, &vec![(0.0, 0.0, 0), (0.5, 0.5, 1)]);
        assert!(apply_paint(&mut s, &[PaintEdit::Erase(0.05, 0.0, 0.1)]));
        let DataSource::Painted { points, .. } = &s else {
            unreachable!()
        };
        assert_eq!(points, &vec![(0.5, 0.5, 1)]);
        assert!(!apply_paint(&mut s, &[PaintEdit::Erase(-1.0, -1.0, 0.1)]));
    }
}
