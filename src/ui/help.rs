//! Help ▸: the keyboard shortcuts and the layer reference.

use crate::model::{Init, LayerSpec, LossKind, OptimizerSpec, reference};

use super::shortcuts;

/// How the canvas is used with the mouse, as Help says it.
pub const CANVAS_GESTURES: &str = "On the canvas: drag a node to move it; drag from a node's bottom pin to another node to wire them (a wire that would be refused turns red and says why); drag on empty space to select a box; right-drag (also on a node) or scroll to pan; Ctrl+scroll to zoom; right-click for menus; Ctrl+C, Ctrl+V to copy and paste layers (copies land beside the originals).";

/// Draws the Help window while `open`.
pub fn ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Help")
        .open(open)
        .default_size([520.0, 560.0])
        .vscroll(true)
        .show(ctx, |ui| {
            egui::CollapsingHeader::new("Keyboard shortcuts")
                .default_open(true)
                .show(ui, |ui| {
                    egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                        for s in shortcuts::table() {
                            ui.monospace(shortcuts::describe(ctx, &s.keys));
                            ui.label(s.what);
                            ui.end_row();
                        }
                        for (k, what) in shortcuts::CLIPBOARD {
                            ui.monospace(k);
                            ui.label(what);
                            ui.end_row();
                        }
                    });
                    ui.label(CANVAS_GESTURES);
                });
            egui::CollapsingHeader::new("Layer reference")
                .default_open(true)
                .show(ui, |ui| {
                    for spec in LayerSpec::palette() {
                        entry(ui, spec.kind_name(), reference::layer(&spec));
                    }
                });
            egui::CollapsingHeader::new("Losses").show(ui, |ui| {
                for l in [
                    LossKind::Mse,
                    LossKind::Mae,
                    LossKind::Huber { delta: 1.0 },
                    LossKind::CrossEntropy,
                    LossKind::BinaryCrossEntropy,
                ] {
                    entry(ui, l.name(), reference::loss(l));
                }
            });
            egui::CollapsingHeader::new("Optimizers").show(ui, |ui| {
                for o in super::training_form::OPTIMIZERS {
                    let o: OptimizerSpec = o;
                    entry(ui, o.name(), reference::optimizer(&o));
                }
            });
            egui::CollapsingHeader::new("Initialisers").show(ui, |ui| {
                for (name, i) in [
                    ("Xavier uniform", Init::XavierUniform),
                    ("Xavier normal", Init::XavierNormal),
                    ("He uniform", Init::HeUniform),
                    ("He normal", Init::HeNormal),
                    ("LeCun", Init::LeCun),
                    ("zeros", Init::Zeros),
                ] {
                    entry(ui, name, reference::init(i));
                }
            });
            egui::CollapsingHeader::new("Metrics").show(ui, |ui| {
                for m in ["accuracy", "R²", "RMSE", "top-k"] {
                    if let Some(d) = reference::metric(m) {
                        entry(ui, m, d);
                    }
                }
            });
        });
}

fn entry(ui: &mut egui::Ui, name: &str, d: reference::Doc) {
    ui.strong(name);
    ui.label(d.summary);
    ui.monospace(d.formula);
    ui.add_space(6.0);
}
