//! The run's buttons, the live learning-rate control and slow motion, and
//! why Train is refused when it is (with a one-click fix where one exists).

use crate::model::{DenseSpec, LayerSpec, LossKind, Severity, Units};

use super::command::Command;
use super::document::Document;
use super::run::{Run, RunState};
use super::theme;

/// The learning rates the live control offers (a logarithmic scale).
pub const LR_RANGE: std::ops::RangeInclusive<f32> = 1e-5..=10.0;

/// Settings of the run that are not part of the project: they change how
/// this window runs training, not what is trained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunControls {
    /// Slow motion: milliseconds to wait after each batch.
    pub delay_ms: u32,
    /// Start training from the weights saved beside the project.
    pub use_saved_weights: bool,
}

impl Default for RunControls {
    fn default() -> Self {
        Self {
            delay_ms: 0,
            use_saved_weights: true,
        }
    }
}

/// Why Train is refused, and the one-click fix when there is one.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainBlock {
    /// What is wrong, in a sentence.
    pub reason: String,
    /// The button's text and what it does.
    pub fix: Option<(String, Command)>,
}

impl std::fmt::Display for TrainBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Train is off: {}", self.reason)
    }
}

/// Why the project cannot be trained as it is, if it cannot: the first
/// error of the analysis (the loss against the data first, since it has a
/// one-click fix), or a network with nothing to learn.
pub fn train_block(doc: &Document) -> Option<TrainBlock> {
    let a = &doc.analysis;
    if a.has_errors() {
        let first = a
            .problems()
            .find(|(_, p)| p.severity == Severity::Error)
            .map(|(_, p)| p);
        let fix = loss_fix(doc);
        let reason = match (&fix, first) {
            (Some((_, _, msg)), _) => msg.clone(),
            (None, Some(p)) if p.fix.is_empty() => p.message.clone(),
            (None, Some(p)) => format!("{} — {}", p.message, p.fix),
            (None, None) => "the network has problems (red on the canvas)".into(),
        };
        return Some(TrainBlock {
            reason,
            fix: fix.map(|(label, loss, _)| (label, Command::SetLoss(loss))),
        });
    }
    if a.total_params == 0 {
        return Some(TrainBlock {
            reason: "the network has no weights to learn (0 parameters)".into(),
            fix: Some((
                "Add a Dense layer".into(),
                Command::Append(LayerSpec::Dense(DenseSpec {
                    units: Units::Auto,
                    ..DenseSpec::default()
                })),
            )),
        });
    }
    None
}

/// A loss that fits the data when the chosen one does not: its button
/// text, the loss, and the analysis's message about the mismatch.
fn loss_fix(doc: &Document) -> Option<(String, LossKind, String)> {
    let data = doc.data.as_ref()?;
    let loss = doc.project.training.loss;
    let better = match (loss, data.classes) {
        (LossKind::Mse | LossKind::Mae | LossKind::Huber { .. }, Some(_)) => LossKind::CrossEntropy,
        (LossKind::BinaryCrossEntropy, Some(k)) if k != 2 => LossKind::CrossEntropy,
        (LossKind::CrossEntropy | LossKind::BinaryCrossEntropy, None) => LossKind::Mse,
        _ => return None,
    };
    let chosen = loss.name();
    let msg = doc
        .analysis
        .graph_problems
        .iter()
        .find(|p| p.severity == Severity::Error && p.message.contains(chosen))?
        .message
        .clone();
    let name = better.name();
    // "Use cross-entropy", "Use MSE": lower case unless an abbreviation.
    let shown = if name.chars().nth(1).is_some_and(char::is_lowercase) {
        name.to_lowercase()
    } else {
        name.to_string()
    };
    Some((format!("Use {shown}"), better, msg))
}

/// Draws the training panel from the project's settings (the learning
/// rate is the project's) and the run's controls; returns what was asked.
pub fn ui(
    ui: &mut egui::Ui,
    doc: &Document,
    run: &Run,
    controls: &RunControls,
    block: Option<&TrainBlock>,
) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.heading("Run");
    let can_train = block.is_none();
    ui.horizontal_wrapped(|ui| {
        let why = block.map_or("start from fresh weights".to_string(), ToString::to_string);
        if ui
            .add_enabled(can_train, egui::Button::new("Train"))
            .on_hover_text(&why)
            .on_disabled_hover_text(&why)
            .clicked()
        {
            cmds.push(Command::Train);
        }
        match run.state {
            RunState::Training if ui.button("Pause").clicked() => cmds.push(Command::Pause),
            RunState::Paused if ui.button("Resume").clicked() => cmds.push(Command::Resume),
            _ => {}
        }
        if ui
            .add_enabled(can_train, egui::Button::new("Step"))
            .on_hover_text("train one batch, then pause")
            .clicked()
        {
            cmds.push(Command::Step);
        }
        if ui
            .add_enabled(run.active(), egui::Button::new("Stop"))
            .clicked()
        {
            cmds.push(Command::Stop);
        }
        if ui
            .add_enabled(run.active(), egui::Button::new("Reset weights"))
            .clicked()
        {
            cmds.push(Command::ResetWeights);
        }
    });
    if let Some(b) = block {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(theme::ERROR, b.to_string());
            if let Some((label, cmd)) = &b.fix
                && ui.button(label).clicked()
            {
                cmds.push(cmd.clone());
            }
        });
    }
    ui.separator();
    let saved = doc
        .path
        .as_deref()
        .map(crate::project::weights::weights_path_for)
        .filter(|p| p.exists());
    if let Some(p) = saved {
        let mut use_saved = controls.use_saved_weights;
        if ui
            .checkbox(&mut use_saved, "start from the saved weights")
            .on_hover_text(format!(
                "{} — saved beside the project when you saved it after training",
                p.display()
            ))
            .changed()
        {
            cmds.push(Command::UseSavedWeights(use_saved));
        }
    }
    if let Some(lr) = lr_ui(ui, doc.project.training.learning_rate) {
        cmds.push(Command::SetLearningRate(lr));
    }
    let mut delay = controls.delay_ms;
    let slow = egui::Slider::new(&mut delay, 0..=200).text("ms pause per batch");
    if ui
        .add(slow)
        .on_hover_text("slow motion, so a class can watch small networks learn")
        .changed()
    {
        cmds.push(Command::SetStepDelay(delay));
    }
    cmds
}

/// The live learning-rate control: a logarithmic slider over
/// [`LR_RANGE`] and a field to type the rate. Returns a new rate.
fn lr_ui(ui: &mut egui::Ui, current: f32) -> Option<f32> {
    let mut lr = current;
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label("learning rate");
        changed |= ui
            .add(
                egui::Slider::new(&mut lr, LR_RANGE)
                    .logarithmic(true)
                    .show_value(false),
            )
            .labelled_by(label.id)
            .on_hover_text("drag: a logarithmic scale from 0.00001 to 10")
            .changed();
        changed |= ui
            .add(
                egui::DragValue::new(&mut lr)
                    .range(LR_RANGE)
                    .speed(0.0)
                    .max_decimals(6),
            )
            .labelled_by(label.id)
            .on_hover_text("click to type a learning rate")
            .changed();
    });
    (changed && lr.is_finite() && lr != current).then_some(lr)
}
