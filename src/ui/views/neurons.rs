//! Neurons: every hidden unit's output over the input plane as a small
//! picture, and for small networks the weights between units as lines,
//! blue for positive and orange for negative, thicker for larger.

use egui::{Pos2, Rect, Stroke, vec2};

use crate::model::{LayerSpec, NodeId};
use crate::trainer::Snapshot;
use crate::trainer::snapshot::NeuronMaps;
use crate::ui::document::Document;
use crate::ui::run::{Live, Stamp};

use super::paint::{Textures, diverging, diverging_image};
use super::{ViewState, node_name};

/// Largest column drawn as units with wires.
const MAX_UNITS: usize = 16;

/// The maps to show for a Dense node's units: the activation right after
/// it when there is one (what the next layer sees), else its own output.
pub fn maps_for<'a>(snap: &'a Snapshot, doc: &Document, dense: NodeId) -> Option<&'a NeuronMaps> {
    let g = &doc.project.graph;
    let next = g.outputs_of(dense);
    let act = (next.len() == 1)
        .then(|| next[0].to)
        .filter(|id| matches!(g.node(*id).map(|n| &n.spec), Some(LayerSpec::Activation(_))));
    act.and_then(|a| snap.neurons.iter().find(|m| m.node == a))
        .or_else(|| snap.neurons.iter().find(|m| m.node == dense))
}

/// A texture of one unit's map.
pub fn unit_texture(
    ui: &egui::Ui,
    tex: &mut Textures,
    stamp: Stamp,
    m: &NeuronMaps,
    unit: usize,
) -> Option<egui::TextureHandle> {
    let values = m.maps.get(unit)?;
    let r = m.resolution;
    Some(tex.get(
        ui.ctx(),
        &format!("neuron-{}-{unit}", m.node.0),
        stamp,
        || diverging_image(values, r, r, true),
    ))
}

/// Draws the view.
pub fn ui(ui: &mut egui::Ui, live: Live<'_>, doc: &Document, state: &mut ViewState) {
    let snap = live.snap;
    if snap.neurons.is_empty() {
        ui.label("Unit pictures show for data with two inputs (x₁, x₂): open the spiral, circles or XOR example.");
        return;
    }
    let small = !snap.dense_weights.is_empty()
        && snap
            .dense_weights
            .iter()
            .all(|(_, o, i, _)| *o <= MAX_UNITS && *i <= MAX_UNITS);
    if small {
        wired(ui, live, doc, &mut state.textures);
    } else {
        grid(ui, live, doc, &mut state.textures);
    }
}

fn grid(ui: &mut egui::Ui, live: Live<'_>, doc: &Document, tex: &mut Textures) {
    let snap = live.snap;
    egui::ScrollArea::vertical()
        .id_salt("neuron-grid")
        .show(ui, |ui| {
            for m in &snap.neurons {
                ui.label(node_name(doc, m.node));
                ui.horizontal_wrapped(|ui| {
                    for u in 0..m.maps.len() {
                        if let Some(t) = unit_texture(ui, tex, live.stamp, m, u) {
                            super::paint::image(ui, &t, vec2(40.0, 40.0));
                        }
                    }
                });
            }
        });
}

/// Units in columns (inputs, then each Dense layer), wires by weight.
fn wired(ui: &mut egui::Ui, live: Live<'_>, doc: &Document, tex: &mut Textures) {
    let snap = live.snap;
    let (rect, _) = ui.allocate_exact_size(ui.available_size(), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let first_in = snap.dense_weights.first().map_or(2, |d| d.2);
    let mut columns: Vec<(String, usize, Option<&NeuronMaps>)> =
        vec![(format!("{first_in} inputs"), first_in, None)];
    for (id, out, _, _) in &snap.dense_weights {
        columns.push((node_name(doc, *id), *out, maps_for(snap, doc, *id)));
    }
    let n = columns.len() as f32;
    let col_w = rect.width() / n;
    let tallest = columns.iter().map(|c| c.1).max().unwrap_or(1) as f32;
    let cell = ((rect.height() - 30.0) / tallest).clamp(8.0, 44.0);
    let side = cell * 0.85;
    let centre = |c: usize, u: usize, units: usize| -> Pos2 {
        let x = rect.left() + col_w * (c as f32 + 0.5);
        let y = rect.top()
            + 24.0
            + (rect.height() - 24.0) / 2.0
            + (u as f32 - (units as f32 - 1.0) / 2.0) * cell;
        Pos2::new(x, y)
    };
    // Wires first, under the units.
    for (c, (_, out, inp, w)) in snap.dense_weights.iter().enumerate() {
        let max = w.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        for o in 0..*out {
            for i in 0..*inp {
                let v = w[o * inp + i] / max;
                let a = centre(c, i, *inp) + vec2(side / 2.0, 0.0);
                let b = centre(c + 1, o, *out) - vec2(side / 2.0, 0.0);
                painter.line_segment(
                    [a, b],
                    Stroke::new(
                        0.3 + 3.0 * v.abs(),
                        diverging(v).gamma_multiply(0.25 + 0.75 * v.abs()),
                    ),
                );
            }
        }
    }
    for (c, (name, units, maps)) in columns.iter().enumerate() {
        painter.text(
            Pos2::new(rect.left() + col_w * (c as f32 + 0.5), rect.top() + 4.0),
            egui::Align2::CENTER_TOP,
            name,
            egui::FontId::proportional(12.0),
            ui.visuals().text_color(),
        );
        for u in 0..*units {
            let r = Rect::from_center_size(centre(c, u, *units), vec2(side, side));
            match maps.and_then(|m| unit_texture(ui, tex, live.stamp, m, u)) {
                Some(t) => {
                    egui::Image::new(&t).paint_at(ui, r);
                    let resp = ui.interact(r, ui.id().with(("unit", c, u)), egui::Sense::hover());
                    resp.on_hover_ui(|ui| {
                        ui.label(format!("{name}, unit {}", u + 1));
                        ui.add(egui::Image::new(&t).fit_to_exact_size(vec2(200.0, 200.0)));
                    });
                }
                None => {
                    painter.circle_filled(r.center(), side / 3.0, ui.visuals().weak_text_color());
                }
            }
        }
    }
}
