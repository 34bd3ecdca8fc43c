//! Lessons in the window: the chosen lesson and step, the step's runs as
//! goals see them, the checklist, and the step's locks.
//!
//! - this file: `LessonState` and the app's side — starting a lesson and
//!   a step (replacing the document for `Example`/`Inline` starts),
//!   following runs and traces (polled from `Run` and `TraceState`, so
//!   training code knows nothing of lessons), checking the goals with
//!   `lesson::goal::met` (the same function `lesson verify` uses), and
//!   holding locked controls: a locked setting changed by any form or
//!   shortcut is put back at the end of the frame with "locked by the
//!   lesson" in the status bar, before an undo step is taken;
//! - [`panel`]: the lesson panel and the Lessons window.

pub mod panel;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::lesson::goal::{Facts, RunSummary, met};
use crate::lesson::progress::Progress;
use crate::lesson::{Control, LessonFile, Start};
use crate::model::Project;

use super::app::NeuroglassApp;
use super::document::Document;
use super::run::{RunId, RunState};

/// The lesson being followed, if any, and the Lessons window.
#[derive(Default)]
pub struct LessonState {
    /// The Lessons window is open.
    pub picker_open: bool,
    /// The lesson being followed.
    pub active: Option<ActiveLesson>,
    /// The bundled lessons: file and title (or why it was refused).
    pub catalogue: Option<Vec<(PathBuf, Result<LessonFile, String>)>>,
    /// Remembered progress.
    pub progress: Option<Progress>,
}

/// One lesson under way.
pub struct ActiveLesson {
    /// The lesson.
    pub lesson: LessonFile,
    /// Its file.
    pub path: PathBuf,
    /// The current step (from 0).
    pub step: usize,
    /// Hints shown so far in this step.
    pub hints_shown: usize,
    /// The solution is shown.
    pub solution_shown: bool,
    /// The runs finished in this step, oldest first.
    pub runs: Vec<RunSummary>,
    /// A sample was traced in this step.
    pub traced: bool,
    /// Each goal of the step: met now.
    pub met: Vec<bool>,
    /// The project as the step began: what locked controls are held to.
    held: Project,
    /// Runs already counted, and the optimizer each started with.
    counted: BTreeSet<RunId>,
    started_with: Option<(RunId, String)>,
}

impl ActiveLesson {
    /// The current step.
    pub fn current(&self) -> Option<&crate::lesson::Step> {
        self.lesson.steps.get(self.step)
    }

    /// Whether the step locks `c`.
    pub fn locks(&self, c: Control) -> bool {
        self.current().is_some_and(|s| s.locked.contains(&c))
    }

    /// Whether every goal of the step is met (a step without goals is).
    pub fn step_done(&self) -> bool {
        self.met.iter().all(|m| *m)
    }
}

impl LessonState {
    /// Above a settings tab: which of `controls` the current step locks, in
    /// words; returns whether any is locked.
    pub fn locked_note_ui(&self, ui: &mut egui::Ui, controls: &[Control]) -> bool {
        let Some(a) = &self.active else {
            return false;
        };
        let names: Vec<&str> = controls
            .iter()
            .filter(|c| a.locks(**c))
            .map(|c| c.label())
            .collect();
        if names.is_empty() {
            return false;
        }
        ui.label(
            egui::RichText::new(format!("Locked by the lesson: {}", names.join(", ")))
                .color(super::theme::WARNING),
        );
        true
    }

    /// The bundled lessons, read once.
    pub fn catalogue(&mut self) -> &[(PathBuf, Result<LessonFile, String>)] {
        self.catalogue.get_or_insert_with(|| {
            crate::lesson::bundled_lessons()
                .into_iter()
                .map(|p| {
                    let l = crate::lesson::load(&p).map_err(|e| e.to_string());
                    (p, l)
                })
                .collect()
        })
    }

    /// Remembered progress, read once.
    pub fn progress(&mut self) -> &mut Progress {
        self.progress.get_or_insert_with(Progress::load)
    }
}

