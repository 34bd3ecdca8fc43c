//! The Runs panel: each recorded run with its colour, name (editable),
//! when, a one-line summary, final metrics and what changed against the
//! run before; show on Curves, timeline, same start, pin, hide, delete
//! (asked first); and the design diff of any two runs.

use egui::RichText;

use super::super::command::Command;
use super::super::theme;
use super::{Entry, RunsAction, RunsState};

/// Draws the panel; returns what the user asked.
pub fn ui(ui: &mut egui::Ui, state: &mut RunsState) -> Vec<Command> {
    let mut cmds = Vec::new();
    let total = state.entries.len();
    let hidden = state
        .entries
        .iter()
        .filter(|e| e.record.label.hidden)
        .count();
    ui.horizontal(|ui| {
        ui.strong(if total == 1 {
            "1 run recorded".to_string()
        } else {
            format!("{total} runs recorded")
        });
        if hidden > 0 {
            ui.checkbox(&mut state.show_hidden, format!("show {hidden} hidden"));
        }
    });
    if total == 0 {
        ui.label(
            RichText::new("Each run you train is kept here, with its curves and checkpoints.")
                .weak(),
        );
    }
    for s in &state.skipped {
        ui.label(RichText::new(s).small().color(theme::WARNING));
    }
    compare_ui(ui, state, &mut cmds);
    // Pinned first, then newest first.
    let mut order: Vec<usize> = (0..total)
        .filter(|&i| state.show_hidden || !state.entries[i].record.label.hidden)
        .collect();
    order.sort_by_key(|&i| (!state.entries[i].record.label.pinned, std::cmp::Reverse(i)));
    for i in order {
        ui.separator();
        entry_ui(ui, state, i, &mut cmds);
    }
    cmds
}

fn compare_ui(ui: &mut egui::Ui, state: &mut RunsState, cmds: &mut Vec<Command>) {
    if state.entries.len() < 2 {
        return;
    }
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| state.entries.iter().find(|e| e.id() == id))
            .map_or_else(|| "choose…".to_string(), Entry::name)
    };
    let (mut a, mut b) = state.pick.clone();
    ui.horizontal(|ui| {
        ui.label("Compare");
        for (salt, pick) in [("cmp-a", &mut a), ("cmp-b", &mut b)] {
            egui::ComboBox::from_id_salt(salt)
                .selected_text(name_of(pick))
                .show_ui(ui, |ui| {
                    for e in state.entries.iter().rev() {
                        ui.selectable_value(pick, Some(e.id().to_string()), e.name());
                    }
                });
        }
    });
    if (&a, &b) != (&state.pick.0, &state.pick.1) {
        match (a, b) {
            (Some(a), Some(b)) => cmds.push(Command::Runs(RunsAction::Compare(a, b))),
            // One run picked so far: remembered until the other is.
            partial => state.pick = partial,
        }
    }
    if let Some(c) = &state.comparison {
        ui.horizontal(|ui| {
            ui.checkbox(&mut state.diff_on_canvas, "show on the canvas");
            if ui.button("Stop comparing").clicked() {
                cmds.push(Command::Runs(RunsAction::EndCompare));
            }
        });
        if c.changes.is_empty() {
            ui.label("no design changes");
        }
        for ch in &c.changes {
            ui.label(RichText::new(&ch.words).small())
                .on_hover_text(&ch.path);
        }
    }
}

fn entry_ui(ui: &mut egui::Ui, state: &mut RunsState, i: usize, cmds: &mut Vec<Command>) {
    let e = &state.entries[i];
    let id = e.id().to_string();
    let name = e.name();
    let mut shown = state.shown.contains(&id);
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(
            egui::vec2(theme::RUN_SWATCH, theme::RUN_SWATCH),
            egui::Sense::hover(),
        );
        ui.painter().rect_filled(r, 2.0, e.colour());
        if ui
            .checkbox(&mut shown, &name)
            .on_hover_text("draw its curves on the Curves view")
            .changed()
        {
            cmds.push(Command::Runs(RunsAction::Show(id.clone(), shown)));
        }
        if e.record.label.pinned {
            ui.label(RichText::new("pinned").small().weak());
        }
    });
    let file = &e.record.file;
    ui.label(
        RichText::new(format!(
            "{} · {} · {}",
            when(&file.started),
            crate::numfmt::sig(file.seconds, 3) + " s",
            e.record.stopped_key()
        ))
        .small()
        .weak(),
    );
    ui.label(e.final_words());
    ui.label(RichText::new(&e.summary).small());
    ui.label(RichText::new(format!("changed: {}", e.changes)).small());
    let edits = &e.record.file.edits;
    if !edits.is_empty() {
        let list: Vec<String> = edits
            .iter()
            .map(|ed| format!("after step {}: {}", ed.step, ed.what))
            .collect();
        ui.label(
            RichText::new(format!(
                "edited while training: {} change{}",
                edits.len(),
                if edits.len() == 1 { "" } else { "s" }
            ))
            .small(),
        )
        .on_hover_text(list.join("\n"));
    }
    if let Some(p) = &file.parent {
        ui.label(
            RichText::new(format!("continues {} at step {}", p.run, p.step))
                .small()
                .weak(),
        );
    }
    let pinned = e.record.label.pinned;
    let hidden = e.record.label.hidden;
    let current = e.record.label.name.clone().unwrap_or_default();
    let buffer = state.editing.entry(id.clone()).or_insert(current.clone());
    let r = ui.add(
        egui::TextEdit::singleline(buffer)
            .hint_text(format!("name {name}"))
            .desired_width(180.0),
    );
    if r.lost_focus() && *buffer != current {
        cmds.push(Command::Runs(RunsAction::Rename(
            id.clone(),
            buffer.clone(),
        )));
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Timeline")
            .on_hover_text("show every view as at this run's checkpoints")
            .clicked()
        {
            cmds.push(Command::Runs(RunsAction::Timeline(id.clone())));
        }
        if ui
            .button("Same start")
            .on_hover_text("Train again from the same start: this run's initial weights and data order, the current design")
            .clicked()
        {
            cmds.push(Command::TrainAgain(id.clone()));
        }
        let pin = if pinned { "Unpin" } else { "Pin" };
        if ui.button(pin).clicked() {
            cmds.push(Command::Runs(RunsAction::Pin(id.clone(), !pinned)));
        }
        let hide = if hidden { "Unhide" } else { "Hide" };
        if ui.button(hide).clicked() {
            cmds.push(Command::Runs(RunsAction::Hide(id.clone(), !hidden)));
        }
        if ui.button("Delete").clicked() {
            cmds.push(Command::Runs(RunsAction::AskDelete(id.clone())));
        }
    });
    if state.confirm_delete.as_deref() == Some(id.as_str()) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("Delete {name} and its checkpoints?")).color(theme::ERROR),
            );
            if ui.button("Yes, delete").clicked() {
                cmds.push(Command::Runs(RunsAction::Delete(id.clone())));
            }
            if ui.button("Keep it").clicked() {
                cmds.push(Command::Runs(RunsAction::KeepRun));
            }
        });
    }
}

/// "2026-12-02 11:30" from an RFC 3339 time (UTC).
fn when(started: &str) -> String {
    let t = started.replace('T', " ");
    let short: String = t.chars().take(16).collect();
    format!("{short} UTC")
}
