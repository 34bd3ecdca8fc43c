//! The window: a layer palette, the network canvas, the inspector and
//! training settings, live plots and a status bar, with menus, shortcuts,
//! undo, files and themes. Everything drawn lives here; no training math.

pub mod actions;
pub mod app;
pub mod canvas;
pub mod command;
pub mod data_form;
pub mod data_picker;
pub mod data_source_form;
pub mod dialogs;
pub mod document;
pub mod editor;
pub mod files;
pub mod help;
pub mod import;
pub mod inspector;
pub mod jobs;
pub mod layout;
pub mod lesson;
pub mod menu;
pub mod pace;
pub mod palette;
pub mod perf;
pub mod plots;
pub mod prefs;
pub mod preview;
pub mod run;
pub mod runs;
pub mod screenshot;
pub mod shortcuts;
pub mod status;
pub mod task;
pub mod theme;
pub mod trace;
pub mod train_panel;
pub mod training_form;
pub mod variants_menu;
pub mod views;

use std::sync::OnceLock;
use std::time::Instant;

pub use app::NeuroglassApp;

static START: OnceLock<Instant> = OnceLock::new();

/// When the program started (the first call fixes it; `main` calls it first).
pub fn process_start() -> Instant {
    *START.get_or_init(Instant::now)
}

/// How the window starts.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The project to open (default: the bundled spiral example).
    pub project: Option<std::path::PathBuf>,
    /// Train this many batches, save a picture, quit (with `screenshot`).
    pub script: Option<screenshot::Script>,
    /// Start in classroom mode.
    pub classroom: bool,
    /// Start with the light theme.
    pub light: bool,
    /// The live view to show first.
    pub view: Option<views::ViewTab>,
    /// Open the frame-time readout (and print it when a script ends).
    pub performance: bool,
    /// The window's size in points (`--size WxH`), else 1400×860.
    pub size: Option<[f32; 2]>,
    /// The layout to start in (`--layout`), else the project's remembered one.
    pub layout: Option<layout::Layout>,
}

/// Opens the window.
///
/// # Errors
/// When no window can be opened (no display, no OpenGL).
pub fn run(opts: Options) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size(opts.size.unwrap_or([1400.0, 860.0]))
            .with_title("Neuroglass")
            .with_drag_and_drop(true),
        // A scripted run must not change the user's remembered settings,
        // and a size asked for wins over the remembered one.
        persist_window: opts.script.is_none() && opts.size.is_none(),
        // Scripted pictures start from the default layout, not the user's.
        persistence_path: opts.script.as_ref().map(|_| {
            std::env::temp_dir().join(format!("neuroglass-script-{}.ron", std::process::id()))
        }),
        ..Default::default()
    };
    eframe::run_native(
        "Neuroglass",
        options,
        Box::new(move |cc| {
            let mut prefs: prefs::Prefs = cc
                .storage
                .filter(|_| opts.script.is_none())
                .and_then(|s| eframe::get_value(s, prefs::KEY))
                .unwrap_or_default();
            prefs.classroom |= opts.classroom;
            if opts.light {
                prefs.theme = theme::ThemeChoice::Light;
            }
            let mut app = NeuroglassApp::with_prefs(opts.project, prefs);
            app.shots.script = opts.script;
            app.panels.perf_open = opts.performance;
            if let Some(v) = opts.view {
                app.views.tab = v;
            }
            if let Some(l) = opts.layout {
                app.set_layout(l);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}
