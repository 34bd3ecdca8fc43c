//! The left panel: the project's notes and its layers with shapes,
//! parameters and problems.

use crate::model::infer::fmt_shape;
use crate::model::{Severity, validate::fmt_bytes};

use super::command::Command;
use super::document::{BUNDLED, Document};
use super::theme;

/// Draws the project panel; returns what the user asked for.
pub fn ui(ui: &mut egui::Ui, doc: &Document) -> Option<Command> {
    let mut cmd = None;
    ui.heading(&doc.project.name);
    ui.menu_button("Open example", |ui| {
        for (name, _) in BUNDLED {
            if ui.button(*name).clicked() {
                cmd = Some(Command::OpenBundled(name));
                ui.close();
            }
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("notes")
        .max_height(160.0)
        .show(ui, |ui| {
            ui.label(&doc.project.notes);
        });
    ui.separator();
    ui.strong("Layers");
    let a = &doc.analysis;
    egui::Grid::new("layers")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for id in &a.order {
                let Some(n) = doc.project.graph.node(*id) else {
                    continue;
                };
                let info = a.nodes.get(id);
                ui.label(format!("{} {}", n.spec.kind_name(), n.name));
                ui.label(
                    info.and_then(|i| i.out_shape.as_deref())
                        .map_or("?".into(), fmt_shape),
                );
                ui.label(crate::cli::table::thousands(info.map_or(0, |i| i.params)));
                ui.end_row();
            }
        });
    ui.label(format!(
        "{} parameters · ≈ {} to train",
        crate::cli::table::thousands(a.total_params),
        fmt_bytes(a.train_memory_bytes)
    ));
    let problems: Vec<_> = a.problems().collect();
    if problems.is_empty() {
        ui.colored_label(theme::OK, "no problems");
    }
    for (_, p) in problems {
        let color = if p.severity == Severity::Error {
            theme::ERROR
        } else {
            theme::WARNING
        };
        ui.colored_label(color, format!("{} — {}", p.message, p.fix));
    }
    cmd
}
