//! The right panel: the run's buttons, the learning rate and the settings.

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
) -> Option<Command> {
    let mut cmd = None;
    let t = &doc.project.training;
    ui.heading("Training");
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
    ui.separator();
    egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
        for (k, v) in [
            ("loss", t.loss.name().to_string()),
            ("optimizer", t.optimizer.name().to_string()),
            ("batch size", t.batch_size.to_string()),
            ("epochs", t.epochs.to_string()),
            ("L1 / L2", format!("{} / {}", t.l1, t.l2)),
            ("seed", t.seed.to_string()),
        ] {
            ui.label(k);
            ui.label(v);
            ui.end_row();
        }
    });
    cmd
}
