//! The run's buttons, the live learning-rate control and slow motion.

use super::command::Command;
use super::document::Document;
use super::run::{Run, RunState};

/// Draws the training panel; `lr` is the learning-rate control's value.
pub fn ui(
    ui: &mut egui::Ui,
    doc: &Document,
    run: &Run,
    lr: &mut f32,
    delay_ms: &mut u32,
    use_saved_weights: &mut bool,
) -> Option<Command> {
    let mut cmd = None;
    ui.heading("Run");
    let can_train = !doc.analysis.has_errors();
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(can_train, egui::Button::new("Train"))
            .on_hover_text("start from fresh weights")
            .clicked()
        {
            cmd = Some(Command::Train);
        }
        match run.state {
            RunState::Training if ui.button("Pause").clicked() => cmd = Some(Command::Pause),
            RunState::Paused if ui.button("Resume").clicked() => cmd = Some(Command::Resume),
            _ => {}
        }
        if ui
            .add_enabled(can_train, egui::Button::new("Step"))
            .on_hover_text("train one batch, then pause")
            .clicked()
        {
            cmd = Some(Command::Step);
        }
        if ui
            .add_enabled(run.active(), egui::Button::new("Stop"))
            .clicked()
        {
            cmd = Some(Command::Stop);
        }
        if ui
            .add_enabled(run.active(), egui::Button::new("Reset weights"))
            .clicked()
        {
            cmd = Some(Command::ResetWeights);
        }
    });
    ui.separator();
    let saved = doc
        .path
        .as_deref()
        .map(crate::project::weights::weights_path_for)
        .filter(|p| p.exists());
    if let Some(p) = saved {
        ui.checkbox(use_saved_weights, "start from the saved weights")
            .on_hover_text(format!(
                "{} — saved beside the project when you saved it after training",
                p.display()
            ));
    }
    let slider = egui::Slider::new(lr, 1e-5..=1.0)
        .logarithmic(true)
        .text("learning rate");
    if ui.add(slider).changed() {
        cmd = Some(Command::SetLearningRate(*lr));
    }
    let slow = egui::Slider::new(delay_ms, 0..=200).text("ms pause per batch");
    if ui
        .add(slow)
        .on_hover_text("slow motion, so a class can watch small networks learn")
        .changed()
    {
        cmd = Some(Command::SetStepDelay(*delay_ms));
    }
    cmd
}
