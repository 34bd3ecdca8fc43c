//! The timeline's bar under the views: which run and step are shown, a
//! scrubber over the run's checkpoints (also ←/→), "Continue from here"
//! and "Back to live".

use egui::RichText;

use super::super::command::Command;
use super::super::theme;
use super::{RunsAction, RunsState};

/// Draws the bar when the timeline is open; returns what the user asked.
pub fn ui(ui: &mut egui::Ui, state: &RunsState) -> Vec<Command> {
    let mut cmds = Vec::new();
    let tl = &state.timeline;
    let (Some(run), steps) = (tl.run(), tl.steps()) else {
        return cmds;
    };
    let run = run.to_string();
    let last = steps.len().saturating_sub(1);
    let mut index = tl.index.min(last);
    if !ui.ctx().egui_wants_keyboard_input() && !steps.is_empty() {
        // Every press counts, also several in one frame.
        let (left, right) = ui.input_mut(|i| {
            (
                i.count_and_consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft),
                i.count_and_consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight),
            )
        });
        if left + right > 0 {
            let to = (index + right).saturating_sub(left).min(last);
            if to != index {
                cmds.push(Command::Runs(RunsAction::Seek(to)));
            }
        }
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new("Timeline").strong());
        if steps.is_empty() {
            ui.label("this run kept no checkpoints");
        } else {
            let step = steps.get(index).copied().unwrap_or(0);
            let r = ui.add(
                egui::Slider::new(&mut index, 0..=last)
                    .show_value(false)
                    .text(format!("step {step}")),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Slider, true, "timeline")
            });
            if r.changed() {
                cmds.push(Command::Runs(RunsAction::Seek(index)));
            }
            if ui.button("Continue from here").on_hover_text(
                "start a new run from this checkpoint's weights, with the current design; it is recorded as this run's child",
            ).clicked() {
                cmds.push(Command::ContinueRun(run.clone(), step));
            }
        }
        if ui.button("Back to live").clicked() {
            cmds.push(Command::Runs(RunsAction::CloseTimeline));
        }
        if let Some(d) = tl.latency {
            ui.label(
                RichText::new(format!("views in {} ms", d.as_millis()))
                    .small()
                    .weak(),
            );
        }
    });
    // Changes made while the run trained, marked where they happened
    // relative to the checkpoint shown.
    if let Some(rec) = tl.record()
        && !rec.file.edits.is_empty()
    {
        let shown = steps.get(index).copied().unwrap_or(0);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Edits:").strong());
            for e in &rec.file.edits {
                let mark = if e.step <= shown { "✎" } else { "·" };
                ui.label(format!("{mark} after step {}: {}", e.step, e.what))
                    .on_hover_text(
                        "a change made while this run trained; ✎ before the checkpoint shown",
                    );
            }
        });
    }
    if let Some(e) = &tl.error {
        ui.label(RichText::new(e).color(theme::ERROR));
    }
    cmds
}
