//! The application: the window's state, its panels laid out around the
//! canvas, and the bookkeeping after each frame (validation, undo steps,
//! autosave, edits while training).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::model::{Graph, Project};

use super::canvas::{self, CanvasState};
use super::command::Command;
use super::document::Document;
use super::editor::Editor;
use super::files::FileDialogs;
use super::inspector::{self, InspectorState};
use super::jobs::Jobs;
use super::perf::FrameTimes;
use super::prefs::Prefs;
use super::preview::PreviewState;
use super::run::{Run, RunState};
use super::screenshot::{Capture, Script, ShotRequest, save_png, tag_of};
use super::theme::{self, ThemeChoice};
use super::views::ViewState;
use super::{
    data_form, dialogs, help, menu, palette, shortcuts, status, train_panel, training_form,
};

/// How long one frame may spend taking trainer events.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// How often unsaved changes are written to the recovery file.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(20);

/// The tabs of the right-hand panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideTab {
    /// The selected layer.
    Layer,
    /// Loss, optimizer and the rest.
    Training,
    /// The data set.
    Data,
}

/// The whole window's state.
pub struct NeuroglassApp {
    /// The open project.
    pub doc: Document,
    /// Selection, clipboard and undo.
    pub editor: Editor,
    /// Pan, zoom and gestures of the canvas.
    pub canvas: CanvasState,
    /// Text being typed in the inspector.
    pub inspector: InspectorState,
    /// The data preview.
    pub preview: PreviewState,
    /// The live views' tabs, settings and textures.
    pub views: ViewState,
    /// Training as the window sees it.
    pub run: Run,
    /// The learning-rate control.
    pub lr: f32,
    /// Slow motion: milliseconds to wait after each batch.
    pub delay_ms: u32,
    /// The latest message to show in the status bar.
    pub message: Option<String>,
    /// Remembered settings.
    pub prefs: Prefs,
    /// File dialogs under way.
    pub files: FileDialogs,
    /// A command waiting for the answer to "save changes?".
    pub pending: Option<Command>,
    /// The graph changed while training: ask whether to restart.
    pub restart_prompt: bool,
    /// A recovery file to offer.
    pub recovery_offer: Option<PathBuf>,
    /// Help window open.
    pub help_open: bool,
    /// Performance readout open.
    pub perf_open: bool,
    /// The right panel's tab.
    pub side_tab: SideTab,
    /// Frame-time measurements.
    pub frames: FrameTimes,
    /// Saving weights and exporting.
    pub jobs: Jobs,
    /// Start training from the weights saved beside the project.
    pub use_saved_weights: bool,
    /// The scripted run (`--train-steps`, `--screenshot`).
    pub script: Option<Script>,
    /// A picture being taken.
    capture: Option<Capture>,
    /// Where the live views were drawn (points).
    pub views_rect: Option<egui::Rect>,
    /// The project as of the last undo step.
    committed: Project,
    /// The graph the current run trains.
    run_graph: Option<Graph>,
    last_autosave: Instant,
    applied_look: Option<(ThemeChoice, bool)>,
    /// The user answered "discard" to quitting.
    pub(super) quit_confirmed: bool,
    pub(super) ctx: Option<egui::Context>,
}