impl NeuroglassApp {
    /// Starts the lesson in `path` at the step the user reached before.
    pub(in crate::ui) fn start_lesson(&mut self, path: PathBuf) {
        match crate::lesson::load(&path) {
            Ok(lesson) => {
                let reached = self
                    .lesson
                    .progress()
                    .lessons
                    .get(&lesson.title)
                    .map_or(0, |p| p.step)
                    .min(lesson.steps.len().saturating_sub(1));
                let held = self.doc.project.clone();
                self.lesson.active = Some(ActiveLesson {
                    lesson,
                    path,
                    step: 0,
                    hints_shown: 0,
                    solution_shown: false,
                    runs: Vec::new(),
                    traced: false,
                    met: Vec::new(),
                    held,
                    counted: BTreeSet::new(),
                    started_with: None,
                });
                self.lesson.picker_open = false;
                // Steps before the one reached set up their projects in turn
                // (a later `Continue` step keeps the one before it).
                let mut first = 0;
                if let Some(a) = &self.lesson.active {
                    for (i, s) in a.lesson.steps.iter().enumerate().take(reached + 1) {
                        if !matches!(s.start, Start::Continue) {
                            first = i;
                        }
                    }
                }
                self.go_to_step(first);
                if reached > first {
                    // The steps between were done before: their solutions
                    // give the project a `Continue` step expects.
                    let edits: Vec<crate::lesson::edit::Edit> = self
                        .lesson
                        .active
                        .as_ref()
                        .map(|a| {
                            a.lesson
                                .steps
                                .get(first..reached)
                                .unwrap_or_default()
                                .iter()
                                .flat_map(|s| s.solution.iter().cloned())
                                .collect()
                        })
                        .unwrap_or_default();
                    for e in &edits {
                        // Edits that no longer fit (a changed example) are skipped.
                        let _ = crate::lesson::edit::apply(&mut self.doc.project, e);
                    }
                    self.doc.refresh();
                    self.go_to_step(reached);
                }
            }
            Err(e) => self.report("", &e),
        }
    }

    /// Moves to step `n` (clamped), setting up its project.
    pub(in crate::ui) fn go_to_step(&mut self, n: usize) {
        let Some(a) = self.lesson.active.as_mut() else {
            return;
        };
        let n = n.min(a.lesson.steps.len().saturating_sub(1));
        let start = a.lesson.steps.get(n).map(|s| s.start.clone());
        a.step = n;
        a.hints_shown = 0;
        a.solution_shown = false;
        a.runs.clear();
        a.traced = false;
        a.met.clear();
        let title = a.lesson.title.clone();
        match start {
            Some(Start::Example(name)) => match Document::bundled(&name) {
                Ok(d) => self.replace(d),
                Err(e) => self.report("", &e),
            },
            Some(Start::Inline(file)) => self.replace(Document::new((*file).into_project(), None)),
            Some(Start::Continue) | None => {}
        }
        if let Some(a) = self.lesson.active.as_mut() {
            a.held = self.doc.project.clone();
            // Runs of the project before this step do not count.
            a.counted.insert(self.run.id());
            a.started_with = None;
        }
        let p = self.lesson.progress();
        p.record(&title, n, false);
        if let Err(e) = p.save() {
            self.say(format!("lesson progress not saved: {e}"));
        }
    }

    /// Once a frame after the commands: counts finished runs and traces,
    /// checks the goals, and puts back locked controls.
    pub(in crate::ui) fn lesson_frame(&mut self) {
        let Some(a) = self.lesson.active.as_mut() else {
            return;
        };
        let id = self.run.id();
        match &self.run.state {
            RunState::Training | RunState::Paused
                if a.started_with.as_ref().is_none_or(|(r, _)| *r != id) =>
            {
                a.started_with = Some((id, self.doc.project.training.optimizer.name().into()));
            }
            RunState::Finished(reason) if !a.counted.contains(&id) => {
                a.counted.insert(id);
                let diverged = matches!(reason, crate::trainer::FinishReason::Diverged { .. });
                let mut s =
                    RunSummary::of(&self.doc.project, self.run.history.epochs.last(), diverged);
                s.classification = self.run.classification;
                if let Some((r, name)) = &a.started_with
                    && *r == id
                {
                    s.optimizer = name.clone();
                }
                a.runs.push(s);
            }
            _ => {}
        }
        if self.trace.shown(id).is_some() {
            a.traced = true;
        }
        let refused = hold_locks(a, &mut self.doc.project);
        if let Some(what) = refused {
            self.doc.refresh();
            self.message = Some(format!("{what} is locked by the lesson in this step"));
        }
        let Some(a) = self.lesson.active.as_mut() else {
            return;
        };
        let facts = Facts {
            project: &self.doc.project,
            analysis: &self.doc.analysis,
            runs: &a.runs,
            traced: a.traced,
        };
        let was_done = !a.met.is_empty() && a.step_done();
        a.met = a
            .current()
            .map(|s| s.goals.iter().map(|g| met(g, &facts)).collect())
            .unwrap_or_default();
        let done = !a.met.is_empty() && a.step_done();
        if done && !was_done {
            let (title, step) = (a.lesson.title.clone(), a.step);
            let p = self.lesson.progress();
            p.record(&title, step, true);
            let _ = p.save();
        }
    }
}

