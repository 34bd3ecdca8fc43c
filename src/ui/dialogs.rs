//! Questions the window asks: save changes before they would be lost,
//! restart training after the graph changed, restore a recovery file.

use super::app::NeuroglassApp;
use super::command::Command;

/// Draws whichever question is open; returns commands to apply.
pub fn ui(app: &mut NeuroglassApp, ctx: &egui::Context) -> Vec<Command> {
    let mut out = Vec::new();
    if let Some(pending) = app.pending.clone() {
        let mut answer = None;
        egui::Modal::new(egui::Id::new("unsaved")).show(ctx, |ui| {
            ui.heading("Save your changes?");
            ui.label(format!(
                "“{}” has changes that are not saved. They will be lost otherwise.",
                app.doc.project.name
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    answer = Some(0);
                }
                if ui.button("Don't save").clicked() {
                    answer = Some(1);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(2);
                }
            });
        });
        match answer {
            Some(0) => {
                app.pending = None;
                app.apply_now(Command::Save);
                if !app.doc.dirty() {
                    out.push(pending);
                }
            }
            Some(1) => {
                app.pending = None;
                let _ = crate::project::recovery::discard_recovery(app.doc.path.as_deref());
                if pending == Command::Quit {
                    app.quit_confirmed = true;
                }
                app.apply_now(pending);
            }
            Some(_) => app.pending = None,
            None => {}
        }
    }
    if app.restart_prompt {
        let mut answer = None;
        egui::Modal::new(egui::Id::new("restart")).show(ctx, |ui| {
            ui.heading("The network changed");
            ui.label(
                "Training is paused: the run uses the network as it was when you pressed Train.",
            );
            ui.horizontal(|ui| {
                if ui.button("Restart training").clicked() {
                    answer = Some(0);
                }
                if ui.button("Keep the old run").clicked() {
                    answer = Some(1);
                }
                if ui.button("Undo my change").clicked() {
                    answer = Some(2);
                }
            });
        });
        match answer {
            Some(0) => {
                app.restart_prompt = false;
                out.push(Command::Train);
            }
            Some(1) => {
                app.restart_prompt = false;
                app.started_training_keep_old();
                out.push(Command::Resume);
            }
            Some(_) => {
                app.restart_prompt = false;
                out.push(Command::Undo);
                out.push(Command::Resume);
            }
            None => {}
        }
    }
    if let Some(rec) = app.recovery_offer.clone() {
        let mut answer = None;
        egui::Modal::new(egui::Id::new("recovery")).show(ctx, |ui| {
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Neuroglass found changes that were not saved when it last closed:\n{}",
                rec.display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    answer = Some(true);
                }
                if ui.button("Discard").clicked() {
                    answer = Some(false);
                }
            });
        });
        match answer {
            Some(true) => {
                app.recovery_offer = None;
                match crate::project::load(&rec) {
                    Ok(p) => {
                        // Keep the original path: saving writes the real file.
                        app.doc.project = p;
                        app.doc.refresh();
                    }
                    Err(e) => app.message = Some(format!("the recovery file cannot be read: {e}")),
                }
            }
            Some(false) => {
                app.recovery_offer = None;
                let _ = crate::project::recovery::discard_recovery(app.doc.path.as_deref());
            }
            None => {}
        }
    }
    out
}
