//! The application, split as in the rerun viewer:
//!
//! - this file: the state, grouped by concern — the document and its
//!   editing (`doc`, `editor`, `canvas`), the run (`run`, `controls`), the
//!   views (`views`, `preview`), the window's panels (`panels`), the
//!   questions it asks (`prompts`), work in the background (`files`,
//!   `background`), remembered settings (`prefs`), pictures and the
//!   frame's own bookkeeping (`shots`, `frame`);
//! - [`logic`]: once per frame before drawing, takes what the trainer and
//!   the background tasks said and keeps the state consistent after edits;
//! - [`frame`]: draws the panels; they return [`Command`]s;
//! - `actions` (in `ui/actions.rs`): applies every command in one place.
//!
//! The project document is the one source of truth for every setting;
//! runtime handles (the trainer, slow motion) live apart in `run` and
//! `controls`.

mod frame;
mod launch;
mod logic;
mod more_epochs;
mod pacing;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::model::{Graph, Project};

use super::canvas::CanvasState;
use super::command::Command;
use super::dialogs::Prompts;
use super::document::Document;
use super::editor::Editor;
use super::files::FileDialogs;
use super::inspector::InspectorState;
use super::jobs::Jobs;
use super::perf::FrameTimes;
use super::prefs::Prefs;
use super::preview::PreviewState;
use super::run::Run;
use super::runs::RunsState;
use super::screenshot::{Capture, Script};
use super::task::Task;
use super::theme::{self, ThemeChoice};
use super::train_panel::RunControls;
use super::views::ViewState;

pub use launch::Launch;
pub use logic::same_structure;

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
    /// Recorded runs.
    Runs,
}

/// The window's panels and windows: which are open, and their sizes.
pub struct Panels {
    /// The right panel's tab.
    pub side_tab: SideTab,
    /// Text being typed in the inspector.
    pub inspector: InspectorState,
    /// Help window open.
    pub help_open: bool,
    /// Performance readout open.
    pub perf_open: bool,
    /// The live views' height as the user left it (points); the panel
    /// keeps it whatever a tab draws.
    pub views_height: f32,
    /// Where the live views were drawn (points).
    pub views_rect: Option<egui::Rect>,
    /// View ▸ Where the time goes.
    pub timing: crate::ui::canvas::timing::TimingView,
    /// What the layouts keep (the Compare layout's second views).
    pub layout: crate::ui::layout::LayoutState,
}

impl Default for Panels {
    fn default() -> Self {
        Self {
            side_tab: SideTab::Layer,
            inspector: InspectorState::default(),
            help_open: false,
            perf_open: false,
            views_height: theme::VIEWS_HEIGHT,
            views_rect: None,
            timing: Default::default(),
            layout: Default::default(),
        }
    }
}

/// Work in the background besides file dialogs: saving weights and
/// exporting, and the autosave.
pub struct Background {
    /// Saving weights and exporting.
    pub jobs: Jobs,
    /// File ▸ Import ▸ ONNX… under way.
    pub imports: super::import::Imports,
    /// The recovery file being written.
    autosave: Option<Task<Result<PathBuf, crate::project::ProjectError>>>,
    last_autosave: Instant,
    /// How often unsaved changes are written to the recovery file.
    pub autosave_every: Duration,
}

impl Default for Background {
    fn default() -> Self {
        Self {
            jobs: Jobs::default(),
            imports: Default::default(),
            autosave: None,
            last_autosave: Instant::now(),
            autosave_every: AUTOSAVE_EVERY,
        }
    }
}

impl Background {
    /// Whether anything is under way.
    pub fn busy(&self) -> bool {
        self.jobs.busy() || self.imports.busy() || self.autosave.is_some()
    }
}

/// Pictures: the scripted run, a picture being taken, frame times.
pub struct Shots {
    /// The scripted run (`--train-steps`, `--screenshot`).
    pub script: Option<Script>,
    /// A picture being taken.
    capture: Option<Capture>,
    /// Frame-time measurements.
    pub frames: FrameTimes,
}

