//! The trace on the canvas: beside each node (on its left) the traced
//! sample's output or ∂L/∂(output) — a strip of coloured cells for a
//! vector (the value on hover), its maps for an image or a sequence, a
//! number for a scalar; the output node adds prediction, target and loss.
//! While stepping, the current node and its wires are highlighted.

use egui::{Align2, Color32, FontId, Painter, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use crate::model::{Graph, NodeId};
use crate::numfmt::sig;
use crate::trace::NodeTrace;
use crate::ui::canvas::node::{input_slot, output_pin, paint_wire};
use crate::ui::run::RunId;
use crate::ui::theme;
use crate::ui::views::paint::{diverging, diverging_image};

use super::{TraceState, Traced};

/// Paints the trace of run `run` (if there is one) beside the nodes at
/// `rects`, with the canvas's clipped `painter`.
pub fn canvas_ui(
    ui: &mut egui::Ui,
    painter: &Painter,
    state: &mut TraceState,
    run: RunId,
    graph: &Graph,
    rects: &[(NodeId, Rect)],
    zoom: f32,
) {
    let Some(n) = state.shown(run).map(|t| t.trace.nodes.len()) else {
        return;
    };
    let position = state.position(n);
    let shows: Vec<Option<bool>> = (0..n).map(|k| state.shows(k, n)).collect();
    let Some(traced) = state.shown.as_ref() else {
        return;
    };
    let textures = &mut state.textures;
    let rect_of = |id: NodeId| rects.iter().find(|(k, _)| *k == id).map(|(_, r)| *r);
    // The current node and its wires: into it going forward, out of it
    // (to the nodes its gradient comes from) going backward.
    if let Some((k, backward)) = position
        && let Some(node) = traced.trace.nodes.get(k)
        && let Some(r) = rect_of(node.id)
    {
        let stroke = Stroke::new(
            theme::TRACE_WIRE_WIDTH * zoom.max(0.5),
            theme::TRACE_CURRENT,
        );
        let edges = graph.edges().iter().filter(|e| {
            if backward {
                e.from == node.id
            } else {
                e.to == node.id
            }
        });
        for e in edges {
            if let (Some(a), Some(b)) = (rect_of(e.from), rect_of(e.to)) {
                let n_in = graph.inputs_of(e.to).len();
                paint_wire(painter, output_pin(a), input_slot(b, e.port, n_in), stroke);
            }
        }
        painter.rect_stroke(
            r.expand(3.0 * zoom),
            6.0 * zoom,
            Stroke::new(
                theme::TRACE_WIRE_WIDTH * zoom.max(0.5),
                theme::TRACE_CURRENT,
            ),
            StrokeKind::Outside,
        );
    }
    let mut maps: Vec<Maps> = Vec::new();
    for (k, node) in traced.trace.nodes.iter().enumerate() {
        let (Some(r), Some(grad)) = (rect_of(node.id), shows.get(k).copied().flatten()) else {
            continue;
        };
        let values = if grad { &node.grad } else { &node.output };
        let area = Rect::from_min_max(
            pos2(r.left() - (theme::TRACE_WIDTH + 6.0) * zoom, r.top()),
            pos2(r.left() - 6.0 * zoom, r.bottom()),
        );
        if !area.intersects(painter.clip_rect()) {
            continue;
        }
        let font = FontId::proportional(11.0 * zoom.clamp(0.6, 2.0));
        let text = ui.visuals().text_color();
        let label = if grad { "∂L/∂out" } else { "out" };
        match map_shape(node) {
            Some(size) => {
                let per = size[0] * size[1];
                let channels = (values.len() / per.max(1)).clamp(1, theme::TRACE_MAPS);
                let images = (0..channels)
                    .map(|c| {
                        values
                            .iter()
                            .skip(c * per)
                            .take(per)
                            .map(|&v| v as f32)
                            .collect()
                    })
                    .collect();
                maps.push((node.id, grad, area, images, size));
            }
            None if values.len() == 1 => {
                let v = values.first().copied().unwrap_or(0.0);
                painter.text(
                    area.right_top(),
                    Align2::RIGHT_TOP,
                    format!("{label} {}", sig(v, 3)),
                    font.clone(),
                    text,
                );
            }
            None => strip_ui(ui, painter, node, values, grad, area, zoom),
        }
        if grad {
            // The layer's parameter gradients for this sample, by size.
            let norms: Vec<String> = traced
                .trace
                .params_of(node.id)
                .map(|p| {
                    let norm = p.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                    format!("‖∂L/∂{}‖ {}", p.name, sig(norm, 3))
                })
                .collect();
            if !norms.is_empty() {
                painter.text(
                    area.right_bottom(),
                    Align2::RIGHT_BOTTOM,
                    norms.join(" · "),
                    font.clone(),
                    text,
                );
            }
        }
        if node.id == traced.trace.output && !grad {
            painter.text(
                area.right_bottom(),
                Align2::RIGHT_BOTTOM,
                verdict(traced),
                font,
                text,
            );
        }
    }
    for (id, grad, area, images, [w, h]) in maps {
        let key = (traced.serial, id, grad);
        let textures = textures.entry(key).or_insert_with(|| {
            images
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    ui.ctx().load_texture(
                        format!("trace-{id}-{grad}-{c}"),
                        diverging_image(v, w, h, false),
                        egui::TextureOptions::NEAREST,
                    )
                })
                .collect()
        });
        let side = (area.height() - 4.0).max(8.0);
        let aspect = w as f32 / h.max(1) as f32;
        let size = vec2((side * aspect).min(area.width()), side);
        for (c, t) in textures.iter().enumerate() {
            let right = area.right() - c as f32 * (size.x + 3.0);
            let r = Rect::from_min_size(pos2(right - size.x, area.top()), size);
            if r.left() < area.left() {
                break;
            }
            let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
            painter.image(t.id(), r, uv, Color32::WHITE);
            let visible = r.intersect(painter.clip_rect());
            if visible.is_positive() {
                let what = if grad { "∂L/∂output" } else { "output" };
                let t = t.clone();
                ui.interact(visible, ui.id().with(("trace-map", id, c)), Sense::hover())
                    .on_hover_ui(|ui| {
                        ui.label(format!("{what}, map {} of this sample", c + 1));
                        ui.add(egui::Image::new(&t).fit_to_exact_size(vec2(200.0, 200.0)));
                    });
            }
        }
    }
}

