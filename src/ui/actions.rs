//! Applying commands: files, edits, training and view switches, in one
//! place. Commands that would lose unsaved changes ask first.

use std::path::Path;
use std::time::Duration;

use crate::model::layout::{Spacing, auto_layout};
use crate::trainer::TrainerCommand;

use super::app::{NeuroglassApp, SideTab};
use super::command::{Answer, Command, PngPart};
use super::document::Document;
use super::files::{Purpose, Request};
use super::jobs::{Overwrite, WeightsUse};
use super::run::RunState;
use super::screenshot::ShotRequest;

impl NeuroglassApp {
    /// Applies one command.
    pub fn apply(&mut self, cmd: Command) {
        let discards = matches!(
            cmd,
            Command::New
                | Command::Open(_)
                | Command::OpenBundled(_)
                | Command::StartLesson(_)
                | Command::OpenDialog
                | Command::Quit
        );
        if discards && self.doc.dirty() && !self.frame.quit_confirmed {
            self.prompts.unsaved = Some(cmd);
            return;
        }
        self.apply_now(cmd);
    }

    /// Applies a command without asking about unsaved changes.
    pub fn apply_now(&mut self, cmd: Command) {
        match cmd {
            Command::New => {
                let mut p = crate::model::Project {
                    name: "Untitled".into(),
                    ..Default::default()
                };
                p.training = crate::model::TrainConfig::default();
                self.replace(Document::new(p, None));
            }
            Command::OpenDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                self.files
                    .request(Request::new(Purpose::Open, dir.as_deref(), ""));
            }
            Command::Open(path) => match Document::open(&path) {
                Ok(d) => self.replace(d),
                Err(e) => self.say(format!("{e} — the open project is unchanged.")),
            },
            Command::Lessons => self.lesson.picker_open = true,
            Command::StartLesson(path) => self.start_lesson(path),
            Command::OpenBundled(name) => match Document::bundled(name) {
                Ok(d) => self.replace(d),
                Err(e) => self.report("", &e),
            },
            Command::Save => match self.doc.path.clone() {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.apply_now(Command::SaveAsDialog),
            },
            Command::SaveAsDialog => self.save_as_dialog(None),
            Command::SaveTo(p) => {
                self.save_to(&p);
            }
            Command::SaveThen(then) => match self.doc.path.clone() {
                Some(p) => self.save_then(&p, *then),
                None => self.save_as_dialog(Some(*then)),
            },
            Command::SaveToThen(p, then) => self.save_then(&p, *then),
            Command::UseCsv(p) => self.use_csv(&p),
            Command::ExportMetricsDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                let name = format!("{}-metrics.csv", file_stem(&self.doc.project.name));
                self.files
                    .request(Request::new(Purpose::ExportMetrics, dir.as_deref(), &name));
            }
            Command::ExportMetrics(p) => {
                let csv = crate::export::metrics::metrics_csv(&self.run.history);
                match crate::project::save::write_atomic(&p, csv.as_bytes()) {
                    Ok(()) => self.say(format!("metrics written to {}", p.display())),
                    Err(e) => self.report("could not write the metrics", &e),
                }
            }
            Command::ExportDataDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                let name = format!("{}-data.csv", file_stem(&self.doc.project.name));
                self.files
                    .request(Request::new(Purpose::ExportData, dir.as_deref(), &name));
            }
            Command::ExportData(p) => self.export_data_csv(p),
            Command::ExportPngDialog(part, scale) => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                let what = match part {
                    PngPart::Window => "window",
                    PngPart::Canvas => "network",
                    PngPart::Views => "views",
                };
                let times = if scale > 1 {
                    format!("@{scale}x")
                } else {
                    String::new()
                };
                let name = format!("{}-{what}{times}.png", file_stem(&self.doc.project.name));
                self.files.request(Request::new(
                    Purpose::ExportPng(part, scale),
                    dir.as_deref(),
                    &name,
                ));
            }
            Command::ExportPng(part, scale, path) => {
                let crop = match part {
                    PngPart::Window => None,
                    PngPart::Canvas => Some(self.canvas.area),
                    PngPart::Views => self.panels.views_rect,
                };
                self.request_screenshot(ShotRequest {
                    path,
                    crop,
                    then_quit: false,
                    scale,
                });
            }
            Command::ExportPytorchDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                let name = format!("{}-pytorch", file_stem(&self.doc.project.name));
                self.files
                    .request(Request::new(Purpose::ExportPytorch, dir.as_deref(), &name));
            }
            Command::ExportPytorch(out) => {
                self.with_weights(WeightsUse::Pytorch(out, Overwrite::Ask));
            }
            Command::ExportOnnxDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                let name = format!("{}.onnx", file_stem(&self.doc.project.name));
                self.files
                    .request(Request::new(Purpose::ExportOnnx, dir.as_deref(), &name));
            }
            Command::ExportOnnx(out) => self.with_weights(WeightsUse::Onnx(out, Overwrite::Ask)),
            Command::ImportOnnxDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                self.files
                    .request(Request::new(Purpose::ImportOnnx, dir.as_deref(), ""));
            }
            Command::ImportOnnx(model) => {
                let shown = model.display().to_string();
                let wake = self.waker();
                if self.background.imports.start(model, wake) {
                    self.say(format!("importing {shown}…"));
                }
            }
            Command::ImageFolderDialog => {
                let dir = self.doc.dir().map(Path::to_path_buf);
                self.files
                    .request(Request::new(Purpose::ImageFolder, dir.as_deref(), ""));
            }
            Command::UseImageFolder(dir) => self.use_image_folder(&dir),
            Command::Quit => {
                self.frame.quit_confirmed = true;
                if let Some(c) = &self.waker_ctx() {
                    c.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            Command::Undo => {
                if let Some(p) = self.editor.undo.undo(&self.doc.project) {
                    self.restore(p);
                }
            }
            Command::Redo => {
                if let Some(p) = self.editor.undo.redo(&self.doc.project) {
                    self.restore(p);
                }
            }
            Command::Copy => self.copy(),
            Command::Cut => {
                self.copy();
                self.editor.delete_selection(&mut self.doc.project);
            }
            Command::Paste(text) => {
                self.editor.paste(&mut self.doc.project, text.as_deref());
            }
            Command::Duplicate => {
                self.editor.duplicate(&mut self.doc.project);
            }
            Command::Delete => {
                self.editor.delete_selection(&mut self.doc.project);
            }
            Command::SelectAll => {
                self.editor.selection.nodes = self
                    .doc
                    .project
                    .graph
                    .nodes()
                    .iter()
                    .map(|n| n.id)
                    .collect();
            }
            Command::Append(spec) => {
                self.editor.append(&mut self.doc.project, spec);
                self.panels.side_tab = SideTab::Layer;
            }
            Command::AutoLayout => {
                let placed = auto_layout(&self.doc.project.graph, Spacing::default());
                for (id, pos) in placed {
                    if let Some(n) = self.doc.project.graph.node_mut(id) {
                        n.pos = pos;
                    }
                }
                self.canvas.fit_pending = true;
            }
            Command::FitView => self.canvas.fit_pending = true,
            Command::Train | Command::Step => self.train(cmd == Command::Step),
            Command::Pause => self.run.send(TrainerCommand::Pause),
            Command::Resume => self.run.send(TrainerCommand::Resume),
            Command::TogglePause => match self.run.state {
                RunState::Training => self.run.send(TrainerCommand::Pause),
                RunState::Paused => self.run.send(TrainerCommand::Resume),
                _ => {}
            },
            Command::Stop => self.run.send(TrainerCommand::Stop),
            Command::ResetWeights => self.run.send(TrainerCommand::ResetWeights),
            Command::SetStepDelay(ms) => {
                self.controls.delay_ms = ms;
                if self.run.active() {
                    self.run
                        .send(TrainerCommand::SetStepDelay(Duration::from_millis(
                            ms.into(),
                        )));
                }
            }
            Command::SetPace(secs) => {
                if let Some(d) = self.controls.set_pace(secs)
                    && self.run.active()
                {
                    self.run.send(TrainerCommand::SetStepDelay(d));
                }
            }
            // A picture script's steps are not paced (it waits for them).
            Command::Pace(p) => {
                self.controls.pacer = Some(p);
                if p.send && self.run.active() && self.shots.script.is_none() {
                    self.run.send(TrainerCommand::SetStepDelay(p.delay));
                }
            }
            Command::MoreEpochs(n) => self.more_epochs(n),
            Command::Variant(v) => {
                let (said, changed) = v.apply(&mut self.doc.project.graph);
                if changed {
                    self.canvas.fit_pending = true;
                }
                self.say(said);
            }
            // The project's value; a running trainer follows it after
            // the frame (`after_edits`), whichever control changed it.
            Command::SetLearningRate(lr) => {
                if lr.is_finite() && lr > 0.0 {
                    self.doc.project.training.learning_rate = lr;
                }
            }
            Command::SetLoss(loss) => self.doc.project.training.loss = loss,
            Command::UseSavedWeights(on) => self.controls.use_saved_weights = on,
            Command::ToggleTheme => {
                self.prefs.theme = match self.prefs.theme {
                    super::theme::ThemeChoice::Dark => super::theme::ThemeChoice::Light,
                    super::theme::ThemeChoice::Light => super::theme::ThemeChoice::Dark,
                };
            }
            Command::ToggleClassroom => {
                self.prefs.classroom = !self.prefs.classroom;
                self.controls.classroom_changed(self.prefs.classroom);
            }
            Command::SetLayout(l) => self.set_layout(l),
            Command::NextLayout => self.next_layout(),
            Command::ShowHelp => self.panels.help_open = true,
            Command::TogglePerformance => self.panels.perf_open = !self.panels.perf_open,
            Command::ToggleTrace => self.trace.open = !self.trace.open,
            Command::ToggleTiming => self.panels.timing.toggle(),
            Command::Answer(a) => self.answer(a),
            Command::Runs(a) => self.apply_runs(a),
            Command::ContinueRun(id, step) => self.continue_run(&id, step),
            Command::TrainAgain(id) => self.train_again(&id),
        }
    }

    /// Applies the answer to a question the window asked.
    fn answer(&mut self, a: Answer) {
        match a {
            Answer::SaveFirst => {
                if let Some(then) = self.prompts.unsaved.take() {
                    self.apply_now(Command::SaveThen(Box::new(then)));
                }
            }
            Answer::DontSave => {
                if let Some(then) = self.prompts.unsaved.take() {
                    if let Err(e) =
                        crate::project::recovery::discard_recovery(self.doc.path.as_deref())
                    {
                        self.report("could not remove the recovery file", &e);
                    }
                    if then == Command::Quit {
                        self.frame.quit_confirmed = true;
                    }
                    self.apply_now(then);
                }
            }
            Answer::KeepEditing => self.prompts.unsaved = None,
            Answer::RestartTraining => {
                self.prompts.restart = false;
                self.apply_now(Command::Train);
            }
            Answer::KeepOldRun => {
                self.prompts.restart = false;
                self.started_training_keep_old();
                self.apply_now(Command::Resume);
            }
            Answer::UndoChange => {
                self.prompts.restart = false;
                self.apply_now(Command::Undo);
                self.apply_now(Command::Resume);
            }
            Answer::Recover => {
                if let Some(rec) = self.prompts.recovery.take() {
                    match crate::project::load(&rec) {
                        Ok(p) => {
                            // Keep the original path: saving writes the real file.
                            self.doc.project = p;
                            self.doc.refresh();
                        }
                        Err(e) => self.report("the recovery file cannot be read", &e),
                    }
                }
            }
            Answer::ReplaceFiles => {
                if let Some(q) = self.prompts.replace.take() {
                    self.with_weights(q.again);
                }
            }
            Answer::KeepFiles => {
                if self.prompts.replace.take().is_some() {
                    self.say("nothing was exported; the existing files were kept");
                }
            }
            Answer::DiscardRecovery => {
                self.prompts.recovery = None;
                if let Err(e) = crate::project::recovery::discard_recovery(self.doc.path.as_deref())
                {
                    self.report("could not remove the recovery file", &e);
                }
            }
        }
    }

    /// Saves to `path`, then applies `then` if the save succeeded; the
    /// status bar still says where the project was saved.
    fn save_then(&mut self, path: &Path, then: Command) {
        if self.save_to(path) {
            let saved = self.message.take();
            self.apply_now(then);
            if self.message.is_none() {
                self.message = saved;
            }
        }
    }

    fn save_as_dialog(&mut self, then: Option<Command>) {
        let dir = self.doc.dir().map(Path::to_path_buf);
        let name = format!("{}.ron", file_stem(&self.doc.project.name));
        let mut req = Request::new(Purpose::SaveAs, dir.as_deref(), &name);
        if let Some(c) = then {
            req = req.then(c);
        }
        self.files.request(req);
    }

    fn waker_ctx(&self) -> Option<egui::Context> {
        self.frame.ctx.clone()
    }

    fn copy(&mut self) {
        if let Some(text) = self.editor.copy(&self.doc.project)
            && let Some(c) = self.waker_ctx()
        {
            c.copy_text(text);
        }
    }

    fn train(&mut self, paused: bool) {
        if paused && self.run.active() {
            self.run.send(TrainerCommand::Step(1));
            return;
        }
        self.start_run(paused, usize::from(paused));
    }

    /// Starts a run from fresh weights; a paused start then trains `steps`
    /// batches and pauses again.
    pub(super) fn start_run(&mut self, paused: bool, steps: usize) {
        let weights = self
            .controls
            .use_saved_weights
            .then(|| {
                self.doc
                    .path
                    .as_deref()
                    .map(crate::project::weights::weights_path_for)
            })
            .flatten()
            .filter(|p| p.exists());
        let project = self.doc.project.clone();
        self.launch(super::app::Launch {
            project,
            weights,
            parent: None,
            paused,
            steps,
        });
    }

    /// Uses the trained weights (asked of the trainer) or, before any
    /// training, the project's initial ones.
    fn with_weights(&mut self, u: WeightsUse) {
        if self.run.has_weights() {
            self.run.send(TrainerCommand::RequestWeights);
            self.background.jobs.waiting.push(u);
        } else if matches!(u, WeightsUse::Pytorch(..) | WeightsUse::Onnx(..)) {
            let path = self.doc.path.clone();
            self.background
                .jobs
                .start(u, None, &self.doc.project, path.as_deref());
        }
    }

    /// Saves the project to `path`; whether it was saved.
    fn save_to(&mut self, path: &Path) -> bool {
        // Saved in another folder, the data's relative paths are rewritten
        // to name the same files from there (only once the save succeeds).
        let mut source = self.doc.project.data.source.clone();
        if let Some(to) = path.parent() {
            crate::model::load_data::rebase_paths(&mut source, self.doc.dir(), to);
        }
        let moved = source != self.doc.project.data.source;
        let saved = if moved {
            let mut project = self.doc.project.clone();
            project.data.source = source.clone();
            crate::project::save(&project, path)
        } else {
            crate::project::save(&self.doc.project, path)
        };
        match saved {
            Ok(()) => {
                if moved {
                    self.doc.project.data.source = source;
                }
                if self.run.has_weights() {
                    let w = crate::project::weights::weights_path_for(path);
                    self.with_weights(WeightsUse::Save(w));
                }
                let old = self.doc.path.clone();
                self.doc.mark_saved(path.to_path_buf());
                self.prefs.remember(path);
                self.say(format!("saved {}", path.display()));
                for p in [old.as_deref(), Some(path)] {
                    if let Err(e) = crate::project::recovery::discard_recovery(p) {
                        self.report("saved, but the old recovery file remains", &e);
                    }
                }
                true
            }
            Err(e) => {
                self.say(format!(
                    "{e} — nothing was changed on disk; try another place."
                ));
                false
            }
        }
    }

    fn use_csv(&mut self, path: &Path) {
        let shown = match self.doc.dir() {
            Some(d) => path.strip_prefix(d).unwrap_or(path),
            None => path,
        };
        self.doc.project.data.source = crate::model::DataSource::Csv {
            path: shown.display().to_string(),
            target: None,
            classification: true,
            drop_empty: false,
            drop_bad: false,
        };
        self.panels.side_tab = SideTab::Data;
        self.say(format!(
            "using {} as the data; the last column is the target — change it in the Data tab",
            path.display()
        ));
    }
}

/// A file name from a project name: letters, digits, '-' and '_' only.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.trim_matches('_').is_empty() {
        "project".into()
    } else {
        s
    }
}
