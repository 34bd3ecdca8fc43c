//! Edit ▸ Whole network: the one-click variants of `model::variants` as
//! menu entries (each an undoable edit of the whole graph).

use crate::model::variants::Variant;
use crate::model::{Activation, Init};

use super::command::Command;

/// Initialisers offered for every layer at once.
const INITS: [Init; 7] = [
    Init::Default,
    Init::XavierUniform,
    Init::XavierNormal,
    Init::HeUniform,
    Init::HeNormal,
    Init::LeCun,
    Init::Zeros,
];

/// Activations that can be swapped for one another (Softmax is an
/// output's, not a hidden layer's).
const ACTIVATIONS: [Activation; 7] = [
    Activation::ReLU,
    Activation::LeakyReLU { slope: 0.01 },
    Activation::Elu { alpha: 1.0 },
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Gelu,
    Activation::Linear,
];

/// Draws the submenu's entries; returns the chosen variant as a command.
pub fn ui(ui: &mut egui::Ui) -> Vec<Command> {
    let mut out = Vec::new();
    let mut pick = |ui: &mut egui::Ui, label: &str, v: Variant| {
        if ui.button(label).clicked() {
            out.push(Command::Variant(v));
            ui.close();
        }
    };
    ui.menu_button("Initialiser of every layer", |ui| {
        for i in INITS {
            pick(ui, super::inspector::init_label(i), Variant::Init(i));
        }
    });
    ui.menu_button("Swap every activation", |ui| {
        for from in ACTIVATIONS {
            ui.menu_button(format!("every {}", from.name()), |ui| {
                for to in ACTIVATIONS.iter().filter(|t| t.name() != from.name()) {
                    pick(ui, &format!("→ {}", to.name()), Variant::Swap(from, *to));
                }
            });
        }
    });
    pick(ui, "BatchNorm after every Dense/Conv2D", Variant::BatchNorm);
    pick(ui, "Remove all Dropout", Variant::NoDropout);
    out
}
