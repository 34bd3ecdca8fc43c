//! The inspector: the selected layer's settings as widgets, each kept to
//! values the layer accepts, with what the layer computes and its problems.

use crate::model::infer::fmt_shape;
use crate::model::{Activation, Init, LayerSpec, Padding, RnnSpec, Units, reference};

use super::document::Document;
use super::editor::Editor;
use super::theme;

/// Text being typed into fields that need parsing (Reshape's shape).
#[derive(Default)]
pub struct InspectorState {
    shape_text: Option<(crate::model::NodeId, String)>,
}

/// Draws the inspector for the selection. `live` is the current run's
/// latest snapshot, for what an activation layer's inputs look like.
pub fn ui(
    ui: &mut egui::Ui,
    doc: &mut Document,
    editor: &mut Editor,
    state: &mut InspectorState,
    live: Option<crate::ui::run::Live<'_>>,
) {
    let Some(id) = editor.selection.single() else {
        if editor.selection.nodes.is_empty() {
            project_ui(ui, doc);
        } else {
            ui.label(format!("{} layers selected", editor.selection.nodes.len()));
            if ui.button("Delete them").clicked() {
                editor.delete_selection(&mut doc.project);
            }
        }
        return;
    };
    let info = doc.analysis.nodes.get(&id).cloned();
    let inputs = activation_inputs(doc, id, live);
    let Some(node) = doc.project.graph.node_mut(id) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Name");
        ui.add(
            egui::TextEdit::singleline(&mut node.name)
                .char_limit(80)
                .id_salt("node-name"),
        );
    });
    ui.label(
        egui::RichText::new(node.spec.kind_name())
            .strong()
            .color(theme::group_color(node.spec.group())),
    );
    egui::Grid::new("layer-settings")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            settings_ui(ui, &mut node.spec, state, id);
        });
    ui.separator();
    let d = reference::layer(&node.spec);
    ui.label(d.summary);
    ui.monospace(d.formula);
    if let LayerSpec::Activation(a) = node.spec {
        super::views::activation::ui(ui, a, inputs);
    }
    if let Some(info) = info {
        ui.separator();
        ui.label(format!(
            "output {} · {} parameters",
            info.out_shape
                .as_deref()
                .map_or("unknown".into(), fmt_shape),
            crate::numfmt::thousands(info.params)
        ));
        for p in &info.problems {
            let c = if p.severity == crate::model::Severity::Error {
                theme::ERROR
            } else {
                theme::WARNING
            };
            ui.colored_label(c, format!("{} — {}", p.message, p.fix));
        }
    }
}

/// The inputs of activation layer `id` in the run's snapshot: the
/// outputs of the one layer wired into it, when that run had that layer.
fn activation_inputs<'a>(
    doc: &Document,
    id: crate::model::NodeId,
    live: Option<crate::ui::run::Live<'a>>,
) -> Option<super::views::activation::Inputs<'a>> {
    let live = live?;
    let wires = doc.project.graph.inputs_of(id);
    let [edge] = wires.as_slice() else {
        return None;
    };
    let from = live.snap.layers.iter().find(|l| l.node == edge.from)?;
    Some(super::views::activation::Inputs {
        stats: from.activations.as_ref()?,
        step: live.snap.step,
    })
}

fn project_ui(ui: &mut egui::Ui, doc: &mut Document) {
    ui.label("Select a layer to see its settings.");
    ui.separator();
    ui.horizontal(|ui| {
        ui.label("Project");
        ui.add(
            egui::TextEdit::singleline(&mut doc.project.name)
                .char_limit(120)
                .id_salt("project-name"),
        );
    });
    ui.label("Notes");
    ui.add(
        egui::TextEdit::multiline(&mut doc.project.notes)
            .desired_rows(6)
            .desired_width(f32::INFINITY)
            .id_salt("project-notes"),
    );
}

fn row(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui)) {
    ui.label(label);
    add(ui);
    ui.end_row();
}

