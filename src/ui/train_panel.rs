//! The run's buttons, the live learning-rate control and slow motion, and
//! why Train is refused when it is (with a one-click fix where one exists).

use crate::model::{DenseSpec, LayerSpec, LossKind, Severity, Units};

use super::command::Command;
use super::document::Document;
use super::run::{Run, RunState};
use super::theme;

/// The learning rates the live control offers (a logarithmic scale).
pub const LR_RANGE: std::ops::RangeInclusive<f32> = 1e-5..=10.0;

/// The pace classroom mode starts with: a small run lasts about this long.
pub const CLASSROOM_PACE_SECS: u32 = 20;
/// The paces the control offers, in seconds.
pub const PACE_RANGE: std::ops::RangeInclusive<u32> = 3..=600;

/// Settings of the run that are not part of the project: they change how
/// this window runs training, not what is trained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunControls {
    /// Slow motion: milliseconds to wait after each batch (when no pace is
    /// set).
    pub delay_ms: u32,
    /// Pace: spread a small run over this many seconds (`None`: off).
    pub pace: Option<u32>,
    /// The pacing of the run under way.
    pub pacer: Option<super::pace::Pacer>,
    /// Start training from the weights saved beside the project.
    pub use_saved_weights: bool,
}

impl Default for RunControls {
    fn default() -> Self {
        Self::new(false)
    }
}

impl RunControls {
    /// The controls a window starts with: paced in classroom mode.
    pub fn new(classroom: bool) -> Self {
        Self {
            delay_ms: 0,
            pace: classroom.then_some(CLASSROOM_PACE_SECS),
            pacer: None,
            use_saved_weights: true,
        }
    }

    /// The pause after each batch a run of `project` starts with: when
    /// paced, the chosen time over the steps it plans (as far as its
    /// settings tell; the pacer corrects it once steps are measured), else
    /// the slow-motion setting.
    pub fn start_delay(&self, project: &crate::model::Project) -> std::time::Duration {
        match self.pace {
            Some(secs) => super::pace::estimate_steps(project)
                .filter(|n| *n > 0)
                .map_or(std::time::Duration::ZERO, |n| {
                    super::pace::delay_for(
                        std::time::Duration::from_secs(secs.into()),
                        std::time::Duration::ZERO,
                        0,
                        n,
                        std::time::Duration::ZERO,
                        std::time::Duration::ZERO,
                    )
                }),
            None => std::time::Duration::from_millis(self.delay_ms.into()),
        }
    }

    /// Sets the pace; the pacing starts again from now. Returns the pause
    /// a run under way should take at once (the slow-motion setting when
    /// pace is turned off).
    pub fn set_pace(&mut self, secs: Option<u32>) -> Option<std::time::Duration> {
        self.pace = secs.map(|s| s.clamp(*PACE_RANGE.start(), *PACE_RANGE.end()));
        self.pacer = None;
        self.pace
            .is_none()
            .then(|| std::time::Duration::from_millis(self.delay_ms.into()))
    }

    /// Classroom mode turned on or off: on, an unpaced window gets the
    /// classroom pace; off, the classroom pace (if unchanged) goes again.
    pub fn classroom_changed(&mut self, classroom: bool) {
        match (classroom, self.pace) {
            (true, None) => self.pace = Some(CLASSROOM_PACE_SECS),
            (false, Some(CLASSROOM_PACE_SECS)) => self.pace = None,
            _ => {}
        }
        self.pacer = None;
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
    if let Some(text) = counter(run) {
        ui.label(text);
    }
    if run.state == RunState::Paused
        && let Some(text) = step_change(run, doc)
    {
        ui.label(egui::RichText::new(text).weak());
    }
    if matches!(run.state, RunState::Finished(_)) && !run.history.steps.is_empty() {
        cmds.extend(more_epochs_ui(ui, doc, can_train));
    }
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
    cmds.extend(pace_ui(ui, doc, run, controls));
    cmds
}

/// The pace control (or, when off, the per-batch pause), and the pacer's
/// command for this frame while a run is under way.
fn pace_ui(ui: &mut egui::Ui, doc: &Document, run: &Run, controls: &RunControls) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut on = controls.pace.is_some();
    let mut secs = controls.pace.unwrap_or(CLASSROOM_PACE_SECS);
    ui.horizontal(|ui| {
        let mut changed = ui
            .checkbox(&mut on, "pace: spread a small run over")
            .on_hover_text(
                "a small run lasts about this long so a class can watch it learn; a run that needs longer runs at full speed",
            )
            .changed();
        changed |= ui
            .add_enabled(
                on,
                egui::DragValue::new(&mut secs)
                    .range(PACE_RANGE)
                    .suffix(" s"),
            )
            .on_hover_text("seconds the whole run should take")
            .changed();
        if changed {
            cmds.push(Command::SetPace(on.then_some(secs)));
        }
    });
    match controls.pace {
        Some(target) => {
            let view = super::pace::RunView::with_estimate(run, &doc.project);
            let target = std::time::Duration::from_secs(target.into());
            let now = std::time::Instant::now();
            if let Some(p) = super::pace::tick(controls.pacer.as_ref(), target, view, now) {
                if run.state == RunState::Training {
                    let text = if view.is_some_and(|v| v.planned().is_none()) {
                        "measuring the first epoch…".to_string()
                    } else if p.delay.is_zero() && p.active < std::time::Duration::from_secs(1) {
                        "measuring a step…".to_string()
                    } else if p.delay.is_zero() {
                        "full speed (this run needs all the time it takes)".to_string()
                    } else {
                        format!(
                            "{} ms pause after each batch",
                            crate::numfmt::sig(p.delay.as_secs_f64() * 1e3, 2)
                        )
                    };
                    ui.label(egui::RichText::new(text).weak());
                }
                cmds.push(Command::Pace(p));
            }
        }
        None => {
            let mut delay = controls.delay_ms;
            let slow = egui::Slider::new(&mut delay, 0..=200).text("ms pause per batch");
            if ui
                .add(slow)
                .on_hover_text("slow motion, so a class can watch small networks learn")
                .changed()
            {
                cmds.push(Command::SetStepDelay(delay));
            }
        }
    }
    cmds
}

