//! Weights, gradients and activations per layer: current statistics with
//! health warnings, histograms over time as heat strips (time runs right,
//! values up), and the gradient flow: gradient norm per layer as bars and
//! over time on a log scale.

use egui_plot::{Bar, BarChart, Legend, Line, Plot};

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

/// Draws the weights view.
pub fn ui(ui: &mut egui::Ui, run: &Run, doc: &Document, state: &mut ViewState) {
    let Some((_, layers)) = run.layer_history.last() else {
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

/// Draws the gradient-flow view.
pub fn gradient_flow_ui(ui: &mut egui::Ui, run: &Run, doc: &Document) {
    let Some((_, layers)) = run.layer_history.last() else {
        return;
    };
    let with: Vec<&LayerSnapshot> = layers.iter().filter(|l| l.weights.is_some()).collect();
    let w = ((ui.available_width() - 10.0) / 2.0).max(200.0);
    let h = ui.available_height().max(150.0);
    ui.horizontal(|ui| {
        let bars: Vec<Bar> = with
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Bar::new(i as f64, l.grad_norm.max(1e-12).log10())
                    .name(node_name(doc, l.node))
                    .fill(theme::TRAIN)
            })
            .collect();
        let names: Vec<String> = with.iter().map(|l| node_name(doc, l.node)).collect();
        Plot::new("grad-bars")
            .width(w)
            .height(h)
            .x_axis_formatter(move |m, _| {
                names
                    .get(m.value.round() as usize)
                    .cloned()
                    .filter(|_| (m.value - m.value.round()).abs() < 1e-6)
                    .unwrap_or_default()
            })
            .y_axis_formatter(|m, _| sig(10f64.powf(m.value), 2))
            .y_axis_label("gradient norm (log)")
            .show(ui, |p| p.bar_chart(BarChart::new("gradient norm", bars)));
        crate::ui::plots::with_ticks(Plot::new("grad-time"))
            .width(w)
            .height(h)
            .legend(Legend::default())
            .x_axis_label("step")
            .y_axis_formatter(|m, _| sig(10f64.powf(m.value), 2))
            .show(ui, |p| {
                for (k, l) in with.iter().enumerate() {
                    let pts: Vec<[f64; 2]> = run
                        .layer_history
                        .iter()
                        .filter_map(|(s, ls)| {
                            ls.iter()
                                .find(|x| x.node == l.node)
                                .map(|x| [*s as f64, x.grad_norm.max(1e-12).log10()])
                        })
                        .collect();
                    p.line(
                        Line::new(node_name(doc, l.node), pts)
                            .color(theme::CLASSES[k % theme::CLASSES.len()]),
                    );
                }
            });
    });
}