fn init_ui(ui: &mut egui::Ui, init: &mut Init) {
    row(ui, "initialiser", |ui| {
        egui::ComboBox::from_id_salt("init")
            .selected_text(init_label(*init))
            .show_ui(ui, |ui| {
                for i in [
                    Init::Default,
                    Init::XavierUniform,
                    Init::XavierNormal,
                    Init::HeUniform,
                    Init::HeNormal,
                    Init::LeCun,
                    Init::Zeros,
                    Init::Constant(0.1),
                ] {
                    ui.selectable_value(init, i, init_label(i))
                        .on_hover_text(reference::init(i).summary);
                }
            })
            .response
            .on_hover_text(reference::init(*init).formula);
    });
    if let Init::Constant(c) = init {
        row(ui, "value", |ui| {
            ui.add(egui::DragValue::new(c).speed(0.01).range(-10.0..=10.0));
        });
    }
}

/// An initialiser as the menus name it.
pub fn init_label(i: Init) -> &'static str {
    match i {
        Init::Default => "default (PyTorch)",
        Init::XavierUniform => "Xavier uniform",
        Init::XavierNormal => "Xavier normal",
        Init::HeUniform => "He uniform",
        Init::HeNormal => "He normal",
        Init::LeCun => "LeCun normal",
        Init::Zeros => "zeros",
        Init::Constant(_) => "constant",
    }
}

fn rnn_ui(ui: &mut egui::Ui, r: &mut RnnSpec) {
    row(ui, "units", |ui| {
        ui.add(egui::DragValue::new(&mut r.units).range(1..=4096));
    });
    row(ui, "output", |ui| {
        ui.checkbox(&mut r.return_sequences, "whole sequence");
    });
    init_ui(ui, &mut r.init);
}

fn settings_ui(
    ui: &mut egui::Ui,
    spec: &mut LayerSpec,
    state: &mut InspectorState,
    id: crate::model::NodeId,
) {
    match spec {
        LayerSpec::Dense(d) => {
            let mut auto = d.units == Units::Auto;
            row(ui, "units", |ui| {
                ui.horizontal(|ui| {
                    ui.checkbox(&mut auto, "auto")
                        .on_hover_text("as many as the data has classes or targets");
                    if let Units::Fixed(n) = &mut d.units {
                        ui.add(egui::DragValue::new(n).range(1..=65536));
                    }
                });
            });
            match (auto, d.units) {
                (true, Units::Fixed(_)) => d.units = Units::Auto,
                (false, Units::Auto) => d.units = Units::Fixed(16),
                _ => {}
            }
            row(ui, "bias", |ui| {
                ui.checkbox(&mut d.bias, "");
            });
            init_ui(ui, &mut d.init);
        }
        LayerSpec::Conv2D(c) => {
            row(ui, "filters", |ui| {
                ui.add(egui::DragValue::new(&mut c.filters).range(1..=1024));
            });
            row(ui, "kernel", |ui| {
                ui.add(egui::DragValue::new(&mut c.kernel).range(1..=15));
            });
            row(ui, "stride", |ui| {
                ui.add(egui::DragValue::new(&mut c.stride).range(1..=8));
            });
            row(ui, "padding", |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut c.padding, Padding::Same, "same");
                    ui.selectable_value(&mut c.padding, Padding::Valid, "valid");
                });
            });
            row(ui, "bias", |ui| {
                ui.checkbox(&mut c.bias, "");
            });
            init_ui(ui, &mut c.init);
        }
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => {
            row(ui, "window", |ui| {
                ui.add(egui::DragValue::new(&mut p.size).range(1..=16));
            });
            row(ui, "stride", |ui| {
                ui.add(egui::DragValue::new(&mut p.stride).range(1..=16));
            });
        }
        LayerSpec::Reshape { shape } => {
            if !matches!(&state.shape_text, Some((n, _)) if *n == id) {
                let joined: Vec<String> = shape.iter().map(ToString::to_string).collect();
                state.shape_text = Some((id, joined.join("×")));
            }
            let Some((_, text)) = state.shape_text.as_mut() else {
                return;
            };
            row(ui, "shape", |ui| {
                ui.text_edit_singleline(text)
                    .on_hover_text("sizes separated by × , x or spaces, e.g. 1×28×28");
            });
            match parse_shape(text) {
                Ok(s) => *shape = s,
                Err(e) => row(ui, "", |ui| {
                    ui.colored_label(theme::ERROR, e);
                }),
            }
        }
        LayerSpec::Dropout { rate } => row(ui, "rate", |ui| {
            ui.add(egui::Slider::new(rate, 0.0..=0.95).step_by(0.05));
        }),
        LayerSpec::BatchNorm(b) => {
            row(ui, "momentum", |ui| {
                ui.add(
                    egui::DragValue::new(&mut b.momentum)
                        .speed(0.01)
                        .range(0.001..=1.0),
                );
            });
            row(ui, "ε", |ui| {
                ui.add(
                    egui::DragValue::new(&mut b.eps)
                        .speed(1e-6)
                        .range(1e-8..=0.1),
                );
            });
        }
        LayerSpec::LayerNorm { eps } => row(ui, "ε", |ui| {
            ui.add(egui::DragValue::new(eps).speed(1e-6).range(1e-8..=0.1));
        }),
        LayerSpec::Activation(a) => activation_ui(ui, a),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => rnn_ui(ui, r),
        LayerSpec::Input => row(ui, "shape", |ui| {
            ui.label("from the dataset");
        }),
        LayerSpec::GlobalAvgPool | LayerSpec::Flatten | LayerSpec::Add | LayerSpec::Concatenate => {
            row(ui, "", |ui| {
                ui.label("no settings");
            });
        }
    }
}

