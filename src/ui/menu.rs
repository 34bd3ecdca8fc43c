//! The menu bar: File, Data, Edit, View, Train, Lessons, Help.

use super::command::{Command, PngPart};
use super::document::BUNDLED;
use super::prefs::Prefs;
use super::theme::ThemeChoice;

/// What the menus need to know to enable and tick their items.
pub struct MenuState<'a> {
    /// Remembered settings (recent files, theme, panels).
    pub prefs: &'a mut Prefs,
    /// Whether undo and redo have something to do.
    pub can_undo: bool,
    /// See `can_undo`.
    pub can_redo: bool,
    /// Whether layers are selected.
    pub has_selection: bool,
    /// Whether there is a metrics history to export.
    pub has_history: bool,
    /// Whether the performance readout shows.
    pub perf_open: bool,
    /// Whether View ▸ Where the time goes is on.
    pub timing_on: bool,
    /// The window's layout.
    pub layout: super::layout::Layout,
}

/// File ▸ Export's pictures: each part at the window's resolution, and at
/// twice it for slides.
const PNG_ITEMS: [(&str, PngPart, u32); 6] = [
    ("Window as PNG…", PngPart::Window, 1),
    ("Window as PNG, 2× for slides…", PngPart::Window, 2),
    ("Canvas as PNG…", PngPart::Canvas, 1),
    ("Canvas as PNG, 2× for slides…", PngPart::Canvas, 2),
    ("Live views as PNG…", PngPart::Views, 1),
    ("Live views as PNG, 2× for slides…", PngPart::Views, 2),
];

fn item(ui: &mut egui::Ui, out: &mut Vec<Command>, label: &str, enabled: bool, cmd: Command) {
    if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
        out.push(cmd);
        ui.close();
    }
}

/// Draws the menu bar; returns the chosen commands.
pub fn ui(ui: &mut egui::Ui, s: &mut MenuState<'_>) -> Vec<Command> {
    let mut out = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item(ui, &mut out, "New", true, Command::New);
            item(ui, &mut out, "Open…", true, Command::OpenDialog);
            ui.menu_button("Open example", |ui| {
                for (name, _) in BUNDLED {
                    item(ui, &mut out, name, true, Command::OpenBundled(name));
                }
            });
            ui.menu_button("Recent", |ui| {
                if s.prefs.recent.is_empty() {
                    ui.label("nothing yet");
                }
                for p in s.prefs.recent.clone() {
                    item(
                        ui,
                        &mut out,
                        &p.display().to_string(),
                        true,
                        Command::Open(p),
                    );
                }
            });
            ui.separator();
            item(ui, &mut out, "Save", true, Command::Save);
            item(ui, &mut out, "Save as…", true, Command::SaveAsDialog);
            ui.menu_button("Import", |ui| {
                item(ui, &mut out, "ONNX…", true, Command::ImportOnnxDialog);
            });
            ui.menu_button("Export", |ui| {
                item(
                    ui,
                    &mut out,
                    "Metrics CSV…",
                    s.has_history,
                    Command::ExportMetricsDialog,
                );
                item(
                    ui,
                    &mut out,
                    "Data as CSV…",
                    true,
                    Command::ExportDataDialog,
                );
                item(
                    ui,
                    &mut out,
                    "PyTorch script and weights…",
                    true,
                    Command::ExportPytorchDialog,
                );
                item(ui, &mut out, "ONNX…", true, Command::ExportOnnxDialog);
                ui.separator();
                for (label, part, scale) in PNG_ITEMS {
                    item(
                        ui,
                        &mut out,
                        label,
                        true,
                        Command::ExportPngDialog(part, scale),
                    );
                }
            });
            ui.separator();
            item(ui, &mut out, "Quit", true, Command::Quit);
        });
        ui.menu_button("Data", |ui| {
            item(
                ui,
                &mut out,
                "Image folder…",
                true,
                Command::ImageFolderDialog,
            );
        })
        // Told apart from the side panel's "Data" tab by screen readers
        // (and tests).
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, "Data menu"));
        ui.menu_button("Edit", |ui| {
            item(ui, &mut out, "Undo", s.can_undo, Command::Undo);
            item(ui, &mut out, "Redo", s.can_redo, Command::Redo);
            ui.separator();
            item(ui, &mut out, "Cut", s.has_selection, Command::Cut);
            item(ui, &mut out, "Copy", s.has_selection, Command::Copy);
            item(ui, &mut out, "Paste", true, Command::Paste(None));
            item(
                ui,
                &mut out,
                "Duplicate",
                s.has_selection,
                Command::Duplicate,
            );
            item(ui, &mut out, "Delete", s.has_selection, Command::Delete);
            item(ui, &mut out, "Select all", true, Command::SelectAll);
            ui.separator();
            item(ui, &mut out, "Auto-layout", true, Command::AutoLayout);
            ui.separator();
            ui.menu_button("Whole network", |ui| {
                out.extend(super::variants_menu::ui(ui))
            });
        });
        ui.menu_button("View", |ui| {
            ui.menu_button("Layout", |ui| {
                for (l, _, label) in super::layout::LAYOUTS {
                    if ui.radio(s.layout == l, label).clicked() {
                        out.push(Command::SetLayout(l));
                        ui.close();
                    }
                }
            });
            ui.checkbox(&mut s.prefs.show_palette, "Palette");
            ui.checkbox(&mut s.prefs.show_side, "Inspector and training");
            ui.checkbox(&mut s.prefs.show_views, "Live views");
            ui.separator();
            let dark = s.prefs.theme == ThemeChoice::Dark;
            item(
                ui,
                &mut out,
                if dark { "Light theme" } else { "Dark theme" },
                true,
                Command::ToggleTheme,
            );
            let mut classroom = s.prefs.classroom;
            if ui.checkbox(&mut classroom, "Classroom mode").clicked() {
                out.push(Command::ToggleClassroom);
                ui.close();
            }
            item(ui, &mut out, "Fit graph to view", true, Command::FitView);
            item(ui, &mut out, "Trace one sample", true, Command::ToggleTrace);
            let mut perf = s.perf_open;
            if ui.checkbox(&mut perf, "Performance").clicked() {
                out.push(Command::TogglePerformance);
                ui.close();
            }
            let mut timing = s.timing_on;
            if ui.checkbox(&mut timing, "Where the time goes").clicked() {
                out.push(Command::ToggleTiming);
                ui.close();
            }
        });
        ui.menu_button("Lessons", |ui| {
            item(ui, &mut out, "Lessons…", true, Command::Lessons);
        });
        ui.menu_button("Help", |ui| {
            item(
                ui,
                &mut out,
                "Shortcuts and layer reference",
                true,
                Command::ShowHelp,
            );
        });
    });
    out
}
