//! The layer palette: every kind grouped by family, with a hover
//! explanation. Drag an item onto the canvas, or double-click it to append
//! it after the selected node.

use egui::Sense;

use crate::model::{DenseSpec, Init, LayerGroup, LayerSpec, Units, reference};

use super::canvas::PaletteDrag;
use super::theme;

const GROUPS: [(LayerGroup, &str); 7] = [
    (LayerGroup::Input, "Input"),
    (LayerGroup::Core, "Core"),
    (LayerGroup::Convolution, "Convolution"),
    (LayerGroup::Recurrent, "Recurrent"),
    (LayerGroup::Normalization, "Normalization"),
    (LayerGroup::Activation, "Activation"),
    (LayerGroup::Merge, "Merge"),
];

/// Draws the palette; returns a layer to append when one was double-clicked.
pub fn ui(ui: &mut egui::Ui) -> Option<LayerSpec> {
    let mut append = None;
    ui.heading("Layers");
    ui.label(
        egui::RichText::new("drag onto the canvas, or double-click")
            .weak()
            .small(),
    );
    egui::ScrollArea::vertical()
        .id_salt("palette")
        .show(ui, |ui| {
            let all = LayerSpec::palette();
            for (group, title) in GROUPS {
                ui.add_space(4.0);
                ui.label(
                    egui::RichText::new(title.to_uppercase())
                        .small()
                        .strong()
                        .color(theme::group_color(group)),
                );
                if group == LayerGroup::Core {
                    let out = output_spec();
                    if item(ui, "Output", &out, Some(OUTPUT_HELP)) {
                        append = Some(out);
                    }
                }
                for spec in all.iter().filter(|s| s.group() == group) {
                    if item(ui, spec.kind_name(), spec, None) {
                        append = Some(spec.clone());
                    }
                }
            }
        });
    append
}

/// What the Output entry says about itself.
const OUTPUT_HELP: &str = "The network's answer: a Dense layer with as many units as the data needs (one per class, one in all for two classes with binary cross-entropy, or one per target). It needs no activation of its own: cross-entropy applies the softmax, binary cross-entropy the sigmoid, and a regression answers with the numbers themselves.";

/// The Output entry's layer: a Dense with automatic units (the loss
/// supplies the activation that fits it, so none is added).
pub fn output_spec() -> LayerSpec {
    LayerSpec::Dense(DenseSpec {
        units: Units::Auto,
        bias: true,
        init: Init::Default,
    })
}

/// One draggable item named `name`; returns whether it was
/// double-clicked. `help` replaces the layer's reference summary.
fn item(ui: &mut egui::Ui, name: &str, spec: &LayerSpec, help: Option<&str>) -> bool {
    let d = reference::layer(spec);
    let button = egui::Button::new(name)
        .sense(Sense::click_and_drag())
        .min_size(egui::vec2(ui.available_width(), 0.0));
    let resp = ui
        .add(button)
        .on_hover_ui(|ui| {
            ui.set_max_width(280.0);
            ui.strong(name);
            ui.label(help.unwrap_or(d.summary));
            ui.monospace(d.formula);
        })
        .on_hover_cursor(egui::CursorIcon::Grab);
    if resp.drag_started() || resp.dragged() {
        egui::DragAndDrop::set_payload(ui.ctx(), PaletteDrag(spec.clone()));
    }
    if resp.dragged()
        && let Some(p) = ui.ctx().pointer_interact_pos()
    {
        let layer = egui::LayerId::new(egui::Order::Tooltip, egui::Id::new("palette-ghost"));
        ui.ctx().layer_painter(layer).text(
            p + egui::vec2(10.0, 10.0),
            egui::Align2::LEFT_TOP,
            format!("+ {name}"),
            egui::FontId::proportional(15.0),
            theme::SELECTION,
        );
    }
    resp.double_clicked()
}
