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
            edit_ticks(ui, r.rect, &steps, tl.record().map(|rec| &rec.file.edits[..]));
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

/// Where on the scrubber (as a fractional checkpoint index) a change made
/// after `step` lies, given the checkpoints' steps in order.
fn edit_position(steps: &[u64], step: u64) -> Option<f32> {
    let last = steps.len().checked_sub(1)?;
    let i = steps.partition_point(|&s| s <= step);
    Some(match i {
        0 => 0.0,
        i if i > last => last as f32,
        i => {
            let (a, b) = (steps[i - 1], steps[i]);
            (i - 1) as f32 + (step - a) as f32 / (b - a).max(1) as f32
        }
    })
}

/// Ticks on the scrubber's rail where the run was changed while it
/// trained (issue #18), between the checkpoints around each change.
fn edit_ticks(
    ui: &egui::Ui,
    rect: egui::Rect,
    steps: &[u64],
    edits: Option<&[crate::runs::record::Edit]>,
) {
    let (Some(edits), Some(last)) = (edits, steps.len().checked_sub(1)) else {
        return;
    };
    if last == 0 {
        return;
    }
    // The rail runs between the handle's centre at either end.
    let handle = rect.height() / 2.5;
    let (x0, x1) = (rect.left() + handle, rect.right() - handle);
    for e in edits {
        let Some(at) = edit_position(steps, e.step) else {
            continue;
        };
        let x = x0 + (x1 - x0) * at / last as f32;
        ui.painter().line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            egui::Stroke::new(2.0, theme::TIMELINE_MARK),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::edit_position;

    #[test]
    fn an_edit_lies_between_the_checkpoints_around_it() {
        let steps = [0, 100, 200, 400];
        assert_eq!(edit_position(&steps, 0), Some(0.0));
        assert_eq!(edit_position(&steps, 150), Some(1.5));
        assert_eq!(edit_position(&steps, 300), Some(2.5));
        assert_eq!(edit_position(&steps, 400), Some(3.0));
        assert_eq!(edit_position(&steps, 900), Some(3.0));
        assert_eq!(edit_position(&[], 10), None);
    }
}