/// A node's maps to draw: its id, whether gradients, where, each map's
/// values and its width and height.
type Maps = (NodeId, bool, Rect, Vec<Vec<f32>>, [usize; 2]);

/// The height and width of the maps a node's output is drawn as: an image
/// `[C, H, W]` as `C` maps; a sequence `[T, F]` as one map of `F` rows
/// over `T` steps. `None` for vectors.
fn map_shape(node: &NodeTrace) -> Option<[usize; 2]> {
    match node.shape.as_slice() {
        [_, h, w] if h * w > 1 => Some([*w, *h]),
        [t, f] if t * f > 1 => Some([*f, *t]),
        _ => None,
    }
}

/// A vector as coloured cells (at most `TRACE_CELLS`), the value under the
/// pointer on hover.
fn strip_ui(
    ui: &mut egui::Ui,
    painter: &Painter,
    node: &NodeTrace,
    values: &[f64],
    grad: bool,
    area: Rect,
    zoom: f32,
) {
    let shown = values.len().min(theme::TRACE_CELLS);
    let max = values
        .iter()
        .fold(0f64, |m, v| if v.is_finite() { m.max(v.abs()) } else { m })
        .max(1e-12);
    let cell = (area.width() / shown.max(1) as f32).min(theme::TRACE_CELL * zoom);
    let height = theme::TRACE_CELL * zoom;
    let left = area.right() - cell * shown as f32;
    for (i, v) in values.iter().take(shown).enumerate() {
        let r = Rect::from_min_size(pos2(left + i as f32 * cell, area.top()), vec2(cell, height));
        painter.rect_filled(r, 0.0, diverging((v / max) as f32));
    }
    let strip = Rect::from_min_size(pos2(left, area.top()), vec2(cell * shown as f32, height));
    painter.rect_stroke(
        strip,
        0.0,
        Stroke::new(1.0, ui.visuals().weak_text_color()),
        StrokeKind::Outside,
    );
    let font = FontId::proportional(10.0 * zoom.clamp(0.6, 2.0));
    let more = if values.len() > shown {
        format!(" (first {shown} of {})", values.len())
    } else {
        String::new()
    };
    painter.text(
        pos2(area.right(), strip.bottom() + 2.0),
        Align2::RIGHT_TOP,
        format!(
            "max |{}| {}{more}",
            if grad { "∂" } else { "v" },
            sig(max, 3)
        ),
        font,
        ui.visuals().weak_text_color(),
    );
    let visible = strip.intersect(painter.clip_rect());
    if !visible.is_positive() {
        return;
    }
    let resp = ui.interact(
        visible,
        ui.id().with(("trace-strip", node.id)),
        Sense::hover(),
    );
    resp.widget_info(|| {
        let first: Vec<String> = values.iter().take(8).map(|v| sig(*v, 3)).collect();
        let what = if grad { "∂L/∂output" } else { "output" };
        let text = format!("trace of {}: {what} {}", node.name, first.join(" "));
        egui::WidgetInfo::labeled(egui::WidgetType::Label, true, text)
    });
    if let Some(p) = resp.hover_pos() {
        let i = (((p.x - left) / cell).floor().max(0.0) as usize).min(shown.saturating_sub(1));
        let v = values.get(i).copied().unwrap_or(0.0);
        let what = if grad { "∂L/∂output" } else { "output" };
        resp.on_hover_text(format!("{} {}: {what} {}", node.name, i + 1, sig(v, 4)));
    }
}

/// "predicted 1 (93 %) · target 1 · loss 0.071".
fn verdict(t: &Traced) -> String {
    let tr = &t.trace;
    let predicted = match tr.predicted_class {
        Some(c) => {
            let p = tr.confidence().unwrap_or(f64::NAN);
            format!("predicted {c} ({} %)", sig(100.0 * p, 3))
        }
        None => {
            let v: Vec<String> = tr.prediction.iter().take(3).map(|v| sig(*v, 3)).collect();
            format!("predicted {}", v.join(", "))
        }
    };
    let target = match &tr.target {
        crate::trace::SampleTarget::Class(c) => format!("{c}"),
        crate::trace::SampleTarget::Values(v) => {
            let v: Vec<String> = v.iter().take(3).map(|v| sig(*v, 3)).collect();
            v.join(", ")
        }
    };
    format!("{predicted} · target {target} · loss {}", sig(tr.loss, 3))
}