impl NeuroglassApp {
    /// Opens `path`, or the bundled spiral example.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self::with_prefs(path, Prefs::default())
    }

    /// Opens `path` with remembered settings.
    pub fn with_prefs(path: Option<PathBuf>, mut prefs: Prefs) -> Self {
        let (doc, message) = match path.as_deref().map(Document::open) {
            Some(Ok(d)) => (d, None),
            Some(Err(e)) => (Self::fallback(), Some(e)),
            None => (Self::fallback(), None),
        };
        if let Some(p) = &doc.path {
            prefs.remember(p);
        }
        let recovery_offer = crate::project::recovery::find_recovery(doc.path.as_deref());
        let lr = doc.project.training.learning_rate;
        Self {
            committed: doc.project.clone(),
            doc,
            editor: Editor::default(),
            canvas: CanvasState::fitted(),
            inspector: InspectorState::default(),
            preview: PreviewState::default(),
            views: ViewState::default(),
            run: Run::default(),
            lr,
            delay_ms: 0,
            message,
            prefs,
            files: FileDialogs::default(),
            pending: None,
            restart_prompt: false,
            recovery_offer,
            help_open: false,
            perf_open: false,
            side_tab: SideTab::Layer,
            frames: FrameTimes::new(crate::ui::process_start()),
            run_graph: None,
            jobs: Jobs::default(),
            use_saved_weights: true,
            script: None,
            capture: None,
            views_rect: None,
            last_autosave: Instant::now(),
            applied_look: None,
            quit_confirmed: false,
            ctx: None,
        }
    }

    fn fallback() -> Document {
        // The bundled example parses: a test checks every bundled file.
        Document::bundled("spiral.ron").unwrap_or_else(|_| Document::new(Project::default(), None))
    }

    /// Replaces the document (after any unsaved-changes question).
    pub(super) fn replace(&mut self, doc: Document) {
        self.run.forget_project();
        self.lr = doc.project.training.learning_rate;
        self.committed = doc.project.clone();
        self.recovery_offer = crate::project::recovery::find_recovery(doc.path.as_deref());
        if let Some(p) = &doc.path {
            self.prefs.remember(p);
        }
        self.doc = doc;
        self.editor = Editor::default();
        self.canvas.fit_pending = true;
        self.run_graph = None;
        self.restart_prompt = false;
        self.message = None;
    }

    /// Records that training started on the current graph.
    pub(super) fn started_training(&mut self) {
        self.run_graph = Some(self.doc.project.graph.clone());
        self.restart_prompt = false;
    }

    /// Keeps training the graph of the run (the user chose not to restart):
    /// later edits are compared with the graph as it is now.
    pub(super) fn started_training_keep_old(&mut self) {
        self.run_graph = Some(self.doc.project.graph.clone());
    }

    /// A context to wake the window from other threads.
    pub(super) fn waker(&self) -> Option<Box<dyn Fn() + Send>> {
        self.ctx
            .clone()
            .map(|c| Box::new(move || c.request_repaint()) as Box<dyn Fn() + Send>)
    }

    /// Takes trainer events and dialog answers (never waits).
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
        if self.capture.is_none() {
            self.run.poll(DRAIN_BUDGET);
        }
        if let Some(w) = self.run.weights.take() {
            let dir = self.doc.dir().map(std::path::Path::to_path_buf);
            for u in std::mem::take(&mut self.jobs.waiting) {
                self.jobs
                    .start(u, Some(w.clone()), &self.doc.project, dir.as_deref());
            }
        }
        for m in self.jobs.poll() {
            self.message = Some(m);
        }
        if let Some(c) = self.files.poll() {
            self.apply(c);
        }
        self.doc.refresh();
        let dir = self.doc.dir().map(std::path::Path::to_path_buf);
        self.preview.update(
            &self.doc.project.data,
            self.doc.project.training.seed,
            dir.as_deref(),
        );
        if self.run.active()
            || self.files.waiting()
            || self.doc.reading_data()
            || self.preview.busy()
        {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.dirty() && !self.quit_confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Command::Quit);
        }
        self.take_screenshot(ctx);
        self.step_script(ctx);
        let look = (self.prefs.theme, self.prefs.classroom);
        if self.applied_look != Some(look) {
            theme::apply(ctx, look.0, look.1);
            // The zoom factor changes the canvas area: fit again.
            self.canvas.fit_pending = true;
            self.applied_look = Some(look);
        }
    }

    /// Starts a picture: the window draws it tile by tile over the next
    /// frames (see [`Capture`]), with [`Self::prepare_input`] changing each
    /// frame's input.
    pub(super) fn request_screenshot(&mut self, req: ShotRequest) {
        let Some(c) = &self.ctx else {
            self.message = Some("no window to take a picture of yet".into());
            return;
        };
        let native = c.native_pixels_per_point().unwrap_or(1.0);
        self.capture = Some(Capture::new(
            req,
            c.viewport_rect(),
            native,
            c.pixels_per_point(),
        ));
        c.request_repaint();
    }

    /// Whether a picture is being taken (its frames are not the normal
    /// ones; the run's events wait, so every tile shows the same state).
    pub fn capturing(&self) -> bool {
        self.capture.is_some()
    }

    /// Changes a frame's input while a picture is being taken: eframe calls
    /// it before each frame (`raw_input_hook`); a test harness may too.
    pub fn prepare_input(&mut self, raw: &mut egui::RawInput) {
        if let Some(c) = self.capture.as_mut() {
            c.prepare_input(raw);
        }
    }

    fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some(capture) = self.capture.as_mut() else {
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
        let Some(capture) = self.capture.take() else {
            return;
        };
        // This frame was drawn for a tile; draw the normal one next.
        ctx.request_repaint();
        let req = &capture.req;
        let result = if capture.done() {
            save_png(&req.path, capture.image(), req.crop, capture.picture_ppp())
        } else {
            Err("the window stopped drawing before the picture was complete".into())
        };
        self.message = Some(match &result {
            Ok(()) => format!("picture saved to {}", req.path.display()),
            Err(e) => format!("could not save the picture: {e}"),
        });
        if req.then_quit {
            if self.perf_open {
                println!("{}", self.frames.summary(self.run.history.steps.len()));
            }
            if let Err(e) = result {
                eprintln!("could not save the screenshot {}: {e}", req.path.display());
            }
            self.quit_confirmed = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn step_script(&mut self, ctx: &egui::Context) {
        let Some(s) = self.script.as_ref() else {
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
        let Some(s) = self.script.as_mut() else {
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

    /// Draws one frame into `ui` and applies what was asked for.
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let began = self.frames.frame_started();
        let ctx = ui.ctx().clone();
        self.logic_step(&ctx);
        let mut cmds = shortcuts::read(&ctx);
        for f in ctx.input(|i| i.raw.dropped_files.clone()) {
            let p = f.path().to_path_buf();
            if !p.as_os_str().is_empty() {
                let csv = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                cmds.push(if csv {
                    Command::UseCsv(p)
                } else {
                    Command::Open(p)
                });
            }
        }
        egui::Panel::top("menu").show(ui, |ui| {
            let mut ms = menu::MenuState {
                prefs: &mut self.prefs,
                can_undo: self.editor.undo.can_undo(),
                can_redo: self.editor.undo.can_redo(),
                has_selection: !self.editor.selection.nodes.is_empty(),
                has_history: !self.run.history.steps.is_empty(),
                perf_open: self.perf_open,
            };
            cmds.extend(menu::ui(ui, &mut ms));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            status::ui(ui, &self.run, &self.doc, self.message.as_deref());
        });
        if self.prefs.show_palette {
            egui::Panel::left("palette")
                .default_size(theme::PALETTE_WIDTH)
                .show(ui, |ui| {
                    if let Some(spec) = palette::ui(ui) {
                        cmds.push(Command::Append(spec));
                    }
                });
        }
        if self.prefs.show_side {
            egui::Panel::right("side")
                .default_size(theme::SIDE_PANEL_WIDTH)
                .show(ui, |ui| self.side_ui(ui, &mut cmds));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.prefs.show_views {
                let r = egui::Panel::bottom("views")
                    .resizable(true)
                    .default_size(theme::VIEWS_HEIGHT)
                    .min_size(theme::VIEWS_MIN_HEIGHT)
                    .show(ui, |ui| {
                        super::views::ui(
                            ui,
                            &self.run,
                            &self.doc,
                            &self.preview,
                            &mut self.views,
                            self.prefs.classroom,
                        )
                    });
                self.views_rect = Some(r.response.rect);
            }
            let overlay = canvas::Overlay {
                snapshot: self.run.live(),
                textures: &mut self.views.textures,
            };
            canvas::ui(
                ui,
                &mut self.doc,
                &mut self.editor,
                &mut self.canvas,
                overlay,
            );
        });
        cmds.extend(dialogs::ui(self, &ctx));
        if let Some(c) = self.files.ui(&ctx) {
            cmds.push(c);
        }
        help::ui(&ctx, &mut self.help_open);
        if self.perf_open {
            let frames = &self.frames;
            egui::Window::new("Performance")
                .open(&mut self.perf_open)
                .show(&ctx, |ui| frames.ui(ui));
        }
        if let Some(row) = self.views.feature_sample.take() {
            self.run
                .send(crate::trainer::TrainerCommand::SetFeatureSample(row));
            self.views.tab = super::views::ViewTab::Convolution;
        }
        for c in cmds {
            self.apply(c);
        }
        self.after_edits(&ctx);
        // Last: a frame that draws a tile of a picture moves what it drew.
        if let Some(c) = self.capture.as_mut() {
            c.end_frame(&ctx);
        }
        self.frames.frame_built(began);
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        cmds.extend(train_panel::ui(
            ui,
            &self.doc,
            &self.run,
            &mut self.lr,
            &mut self.delay_ms,
            &mut self.use_saved_weights,
        ));
        ui.separator();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.side_tab, SideTab::Layer, "Layer");
            ui.selectable_value(&mut self.side_tab, SideTab::Training, "Training");
            ui.selectable_value(&mut self.side_tab, SideTab::Data, "Data");
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("side-scroll")
            .show(ui, |ui| match self.side_tab {
                SideTab::Layer => {
                    inspector::ui(ui, &mut self.doc, &mut self.editor, &mut self.inspector)
                }
                SideTab::Training => training_form::ui(ui, &mut self.doc.project.training),
                SideTab::Data => data_form::ui(ui, &mut self.doc, &mut self.preview),
            });
    }

    /// After the frame's edits: re-validate, record an undo step once the
    /// gesture or typing has settled, pause a run whose graph changed, and
    /// write the recovery file now and then.
    fn after_edits(&mut self, ctx: &egui::Context) {
        self.editor
            .selection
            .retain_existing(&self.doc.project.graph);
        self.doc.refresh();
        let settled = !ctx.input(|i| i.pointer.any_down()) && !ctx.egui_wants_keyboard_input();
        if settled && self.doc.project != self.committed {
            let before = std::mem::replace(&mut self.committed, self.doc.project.clone());
            self.editor.undo.record(before);
        }
        if self.run.active()
            && !self.restart_prompt
            && let Some(g) = &self.run_graph
            && !same_structure(g, &self.doc.project.graph)
        {
            self.run.send(crate::trainer::TrainerCommand::Pause);
            self.restart_prompt = true;
        }
        if self.doc.dirty() && self.last_autosave.elapsed() >= AUTOSAVE_EVERY {
            self.last_autosave = Instant::now();
            let project = self.doc.project.clone();
            let path = self.doc.path.clone();
            let _ = std::thread::Builder::new()
                .name("autosave".into())
                .spawn(move || crate::project::recovery::write_recovery(&project, path.as_deref()));
        }
    }

    /// Sets the committed state after undo or redo.
    pub(super) fn restore(&mut self, p: Project) {
        self.doc.project = p.clone();
        self.committed = p;
        self.editor
            .selection
            .retain_existing(&self.doc.project.graph);
        self.doc.refresh();
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

impl eframe::App for NeuroglassApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.logic_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_frame(ui);
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.prepare_input(raw_input);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, super::prefs::KEY, &self.prefs);
    }
}
