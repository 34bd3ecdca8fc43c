//! The application: panels around the plots, commands applied in one place.

use std::path::PathBuf;
use std::time::Duration;

use crate::trainer::TrainerCommand;

use super::command::Command;
use super::document::Document;
use super::run::Run;
use super::{plots, project_panel, status, theme, train_panel};

/// How long one frame may spend taking trainer events.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);

/// The whole window's state.
pub struct NeuroglassApp {
    /// The open project.
    pub doc: Document,
    /// Training as the window sees it.
    pub run: Run,
    /// The learning-rate control.
    pub lr: f32,
    /// Slow motion: milliseconds to wait after each batch.
    pub delay_ms: u32,
    /// The latest error to show.
    pub message: Option<String>,
    waker: Option<egui::Context>,
}

impl NeuroglassApp {
    /// Opens `path`, or the bundled spiral example.
    pub fn new(path: Option<PathBuf>) -> Self {
        let (doc, message) = match path.as_deref().map(Document::open) {
            Some(Ok(d)) => (d, None),
            Some(Err(e)) => (Self::fallback(), Some(e)),
            None => (Self::fallback(), None),
        };
        let lr = doc.project.training.learning_rate;
        Self {
            doc,
            run: Run::default(),
            lr,
            delay_ms: 0,
            message,
            waker: None,
        }
    }

    fn fallback() -> Document {
        // The bundled example parses: a test checks every bundled file.
        Document::bundled("spiral.ron").unwrap_or_else(|_| Document::new(Default::default(), None))
    }

    /// Applies one command.
    pub fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::Open(path) => match Document::open(&path) {
                Ok(d) => self.replace(d),
                Err(e) => self.message = Some(e),
            },
            Command::OpenBundled(name) => match Document::bundled(name) {
                Ok(d) => self.replace(d),
                Err(e) => self.message = Some(e),
            },
            Command::Train | Command::Step => {
                let paused = cmd == Command::Step;
                if paused && self.run.active() {
                    self.run.send(TrainerCommand::Step(1));
                    return;
                }
                let mut project = self.doc.project.clone();
                project.training.learning_rate = self.lr;
                let wake = self
                    .waker
                    .clone()
                    .map(|c| Box::new(move || c.request_repaint()) as Box<dyn Fn() + Send>);
                let classification = self.doc.data.as_ref().is_none_or(|d| d.classes.is_some());
                self.run
                    .start(&project, self.doc.dir(), classification, wake, paused);
                let delay = Duration::from_millis(self.delay_ms.into());
                self.run.send(TrainerCommand::SetStepDelay(delay));
                if paused {
                    self.run.send(TrainerCommand::Step(1));
                }
            }
            Command::Pause => self.run.send(TrainerCommand::Pause),
            Command::Resume => self.run.send(TrainerCommand::Resume),
            Command::Stop => self.run.send(TrainerCommand::Stop),
            Command::ResetWeights => self.run.send(TrainerCommand::ResetWeights),
            Command::SetStepDelay(ms) => {
                self.delay_ms = ms;
                if self.run.active() {
                    self.run
                        .send(TrainerCommand::SetStepDelay(Duration::from_millis(
                            ms.into(),
                        )));
                }
            }
            Command::SetLearningRate(lr) => {
                self.lr = lr;
                if self.run.active() {
                    self.run.send(TrainerCommand::SetLearningRate(lr));
                }
            }
        }
    }

    fn replace(&mut self, doc: Document) {
        if self.run.active() {
            self.run.send(TrainerCommand::Stop);
        }
        self.lr = doc.project.training.learning_rate;
        self.doc = doc;
        self.run.history.clear();
        self.run.state = super::run::RunState::Idle;
        self.message = None;
    }

    /// Takes trainer events (never waits).
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        if self.waker.is_none() {
            self.waker = Some(ctx.clone());
        }
        self.run.poll(DRAIN_BUDGET);
        if self.run.active() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// Draws one frame into `ui` and applies what the panels asked for.
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.logic_step(&ctx);
        let mut cmds = Vec::new();
        egui::Panel::bottom("status")
            .show(ui, |ui| status::ui(ui, &self.run, self.message.as_deref()));
        egui::Panel::left("project")
            .default_size(theme::SIDE_PANEL_WIDTH)
            .show(ui, |ui| {
                cmds.extend(project_panel::ui(ui, &self.doc));
            });
        egui::Panel::right("training")
            .default_size(theme::SIDE_PANEL_WIDTH)
            .show(ui, |ui| {
                cmds.extend(train_panel::ui(
                    ui,
                    &self.doc,
                    &self.run,
                    &mut self.lr,
                    &mut self.delay_ms,
                ));
            });
        egui::CentralPanel::default().show(ui, |ui| plots::ui(ui, &self.run));
        for c in cmds {
            self.apply(c);
        }
    }
}

impl eframe::App for NeuroglassApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.logic_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_frame(ui);
    }
}
