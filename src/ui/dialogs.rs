//! Questions the window asks: save changes before they would be lost,
//! restart training after the graph changed, restore a recovery file,
//! replace files an export would overwrite.
//! They read what is open ([`Prompts`]) and return the answer as
//! [`Command`]s; they never change the app themselves.

use std::path::PathBuf;

use super::command::{Answer, Command};
use super::jobs::WeightsUse;

/// An export that found its files already there, waiting for "Replace?".
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaceQuestion {
    /// The export to run if the user agrees (allowed to replace).
    pub again: WeightsUse,
    /// The files it would replace.
    pub files: Vec<PathBuf>,
}

/// The questions open now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prompts {
    /// A command waiting for the answer to "save changes?".
    pub unsaved: Option<Command>,
    /// The graph changed while training: ask whether to restart.
    pub restart: bool,
    /// Why the running network could not take the change, when it said.
    pub restart_reason: Option<String>,
    /// A recovery file to offer.
    pub recovery: Option<PathBuf>,
    /// An export that would replace existing files.
    pub replace: Option<ReplaceQuestion>,
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
            match &prompts.restart_reason {
                Some(why) => {
                    ui.heading("The run cannot take this change");
                    ui.label(format!("Training is paused: {why}."));
                }
                None => {
                    ui.heading("The network changed");
                    ui.label(
                        "Training is paused: the run uses the network as it was when you pressed Train.",
                    );
                }
            }
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
    if let Some(q) = &prompts.replace {
        egui::Modal::new(egui::Id::new("replace")).show(ctx, |ui| {
            let one = q.files.len() == 1;
            ui.heading(if one {
                "Replace the existing file?"
            } else {
                "Replace the existing files?"
            });
            ui.label(if one {
                "The export would replace this file:"
            } else {
                "The export would replace these files:"
            });
            for f in &q.files {
                ui.monospace(f.display().to_string());
            }
            ui.horizontal(|ui| {
                if ui.button("Replace").clicked() {
                    answer(Answer::ReplaceFiles);
                }
                if ui
                    .button(if one { "Keep it" } else { "Keep them" })
                    .clicked()
                {
                    answer(Answer::KeepFiles);
                }
            });
        });
    }
    out
}