/// Puts back what the step locks; returns the first control put back.
fn hold_locks(a: &ActiveLesson, p: &mut Project) -> Option<&'static str> {
    let step = a.current()?;
    let held = &a.held;
    let mut refused = None;
    let mut put_back = |c: Control, changed: bool| {
        if changed && step.locked.contains(&c) {
            refused.get_or_insert(c.label());
            true
        } else {
            false
        }
    };
    let (t, h) = (&mut p.training, &held.training);
    if put_back(Control::LearningRate, t.learning_rate != h.learning_rate) {
        t.learning_rate = h.learning_rate;
    }
    if put_back(Control::Optimizer, t.optimizer != h.optimizer) {
        t.optimizer = h.optimizer;
    }
    if put_back(Control::Loss, t.loss != h.loss) {
        t.loss = h.loss;
    }
    if put_back(Control::BatchSize, t.batch_size != h.batch_size) {
        t.batch_size = h.batch_size;
    }
    if put_back(Control::Epochs, t.epochs != h.epochs) {
        t.epochs = h.epochs;
    }
    if put_back(Control::Seed, t.seed != h.seed) {
        t.seed = h.seed;
    }
    let reg = |x: &crate::model::TrainConfig| (x.l1, x.l2, x.clip_grad_norm);
    if put_back(Control::Regularisation, reg(t) != reg(h)) {
        (t.l1, t.l2, t.clip_grad_norm) = reg(h);
    }
    if put_back(Control::Data, p.data != held.data) {
        p.data = held.data.clone();
    }
    let structure = |g: &crate::model::Graph| {
        (
            g.nodes()
                .iter()
                .map(|n| (n.id, n.name.clone(), n.spec.clone()))
                .collect::<Vec<_>>(),
            g.edges().to_vec(),
        )
    };
    if put_back(
        Control::Graph,
        structure(&p.graph) != structure(&held.graph),
    ) {
        // Positions the student moved stay; the layers and wires return.
        let mut g = held.graph.clone();
        for n in p.graph.nodes() {
            if let Some(m) = g.node_mut(n.id) {
                m.pos = n.pos;
            }
        }
        p.graph = g;
    }
    // Layers of kinds the step's palette does not offer are taken out.
    if !step.palette.is_empty() {
        let extra: Vec<_> = p
            .graph
            .nodes()
            .iter()
            .filter(|n| held.graph.node(n.id).is_none())
            .filter(|n| !step.palette.iter().any(|k| k == n.spec.kind_name()))
            .map(|n| n.id)
            .collect();
        if !extra.is_empty() {
            for id in extra {
                p.graph.remove_node(id);
            }
            refused.get_or_insert("this layer kind");
        }
    }
    refused
}

impl NeuroglassApp {
    /// The lesson panel on the left while a lesson is under way; applies
    /// what it asks for.
    pub(in crate::ui) fn lesson_panel_ui(&mut self, ui: &mut egui::Ui) {
        let Some(a) = self.lesson.active.as_ref() else {
            return;
        };
        let mut action = None;
        egui::Panel::left("lesson")
            .default_size(super::theme::SIDE_PANEL_WIDTH)
            .max_size(super::theme::SIDE_PANEL_WIDTH * 1.5)
            .show(ui, |ui| action = panel::ui(ui, a));
        let Some(action) = action else {
            return;
        };
        let step = a.step;
        match action {
            panel::LessonAction::Hint => {
                if let Some(a) = self.lesson.active.as_mut() {
                    a.hints_shown += 1;
                }
            }
            panel::LessonAction::Solution => {
                if let Some(a) = self.lesson.active.as_mut() {
                    a.solution_shown = true;
                }
            }
            panel::LessonAction::Back => self.go_to_step(step.saturating_sub(1)),
            panel::LessonAction::Next => self.go_to_step(step + 1),
            panel::LessonAction::Close => self.lesson.active = None,
        }
    }
}
