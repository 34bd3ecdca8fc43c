//! Weights, gradients and activations per layer: current statistics with
//! health warnings, histograms over time as heat strips (time runs right,
//! values up), or the initialisation against now (`init`); the gradient
//! flow is in `gradflow`.

use crate::model::NodeId;
use crate::numfmt::{sig, signed};
use crate::trainer::snapshot::{LayerSnapshot, Stats};
use crate::ui::document::Document;
use crate::ui::run::Run;
use crate::ui::theme;

use super::paint::heat;
use super::{ViewState, node_name};

/// A layer's health problem and what to do, if it has one.
pub fn health(l: &LayerSnapshot, largest_grad: f64) -> Option<(&'static str, &'static str)> {
    if l.dead_fraction > 0.5 {
        return Some((
            "more than half of its ReLUs are dead (zero for every sample)",
            "try He initialisation, a lower learning rate, or LeakyReLU",
        ));
    }
    if l.saturated_fraction > 0.5 {
        return Some((
            "more than half of its units are saturated (stuck near their limits)",
            "try Xavier initialisation, normalised inputs, or add BatchNorm",
        ));
    }
    if l.weights.is_some() && largest_grad > 0.0 {
        if l.grad_norm < largest_grad * 1e-4 {
            return Some((
                "its gradients are vanishing (10 000× smaller than the largest layer's)",
                "use ReLU instead of Sigmoid/Tanh, He initialisation, or add BatchNorm",
            ));
        }
        if l.grad_norm > 1e3 {
            return Some((
                "its gradients are exploding",
                "lower the learning rate or clip the gradient norm",
            ));
        }
    }
    None
}

/// The largest gradient norm among layers with weights.
pub fn largest_grad(layers: &[LayerSnapshot]) -> f64 {
    layers
        .iter()
        .filter(|l| l.weights.is_some())
        .map(|l| l.grad_norm)
        .fold(0.0, f64::max)
}

fn stats_text(s: &Option<Stats>) -> String {
    s.as_ref().map_or("—".into(), |s| {
        format!("{} ± {}", signed(s.mean, 3), sig(s.std, 3))
    })
}

/// Draws the weights view: statistics over time, or (the choice is kept
/// with the window's other widget state) the initialisation against now.
pub fn ui(ui: &mut egui::Ui, run: &Run, doc: &Document, state: &mut ViewState) {
    let id = egui::Id::new("weights-view-init");
    let mut init = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut init, false, "over time")
            .on_hover_text("statistics per layer and histograms over time as heat strips");
        ui.selectable_value(&mut init, true, "start against now")
            .on_hover_text("histograms of weights and outputs at the first snapshot and now");
    });
    ui.data_mut(|d| d.insert_temp(id, init));
    if init {
        super::init::ui(ui, run, doc);
        return;
    }
    let Some((_, layers)) = run.layer_history.last() else {
        ui.label("No snapshot of this run yet.");
        return;
    };
    let big = largest_grad(layers);
    egui::ScrollArea::vertical()
        .id_salt("layers-view")
        .show(ui, |ui| {
            egui::Grid::new("layer-stats").striped(true).show(ui, |ui| {
                for h in [
                    "layer",
                    "weights mean ± std",
                    "gradients",
                    "activations",
                    "dead",
                    "saturated",
                    "weights over time",
                    "gradients over time",
                    "activations over time",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for l in layers {
                    let name = node_name(doc, l.node);
                    match health(l, big) {
                        Some((what, fix)) => {
                            ui.colored_label(theme::WARNING, format!("⚠ {name}"))
                                .on_hover_text(format!("{what} — {fix}"));
                        }
                        None => {
                            ui.label(&name);
                        }
                    }
                    ui.monospace(stats_text(&l.weights));
                    ui.monospace(stats_text(&l.gradients));
                    ui.monospace(stats_text(&l.activations));
                    ui.monospace(format!("{:.0} %", l.dead_fraction * 100.0));
                    ui.monospace(format!("{:.0} %", l.saturated_fraction * 100.0));
                    for which in 0..3 {
                        strip(ui, run, l.node, which, state);
                    }
                    ui.end_row();
                }
            });
        });
}

/// One heat strip: histogram `which` (0 weights, 1 gradients, 2
/// activations) of a layer over the snapshots so far.
fn strip(ui: &mut egui::Ui, run: &Run, node: NodeId, which: usize, state: &mut ViewState) {
    let pick = |l: &LayerSnapshot| match which {
        0 => l.weights.clone(),
        1 => l.gradients.clone(),
        _ => l.activations.clone(),
    };
    let cols: Vec<Vec<u32>> = run
        .layer_history
        .iter()
        .filter_map(|(_, ls)| ls.iter().find(|l| l.node == node).and_then(pick))
        .map(|s| s.histogram)
        .collect();
    let bins = cols.iter().map(Vec::len).max().unwrap_or(0);
    if cols.is_empty() || bins == 0 {
        ui.label("—");
        return;
    }
    let key = format!("strip-{}-{which}", node.0);
    let tex = state.textures.get(ui.ctx(), &key, run.stamp(), || {
        let w = cols.len();
        let mut img = egui::ColorImage::filled([w, bins], egui::Color32::BLACK);
        for (x, c) in cols.iter().enumerate() {
            let max = c.iter().copied().max().unwrap_or(1).max(1) as f32;
            for (b, n) in c.iter().enumerate() {
                img.pixels[(bins - 1 - b) * w + x] = heat((*n as f32 / max).sqrt());
            }
        }
        img
    });
    let last = run
        .layer_history
        .last()
        .and_then(|(_, ls)| ls.iter().find(|l| l.node == node))
        .and_then(pick);
    let r = ui.add(egui::Image::new(&tex).fit_to_exact_size(egui::vec2(140.0, 36.0)));
    if let Some(s) = last {
        r.on_hover_text(format!(
            "now from {} to {}; time runs right, values up",
            sig(s.min, 3),
            sig(s.max, 3)
        ));
    }
}

/// The gradient-flow view (in its own module).
pub use super::gradflow::ui as gradient_flow_ui;
