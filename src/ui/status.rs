//! The status bar: state, epoch, throughput, time.

use super::run::{Run, RunState};
use super::theme;
use crate::numfmt;

/// Draws the status bar; on a narrow window its parts wrap onto a second
/// line rather than run off the edge.
pub fn ui(ui: &mut egui::Ui, run: &Run, doc: &super::document::Document, message: Option<&str>) {
    ui.horizontal_wrapped(|ui| {
        let file = doc
            .path
            .as_deref()
            .and_then(std::path::Path::file_name)
            .map_or("not saved".into(), |f| f.to_string_lossy().into_owned());
        let star = if doc.dirty() { " •" } else { "" };
        ui.label(format!("{} ({file}){star}", doc.project.name))
            .on_hover_text(if doc.dirty() {
                "unsaved changes"
            } else {
                "saved"
            });
        ui.separator();
        let epoch = run.history.epochs.last().map_or(0, |m| m.epoch);
        match &run.state {
            RunState::Idle => {
                ui.label("idle");
            }
            RunState::Training => {
                ui.label(format!("training · epoch {epoch} of {}", run.epochs));
            }
            RunState::Paused => {
                ui.label(format!("paused · epoch {epoch} of {}", run.epochs));
            }
            RunState::Finished(reason) => {
                let color = if matches!(reason, crate::trainer::FinishReason::Diverged { .. }) {
                    theme::ERROR
                } else {
                    theme::OK
                };
                ui.colored_label(color, reason.to_string());
            }
            RunState::Failed(m) => {
                ui.colored_label(theme::ERROR, m);
            }
        }
        // Throughput only while it is being measured: not for a run that
        // ended or paused, nor for another project's run.
        if let Some(rate) = run.shown_rate() {
            ui.separator();
            ui.label(format!("{} samples/s", numfmt::rate(rate)));
        }
        if run.state != RunState::Idle {
            ui.separator();
            ui.label(format!("{} s", numfmt::sig(run.seconds, 3)));
        }
        if let Some(last) = run.history.epochs.last() {
            ui.separator();
            let metric = if run.classification {
                "val acc"
            } else {
                "val R²"
            };
            ui.label(format!(
                "val loss {} · {metric} {}",
                numfmt::sig(last.val_loss, 4),
                numfmt::sig(last.val_metric, 3)
            ));
        }
        if let Some(m) = message {
            ui.separator();
            let failed = m.contains("could not") || m.contains("cannot") || m.contains("problem");
            ui.colored_label(
                if failed {
                    theme::ERROR
                } else {
                    ui.visuals().text_color()
                },
                m,
            );
        }
    });
}
