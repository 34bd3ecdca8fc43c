//! The canvas's menus and tooltips: a node's tooltip (its reference text
//! and problems), a node's context menu, and the background's "Add layer
//! here" menu.

use super::CanvasState;
use crate::model::{LayerSpec, NodeId};
use crate::ui::document::Document;
use crate::ui::editor::Editor;
use crate::ui::theme;

/// A node's tooltip: kind, reference summary and formula, and its problems.
pub(super) fn node_tooltip(ui: &mut egui::Ui, doc: &Document, id: NodeId) {
    let Some(n) = doc.project.graph.node(id) else {
        return;
    };
    ui.strong(format!("{} — {}", n.name, n.spec.kind_name()));
    let d = crate::model::reference::layer(&n.spec);
    ui.label(d.summary);
    ui.monospace(d.formula);
    if let Some(info) = doc.analysis.nodes.get(&id) {
        for p in &info.problems {
            ui.colored_label(theme::ERROR, format!("{} — {}", p.message, p.fix));
        }
    }
}

/// A node's context menu: duplicate, disconnect its inputs, delete.
pub(super) fn node_menu(
    resp: &egui::Response,
    doc: &mut Document,
    editor: &mut Editor,
    id: NodeId,
) {
    resp.context_menu(|ui| {
        if !editor.selection.nodes.contains(&id) {
            editor.selection.only(id);
        }
        if ui.button("Duplicate").clicked() {
            editor.duplicate(&mut doc.project);
            ui.close();
        }
        if ui.button("Disconnect inputs").clicked() {
            for e in doc.project.graph.inputs_of(id) {
                doc.project.graph.disconnect(e);
            }
            ui.close();
        }
        if ui.button("Delete").clicked() {
            editor.delete_selection(&mut doc.project);
            ui.close();
        }
    });
}

/// The background's context menu: add any layer where it was opened.
pub(super) fn background_menu(
    bg: &egui::Response,
    doc: &mut Document,
    editor: &mut Editor,
    state: &CanvasState,
) {
    let at = bg
        .interact_pointer_pos()
        .map(|p| state.view.to_canvas(state.area, p));
    bg.context_menu(|ui| {
        ui.label("Add layer here");
        for spec in LayerSpec::palette() {
            if ui.button(spec.kind_name()).clicked() {
                let pos = at.unwrap_or([40.0, 40.0]);
                editor.add_at(&mut doc.project, spec, pos);
                ui.close();
            }
        }
    });
}
