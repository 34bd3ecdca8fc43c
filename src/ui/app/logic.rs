//! The frame's logic, apart from drawing: take the trainer's events and
//! the background tasks' results, apply them, and after the frame's edits
//! keep everything consistent (validation, undo steps, the running trainer
//! following the project's live settings, autosave).

use std::time::{Duration, Instant};

use crate::model::Graph;
use crate::trainer::TrainerCommand;

use super::super::command::Command;
use super::super::dialogs::ReplaceQuestion;
use super::super::jobs::JobError;
use super::super::run::RunState;
use super::super::screenshot::{Capture, SaveImageError, ShotRequest, save_png, tag_of};
use super::super::task::Task;
use super::super::theme;
use super::NeuroglassApp;

/// How long one frame may spend taking trainer events.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);

impl NeuroglassApp {
    /// Takes trainer events, background results and dialog answers (never
    /// waits). eframe calls it once before each frame's `ui`; `ui_frame`
    /// calls it only when nothing did (a test harness), so it runs once a
    /// frame either way.
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        self.frame.logic_done = true;
        self.frame.logic_runs += 1;
        if self.frame.ctx.is_none() {
            self.frame.ctx = Some(ctx.clone());
        }
        if self.shots.capture.is_none() {
            self.run.poll(DRAIN_BUDGET);
        }
        let dir = self.doc.dir().map(std::path::Path::to_path_buf);
        if let Some(w) = self.run.weights.take() {
            let (run, wake) = (self.run.id(), self.waker());
            let step = self.run.weights_step.take();
            self.trace
                .weights_arrived(&w, step, run, &self.doc.project, dir.as_deref(), wake);
            let path = self.doc.path.clone();
            for u in std::mem::take(&mut self.background.jobs.waiting) {
                self.background
                    .jobs
                    .start(u, Some(w.clone()), &self.doc.project, path.as_deref());
            }
        }
        let wake = self.waker();
        self.trace
            .note_saved_weights(self.doc.path.as_deref(), self.controls.use_saved_weights);
        let (project, pick) = (&self.doc.project, self.views.picked);
        self.trace
            .update(&mut self.run, project, dir.as_deref(), pick, wake);
        for r in self.background.jobs.poll() {
            match r {
                Ok(m) => self.say(m),
                Err(JobError::WouldReplace { again, files }) => {
                    self.prompts.replace = Some(ReplaceQuestion { again, files });
                }
                Err(e) => self.report("", &e),
            }
        }
        self.follow_live_edits();
        self.poll_autosave();
        self.poll_imports();
        self.poll_runs();
        match self.files.poll() {
            Some(Ok(c)) => self.apply(c),
            Some(Err(e)) => self.report("no file dialog", &e),
            None => {}
        }
        self.doc.refresh();
        let dir = self.doc.dir().map(std::path::Path::to_path_buf);
        let wake = self.waker();
        self.panels
            .timing
            .update(&self.doc.project, dir.as_deref(), wake);
        self.preview.update(
            &self.doc.project.data,
            self.doc.project.training.seed,
            dir.as_deref(),
        );
        if self.run.active()
            || self.files.waiting()
            || self.doc.reading_data()
            || self.preview.busy()
            || self.background.busy()
            || self.runs.busy()
        {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.doc.dirty()
            && !self.frame.quit_confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.prompts.unsaved = Some(Command::Quit);
        }
        self.take_screenshot(ctx);
        self.step_script(ctx);
        let look = (self.prefs.theme, self.prefs.classroom);
        if self.frame.applied_look != Some(look) {
            theme::apply(ctx, look.0, look.1);
            // The zoom factor changes the canvas area: fit again.
            self.canvas.fit_pending = true;
            self.frame.applied_look = Some(look);
        }
    }

    /// Keeps the Runs panel on the open project's store, reads it again
    /// when a run ends, and takes the results of its background work.
    fn poll_runs(&mut self) {
        let wake = super::wake_with(self.frame.ctx.clone());
        self.runs
            .follow_project(self.doc.path.as_deref(), &self.doc.project.name, wake());
        self.runs.follow_run(self.run.active(), wake());
        for r in self.runs.poll(&wake) {
            match r {
                Ok(m) => self.say(m),
                Err(e) => self.say(e),
            }
        }
    }

    /// After the frame's edits: re-validate, record an undo step once the
    /// gesture or typing has settled, let a running trainer follow the
    /// project's live settings, pause a run whose graph changed, and write
    /// the recovery file now and then.
    pub(super) fn after_edits(&mut self, ctx: &egui::Context) {
        self.editor
            .selection
            .retain_existing(&self.doc.project.graph);
        self.doc.refresh();
        let settled = !ctx.input(|i| i.pointer.any_down()) && !ctx.egui_wants_keyboard_input();
        if settled && self.doc.project != self.frame.committed {
            let before = std::mem::replace(&mut self.frame.committed, self.doc.project.clone());
            self.editor.undo.record(before);
        }
        self.follow_live_settings(settled);
        if settled {
            self.follow_live_data();
        }
        // A graph with problems (a layer not wired yet, a shape that breaks
        // a connection) waits: the run keeps training the network it has
        // until the graph is whole, and the status line says so.
        if settled
            && self.run.active()
            && self.doc.analysis.has_errors()
            && self
                .frame
                .run_graph
                .as_ref()
                .is_some_and(|g| !same_structure(g, &self.doc.project.graph))
        {
            let problem = self
                .doc
                .analysis
                .problems()
                .find(|(_, p)| p.severity == crate::model::Severity::Error)
                .map(|(_, p)| p.message.clone())
                .unwrap_or_default();
            let text = format!(
                "the running network cannot take this change ({problem}); it trains the network as it was — fix the graph, or press Train to start again"
            );
            if self.message.as_deref() != Some(text.as_str()) {
                self.message = Some(text);
            }
        }
        let changed = settled
            && self.run.active()
            && !self.prompts.restart
            && !self.doc.analysis.has_errors()
            && self
                .frame
                .run_graph
                .as_ref()
                .is_some_and(|g| !same_structure(g, &self.doc.project.graph));
        // A Dense or Conv2D just added during the run starts as wide as its
        // input, so it can start as the identity (issue #18); the change
        // is sent once that is analysed, the next frame.
        if changed && self.size_new_layers_to_their_input() {
            self.doc.refresh();
        } else if changed && let Some(g) = &self.frame.run_graph {
            // The live network takes the change when it can, keeping what
            // it learned; a refusal comes back as `EditRefused` and asks
            // to restart (see `follow_live_edits`).
            let what = edit_words(g, &self.doc.project);
            self.run.send(TrainerCommand::Restructure {
                project: Box::new(self.doc.project.clone()),
                what,
            });
            self.frame.run_graph = Some(self.doc.project.graph.clone());
        }
        self.autosave();
    }

    /// Layers added since the run started that have the palette's default
    /// width (a Dense of 16 units, a Conv2D of 8 filters) get their input's
    /// width instead, so the running network can take them as the
    /// identity. Returns whether any changed.
    fn size_new_layers_to_their_input(&mut self) -> bool {
        let Some(run_graph) = &self.frame.run_graph else {
            return false;
        };
        let mut sized = Vec::new();
        for n in self.doc.project.graph.nodes() {
            if run_graph.node(n.id).is_some() {
                continue;
            }
            let [edge] = self.doc.project.graph.inputs_of(n.id)[..] else {
                continue;
            };
            let Some(shape) = self
                .doc
                .analysis
                .nodes
                .get(&edge.from)
                .and_then(|i| i.out_shape.clone())
            else {
                continue;
            };
            let default = crate::model::LayerSpec::palette()
                .into_iter()
                .find(|p| std::mem::discriminant(p) == std::mem::discriminant(&n.spec));
            let mut spec = n.spec.clone();
            match (&mut spec, default, shape.as_slice()) {
                (
                    crate::model::LayerSpec::Dense(d),
                    Some(crate::model::LayerSpec::Dense(p)),
                    [width],
                ) if d.units == p.units && p.units != crate::model::Units::Fixed(*width) => {
                    d.units = crate::model::Units::Fixed(*width);
                }
                (
                    crate::model::LayerSpec::Conv2D(c),
                    Some(crate::model::LayerSpec::Conv2D(p)),
                    [channels, _, _],
                ) if c.filters == p.filters && c.filters != *channels => c.filters = *channels,
                _ => continue,
            }
            sized.push((n.id, spec));
        }
        for (id, spec) in &sized {
            if let Some(n) = self.doc.project.graph.node_mut(*id) {
                n.spec = spec.clone();
            }
        }
        !sized.is_empty()
    }

    /// A change the live run refused: pause and ask to restart, saying why.
    fn follow_live_edits(&mut self) {
        if !self.prompts.restart {
            self.prompts.restart_reason = None;
        }
        if let Some(reason) = self.run.edits.refused.take()
            && self.run.active()
        {
            self.run.send(TrainerCommand::Pause);
            self.prompts.restart = true;
            self.prompts.restart_reason = Some(reason);
        }
        if let Some(e) = self.run.edits.applied.last()
            && self.run.edits.shown < self.run.edits.applied.len()
        {
            self.run.edits.shown = self.run.edits.applied.len();
            self.message = Some(format!("{}: {}", e.what, e.result));
        }
    }

    /// The project is the one source of truth: when its learning rate
    /// changed (in the Training tab or the live control) while a run is
    /// going, the trainer is told.
    fn follow_live_settings(&mut self, settled: bool) {
        let lr = self.doc.project.training.learning_rate;
        if self.run.active() && self.frame.sent_lr != Some(lr) && lr.is_finite() && lr > 0.0 {
            self.run.send(TrainerCommand::SetLearningRate(lr));
            self.frame.sent_lr = Some(lr);
        }
        // The other settings (optimizer, schedule, batch size, penalties,
        // clipping, epochs, stopping rules) apply from the next batch, once
        // the control that changes them is let go.
        if self.run.active() && settled {
            let training = &self.doc.project.training;
            let changed = self.run.edits.sent.as_ref().map(|sent| sent != training);
            match changed {
                None => self.run.edits.sent = Some(training.clone()),
                Some(true) if !self.doc.analysis.has_errors() => {
                    let t = training.clone();
                    self.run
                        .send(TrainerCommand::SetConfig(Box::new(t.clone())));
                    self.run.edits.sent = Some(t);
                }
                Some(_) => {}
            }
        }
    }

    /// Data settings changed during a run (a generated set's noise or
    /// sample count…) go to the trainer once the edit settles.
    fn follow_live_data(&mut self) {
        if !self.run.active() {
            return;
        }
        let data = &self.doc.project.data;
        match self.run.edits.sent_data.as_ref().map(|sent| sent != data) {
            None => self.run.edits.sent_data = Some(data.clone()),
            Some(true) => {
                let d = data.clone();
                let dir = self.doc.dir().map(std::path::Path::to_path_buf);
                self.run.send(TrainerCommand::SetData {
                    data: Box::new(d.clone()),
                    dir,
                });
                self.run.edits.sent_data = Some(d);
            }
            Some(false) => {}
        }
    }

    fn autosave(&mut self) {
        let b = &mut self.background;
        if self.doc.dirty() && b.autosave.is_none() && b.last_autosave.elapsed() >= b.autosave_every
        {
            b.last_autosave = Instant::now();
            let project = self.doc.project.clone();
            let path = self.doc.path.clone();
            b.autosave = Some(Task::spawn("the autosave", None, move || {
                crate::project::recovery::write_recovery(&project, path.as_deref())
            }));
        }
    }

    fn poll_autosave(&mut self) {
        let Some(r) = self.background.autosave.as_mut().and_then(Task::poll) else {
            return;
        };
        self.background.autosave = None;
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => self.report("could not write the recovery file", &e),
            Err(e) => self.report("could not write the recovery file", &e),
        }
    }

    /// Starts a picture: the window draws it tile by tile over the next
    /// frames (see [`Capture`]), with [`Self::prepare_input`] changing each
    /// frame's input.
    pub(in crate::ui) fn request_screenshot(&mut self, req: ShotRequest) {
        let Some(c) = &self.frame.ctx else {
            self.say("no window to take a picture of yet");
            return;
        };
        let native = c.native_pixels_per_point().unwrap_or(1.0);
        self.shots.capture = Some(Capture::new(
            req,
            c.viewport_rect(),
            native,
            c.pixels_per_point(),
        ));
        c.request_repaint();
    }

    fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some(capture) = self.shots.capture.as_mut() else {
            return;
        };
        ctx.input(|i| {
            for e in &i.raw.events {
                if let egui::Event::Screenshot {
                    image, user_data, ..
                } = e
                {
                    capture.receive(tag_of(user_data), image);
                }
            }
        });
        if let Some(cmd) = capture.command() {
            ctx.send_viewport_cmd(cmd);
        }
        if !capture.done() && !capture.overdue() {
            ctx.request_repaint();
            return;
        }
        let Some(capture) = self.shots.capture.take() else {
            return;
        };
        // This frame was drawn for a tile; draw the normal one next.
        ctx.request_repaint();
        let req = &capture.req;
        let result = if capture.done() {
            save_png(&req.path, capture.image(), req.crop, capture.picture_ppp())
        } else {
            Err(SaveImageError::Incomplete)
        };
        self.message = Some(match &result {
            Ok(()) => format!("picture saved to {}", req.path.display()),
            Err(e) => format!("could not save the picture: {e}"),
        });
        if req.then_quit {
            if self.panels.perf_open {
                println!(
                    "{}",
                    self.shots.frames.summary(self.run.history.steps.len())
                );
            }
            if let Err(e) = result {
                eprintln!("could not save the screenshot {}: {e}", req.path.display());
            }
            self.frame.quit_confirmed = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn step_script(&mut self, ctx: &egui::Context) {
        let Some(s) = self.shots.script.as_ref() else {
            return;
        };
        ctx.request_repaint();
        if s.requested {
            return;
        }
        let n = s.train_steps;
        if n > 0 && self.run.state == RunState::Idle {
            self.start_run(true, usize::try_from(n).unwrap_or(usize::MAX));
            return;
        }
        let trained = n == 0
            || self.run.history.steps.len() as u64 >= n
            || matches!(self.run.state, RunState::Finished(_) | RunState::Failed(_));
        if !trained || self.doc.reading_data() || self.preview.busy() {
            return;
        }
        let Some(s) = self.shots.script.as_mut() else {
            return;
        };
        s.settle += 1;
        if s.settle >= 10 {
            s.requested = true;
            let path = s.screenshot.clone();
            let scale = s.scale;
            self.request_screenshot(ShotRequest {
                path,
                crop: None,
                then_quit: true,
                scale,
            });
        }
    }
}

/// A structural change in words, as the runs' diff says it ("hidden 1
/// units 32 → 48; + Dense after relu 1").
fn edit_words(before: &Graph, after: &crate::model::Project) -> String {
    let mut old = after.clone();
    old.graph = before.clone();
    let words = crate::runs::diff::diff_words(&crate::runs::diff::design_diff(&old, after));
    if words.is_empty() {
        "the network changed".into()
    } else {
        words
    }
}

/// Whether two graphs have the same layers and wires (names and positions
/// aside).
pub fn same_structure(a: &Graph, b: &Graph) -> bool {
    a.edges() == b.edges()
        && a.nodes().len() == b.nodes().len()
        && a.nodes()
            .iter()
            .zip(b.nodes())
            .all(|(x, y)| x.id == y.id && x.spec == y.spec)
}