fn activation_ui(ui: &mut egui::Ui, a: &mut Activation) {
    row(ui, "function", |ui| {
        egui::ComboBox::from_id_salt("activation")
            .selected_text(a.name())
            .show_ui(ui, |ui| {
                // The palette's activations, with their default settings.
                let choices = LayerSpec::palette().into_iter().filter_map(|s| match s {
                    LayerSpec::Activation(a) => Some(a),
                    _ => None,
                });
                for choice in choices {
                    if ui
                        .selectable_label(a.name() == choice.name(), choice.name())
                        .clicked()
                    {
                        *a = choice;
                    }
                }
            });
    });
    match a {
        Activation::LeakyReLU { slope } => row(ui, "slope", |ui| {
            ui.add(egui::DragValue::new(slope).speed(0.005).range(0.0..=1.0));
        }),
        Activation::Elu { alpha } => row(ui, "α", |ui| {
            ui.add(egui::DragValue::new(alpha).speed(0.05).range(0.01..=10.0));
        }),
        _ => {}
    }
}

/// Parses "1×28×28", "1x28x28", "1, 28, 28" or "1 28 28".
pub fn parse_shape(text: &str) -> Result<Vec<usize>, String> {
    let parts: Vec<&str> = text
        .split(|c: char| c == '×' || c == 'x' || c == 'X' || c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err("give 1 to 4 sizes, e.g. 1×28×28".into());
    }
    parts
        .iter()
        .map(|p| match p.parse::<usize>() {
            Ok(n) if (1..=1 << 20).contains(&n) => Ok(n),
            _ => Err(format!("{p:?} is not a size (a whole number from 1)")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_shape;

    #[test]
    fn shapes_parse_with_any_separator_and_bad_ones_say_why() {
        assert_eq!(parse_shape("1×28×28").unwrap(), vec![1, 28, 28]);
        assert_eq!(parse_shape(" 4, 7 x7 ").unwrap(), vec![4, 7, 7]);
        assert!(parse_shape("").is_err());
        assert!(parse_shape("0×3").unwrap_err().contains("\"0\""));
        assert!(parse_shape("a").is_err());
    }
}