/// What the window keeps between frames for its own bookkeeping.
pub struct FrameState {
    /// The project as of the last undo step.
    committed: Project,
    /// The graph the current run trains.
    run_graph: Option<Graph>,
    applied_look: Option<(ThemeChoice, bool)>,
    /// The user answered "discard" to quitting.
    pub(super) quit_confirmed: bool,
    pub(super) ctx: Option<egui::Context>,
    /// `logic` already ran for the frame being drawn (eframe calls it
    /// before `ui`; a test harness that only calls `ui_frame` does not).
    logic_done: bool,
    /// How many times `logic` ran (one per frame).
    pub logic_runs: u64,
    /// The learning rate the running trainer was last told.
    pub(in crate::ui) sent_lr: Option<f32>,
    /// The views' picked sample the Trace window last saw.
    pub(in crate::ui) traced_pick: Option<usize>,
}

/// The whole window's state.
pub struct NeuroglassApp {
    /// The open project: the one source of truth for every setting.
    pub doc: Document,
    /// Selection, clipboard and undo.
    pub editor: Editor,
    /// Pan, zoom and gestures of the canvas.
    pub canvas: CanvasState,
    /// The data preview.
    pub preview: PreviewState,
    /// The live views' tabs, settings and textures.
    pub views: ViewState,
    /// Training as the window sees it.
    pub run: Run,
    /// One sample's forward and backward pass (the Trace window).
    pub trace: super::trace::TraceState,
    /// Recorded runs: the list, overlaid curves, the timeline.
    pub runs: RunsState,
    /// How this window runs training (slow motion, saved weights): not part
    /// of the project.
    pub controls: RunControls,
    /// The latest message to show in the status bar.
    pub message: Option<String>,
    /// Remembered settings.
    pub prefs: Prefs,
    /// File dialogs under way.
    pub files: FileDialogs,
    /// The questions the window asks.
    pub prompts: Prompts,
    /// Panels and windows.
    pub panels: Panels,
    /// Saving weights, exporting, autosave.
    pub background: Background,
    /// Pictures and frame times.
    pub shots: Shots,
    /// Bookkeeping between frames.
    pub frame: FrameState,
    /// The lesson being followed and the Lessons window.
    pub lesson: super::lesson::LessonState,
    /// File ▸ Export ▸ Data as CSV under way.
    pub data_export: super::data_form::DataExport,
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
            Some(Err(e)) => (Self::fallback(), Some(e.to_string())),
            None => (Self::fallback(), None),
        };
        if let Some(p) = &doc.path {
            prefs.remember(p);
        }
        let prompts = Prompts {
            recovery: crate::project::recovery::find_recovery(doc.path.as_deref()),
            ..Prompts::default()
        };
        let mut files = FileDialogs::default();
        files.recent_places = recent_places(&prefs);
        Self {
            frame: FrameState {
                committed: doc.project.clone(),
                run_graph: None,
                applied_look: None,
                quit_confirmed: false,
                ctx: None,
                logic_done: false,
                logic_runs: 0,
                sent_lr: None,
                traced_pick: None,
            },
            doc,
            editor: Editor::default(),
            canvas: CanvasState::fitted(),
            preview: PreviewState::default(),
            views: ViewState::default(),
            run: Run::default(),
            trace: Default::default(),
            runs: RunsState::default(),
            controls: RunControls::new(prefs.classroom),
            message,
            prefs,
            files,
            prompts,
            panels: Panels::default(),
            background: Background::default(),
            shots: Shots {
                script: None,
                capture: None,
                frames: FrameTimes::new(crate::ui::process_start()),
            },
            lesson: Default::default(),
            data_export: Default::default(),
        }
    }

    fn fallback() -> Document {
        // The bundled example parses: a test checks every bundled file.
        Document::bundled("spiral.ron").unwrap_or_else(|_| Document::new(Project::default(), None))
    }

    /// Replaces the document (after any unsaved-changes question).
    pub(super) fn replace(&mut self, doc: Document) {
        self.run.forget_project();
        self.frame.committed = doc.project.clone();
        // A file's own recovery file; the shared one of unsaved projects is
        // offered at start only, not on every New or example opened.
        self.prompts.recovery = doc
            .path
            .as_deref()
            .and_then(|p| crate::project::recovery::find_recovery(Some(p)));
        if let Some(p) = &doc.path {
            self.prefs.remember(p);
            self.files.recent_places = recent_places(&self.prefs);
        }
        self.doc = doc;
        self.editor = Editor::default();
        self.canvas.fit_pending = true;
        self.frame.run_graph = None;
        self.prompts.restart = false;
        self.message = None;
    }

    /// Records that training started on the current graph.
    pub(super) fn started_training(&mut self) {
        self.frame.run_graph = Some(self.doc.project.graph.clone());
        self.prompts.restart = false;
    }

    /// Keeps training the graph of the run (the user chose not to restart):
    /// later edits are compared with the graph as it is now.
    pub(super) fn started_training_keep_old(&mut self) {
        self.frame.run_graph = Some(self.doc.project.graph.clone());
    }

    /// A context to wake the window from other threads.
    pub(super) fn waker(&self) -> Option<Box<dyn Fn() + Send>> {
        wake_with(self.frame.ctx.clone())()
    }

    /// Applies what was asked of the Runs panel or the timeline.
    pub(super) fn apply_runs(&mut self, action: super::runs::RunsAction) {
        self.runs.apply(action, wake_with(self.frame.ctx.clone()));
    }

    /// Whether a picture is being taken (its frames are not the normal
    /// ones; the run's events wait, so every tile shows the same state).
    pub fn capturing(&self) -> bool {
        self.shots.capture.is_some()
    }

    /// Changes a frame's input while a picture is being taken: eframe calls
    /// it before each frame (`raw_input_hook`); a test harness may too.
    pub fn prepare_input(&mut self, raw: &mut egui::RawInput) {
        if let Some(c) = self.shots.capture.as_mut() {
            c.prepare_input(raw);
        }
    }

    /// Sets the committed state after undo or redo.
    pub(super) fn restore(&mut self, p: Project) {
        self.doc.project = p.clone();
        self.frame.committed = p;
        self.editor
            .selection
            .retain_existing(&self.doc.project.graph);
        self.doc.refresh();
    }

    /// Shows a message in the status bar.
    pub(super) fn say(&mut self, m: impl Into<String>) {
        self.message = Some(m.into());
    }

    /// Shows an error in the status bar: the one place errors of commands
    /// and background tasks end up.
    pub(super) fn report(&mut self, context: &str, e: &dyn std::error::Error) {
        self.message = Some(if context.is_empty() {
            e.to_string()
        } else {
            format!("{context}: {e}")
        });
    }
}

/// Makes wakers of the window (none before its first frame).
fn wake_with(ctx: Option<egui::Context>) -> impl Fn() -> Option<Box<dyn Fn() + Send>> {
    move || {
        ctx.clone()
            .map(|c| Box::new(move || c.request_repaint()) as Box<dyn Fn() + Send>)
    }
}

/// The folders of recently used projects, for the in-app file dialog.
fn recent_places(prefs: &Prefs) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in &prefs.recent {
        if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty())
            && !out.iter().any(|o| o == d)
        {
            out.push(d.to_path_buf());
        }
    }
    out
}

/// A command waiting for the user, for tests and the status bar.
impl NeuroglassApp {
    /// The command waiting for the answer to "save changes?", if any.
    pub fn pending(&self) -> Option<&Command> {
        self.prompts.unsaved.as_ref()
    }
}

impl eframe::App for NeuroglassApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.logic_step(ctx);
        self.pace_step();
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