/// Where the run is: "step 123 · epoch 9 of 200 (batch 3 of 15)". The
/// batches per epoch are known once the first epoch ended.
pub fn counter(run: &Run) -> Option<String> {
    let n = run.history.steps.last()?.step;
    let per_epoch = run
        .history
        .epochs
        .first()
        .map(|e| e.step)
        .filter(|b| *b > 0);
    let of = if run.epochs > 0 {
        format!(" of {}", run.epochs)
    } else {
        String::new()
    };
    Some(match per_epoch {
        Some(b) => format!(
            "step {n} · epoch {}{of} (batch {} of {b})",
            (n - 1) / b + 1,
            (n - 1) % b + 1
        ),
        None => format!("step {n} · epoch 1{of}"),
    })
}

/// What the last step changed: the batch loss against the step before,
/// and the layer whose weights moved most between the last two snapshots.
pub fn step_change(run: &Run, doc: &Document) -> Option<String> {
    let steps = &run.history.steps;
    let [.., a, b] = steps.as_slice() else {
        return None;
    };
    let mut text = format!(
        "batch loss {} → {}",
        crate::numfmt::sig(f64::from(a.loss), 4),
        crate::numfmt::sig(f64::from(b.loss), 4)
    );
    // The latest snapshot against the latest one of an earlier step.
    let earlier = |s1: u64| run.layer_history.iter().rev().find(|(s, _)| *s < s1);
    if let Some((s1, after)) = run.layer_history.last()
        && let Some((s0, before)) = earlier(*s1)
    {
        let moved = after
            .iter()
            .filter_map(|l| {
                let w1 = l.weights.as_ref()?.norm;
                let w0 = before
                    .iter()
                    .find(|p| p.node == l.node)?
                    .weights
                    .as_ref()?
                    .norm;
                Some((l.node, w0, w1, (w1 - w0).abs() / w0.max(f64::MIN_POSITIVE)))
            })
            .max_by(|x, y| x.3.total_cmp(&y.3));
        if let Some((node, w0, w1, _)) = moved {
            text.push_str(&format!(
                "; from step {s0} to {s1} the weights of {} moved most (norm {} → {})",
                super::views::node_name(doc, node),
                crate::numfmt::sig(w0, 5),
                crate::numfmt::sig(w1, 5)
            ));
        }
    }
    Some(text)
}

/// "Train N more epochs" on a finished run.
fn more_epochs_ui(ui: &mut egui::Ui, doc: &Document, can_train: bool) -> Vec<Command> {
    let mut cmds = Vec::new();
    let id = egui::Id::new("more-epochs");
    let mut n: usize = ui
        .data(|d| d.get_temp(id))
        .unwrap_or(doc.project.training.epochs.max(1));
    ui.horizontal(|ui| {
        if ui
            .add_enabled(can_train, egui::Button::new("Continue for"))
            .on_hover_text(
                "train the finished run's weights further: a new run, recorded as its child",
            )
            .clicked()
        {
            cmds.push(Command::MoreEpochs(n));
        }
        ui.add(egui::DragValue::new(&mut n).range(1..=100_000));
        ui.label("more epochs");
    });
    ui.data_mut(|d| d.insert_temp(id, n));
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
