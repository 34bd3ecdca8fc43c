//! Questions the window asks: save changes before they would be lost,
//! restart training after the graph changed, restore a recovery file.
//! They read what is open ([`Prompts`]) and return the answer as
//! [`Command`]s; they never change the app themselves.

use std::path::PathBuf;

use super::command::{Answer, Command};

/// The questions open now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prompts {
    /// A command waiting for the answer to "save changes?".
    pub unsaved: Option<Command>,
    /// The graph changed while training: ask whether to restart.
    pub restart: bool,
    /// A recovery file to offer.
    pub recovery: Option<PathBuf>,
}

/// Draws whichever question is open; returns the answer.
pub fn ui(ctx: &egui::Context, prompts: &Prompts, project_name: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut answer = |a: Answer| out.push(Command::Answer(a));
    if prompts.unsaved.is_some() {
        egui::Modal::new(egui::Id::new("unsaved")).show(ctx, |ui| {
            ui.heading("Save your changes?");
            ui.label(format!(
                "“{project_name}” has changes that are not saved. They will be lost otherwise."
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    answer(Answer::SaveFirst);
                }
                if ui.button("Don't save").clicked() {
                    answer(Answer::DontSave);
                }
                if ui.button("Cancel").clicked() {
                    answer(Answer::KeepEditing);
                }
            });
        });
    }
    if prompts.restart {
        egui::Modal::new(egui::Id::new("restart")).show(ctx, |ui| {
            ui.heading("The network changed");
            ui.label(
                "Training is paused: the run uses the network as it was when you pressed Train.",
            );
            ui.horizontal(|ui| {
                if ui.button("Restart training").clicked() {
                    answer(Answer::RestartTraining);
                }
                if ui.button("Keep the old run").clicked() {
                    answer(Answer::KeepOldRun);
                }
                if ui.button("Undo my change").clicked() {
                    answer(Answer::UndoChange);
                }
            });
        });
    }
    if let Some(rec) = &prompts.recovery {
        egui::Modal::new(egui::Id::new("recovery")).show(ctx, |ui| {
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Neuroglass found changes that were not saved when it last closed:\n{}",
                rec.display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    answer(Answer::Recover);
                }
                if ui.button("Discard").clicked() {
                    answer(Answer::DiscardRecovery);
                }
            });
        });
    }
    out
}
