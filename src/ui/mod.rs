//! The window (first slice): open an example, see its layers, shapes and
//! problems, train it with live loss curves, and steer the run. The node
//! canvas editor comes next.

pub mod app;
pub mod command;
pub mod document;
pub mod plots;
pub mod project_panel;
pub mod run;
pub mod status;
pub mod theme;
pub mod train_panel;

pub use app::NeuroglassApp;

/// Opens the window on `project`, or on the bundled spiral example.
///
/// # Errors
/// When no window can be opened (no display, no OpenGL).
pub fn run(project: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("Neuroglass"),
        ..Default::default()
    };
    eframe::run_native(
        "Neuroglass",
        options,
        Box::new(|_cc| Ok(Box::new(NeuroglassApp::new(project)))),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}
