//! File dialogs: native ones through `rfd` on a helper thread (the window
//! never waits for them), and an in-app path field when no dialog service
//! answers (no desktop portal, e.g. under a bare X server).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};

use super::command::{Command, PngPart};

/// An answer faster than this with no file means no dialog appeared.
const NO_SERVICE: Duration = Duration::from_millis(400);

/// What a file is being chosen for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A project to open.
    Open,
    /// Where to save the project.
    SaveAs,
    /// Where to write the metrics CSV.
    ExportMetrics,
    /// Where to write a picture, and at what scale.
    ExportPng(PngPart, u32),
    /// The folder for a PyTorch export.
    ExportPytorch,
}

impl Purpose {
    fn title(self) -> &'static str {
        match self {
            Self::Open => "Open project",
            Self::SaveAs => "Save project as",
            Self::ExportMetrics => "Export metrics CSV",
            Self::ExportPng(..) => "Export picture (PNG)",
            Self::ExportPytorch => "Export to PyTorch (folder)",
        }
    }

    fn command(self, path: PathBuf) -> Command {
        match self {
            Self::Open => Command::Open(path),
            Self::SaveAs => Command::SaveTo(with_ext(path, "ron")),
            Self::ExportMetrics => Command::ExportMetrics(with_ext(path, "csv")),
            Self::ExportPng(part, scale) => Command::ExportPng(part, scale, with_ext(path, "png")),
            Self::ExportPytorch => Command::ExportPytorch(path),
        }
    }
}

fn with_ext(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(ext)
    }
}

/// The in-app path field.
pub struct PathPrompt {
    purpose: Purpose,
    /// The path being typed.
    pub text: String,
    note: Option<String>,
}

/// Dialogs under way.
pub struct FileDialogs {
    /// Try native dialogs first.
    pub native: bool,
    pending: Option<(Purpose, Receiver<Option<PathBuf>>, Instant)>,
    /// The in-app path field, when shown.
    pub prompt: Option<PathPrompt>,
}

impl Default for FileDialogs {
    fn default() -> Self {
        Self {
            native: std::env::var_os("NEUROGLASS_NO_NATIVE_DIALOGS").is_none(),
            pending: None,
            prompt: None,
        }
    }
}

/// Whether a desktop dialog service can be reached at all.
fn dialog_service_likely() -> bool {
    cfg!(any(target_os = "windows", target_os = "macos"))
        || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

impl FileDialogs {
    /// Asks for a file, starting in `dir`, suggesting `name` for saving.
    pub fn request(&mut self, purpose: Purpose, dir: Option<&Path>, name: &str) {
        if self.pending.is_some() {
            return;
        }
        let suggested = dir.map_or_else(|| PathBuf::from(name), |d| d.join(name));
        if !self.native || !dialog_service_likely() {
            self.prompt(purpose, &suggested, None);
            return;
        }
        let (tx, rx) = bounded(1);
        let dir = dir.map(Path::to_path_buf);
        let name = name.to_string();
        let spawned = std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let mut d = rfd::FileDialog::new().set_title(purpose.title());
                if let Some(dir) = dir {
                    d = d.set_directory(dir);
                }
                let picked = match purpose {
                    Purpose::Open => d.add_filter("Neuroglass project", &["ron"]).pick_file(),
                    Purpose::SaveAs => d
                        .add_filter("Neuroglass project", &["ron"])
                        .set_file_name(name)
                        .save_file(),
                    Purpose::ExportMetrics => d
                        .add_filter("CSV", &["csv"])
                        .set_file_name(name)
                        .save_file(),
                    Purpose::ExportPytorch => d.pick_folder(),
                    Purpose::ExportPng(..) => d
                        .add_filter("PNG image", &["png"])
                        .set_file_name(name)
                        .save_file(),
                };
                let _ = tx.send(picked);
            });
        match spawned {
            Ok(_) => self.pending = Some((purpose, rx, Instant::now())),
            Err(_) => self.prompt(purpose, &suggested, None),
        }
    }

    fn prompt(&mut self, purpose: Purpose, suggested: &Path, note: Option<String>) {
        self.prompt = Some(PathPrompt {
            purpose,
            text: suggested.display().to_string(),
            note,
        });
    }

    /// Takes a native dialog's answer, if it came.
    pub fn poll(&mut self) -> Option<Command> {
        let (purpose, rx, started) = self.pending.as_ref()?;
        let answer = rx.try_recv().ok()?;
        let (purpose, quick) = (*purpose, started.elapsed() < NO_SERVICE);
        self.pending = None;
        match answer {
            Some(path) => Some(purpose.command(path)),
            None if quick => {
                self.native = false;
                let note = "No file dialog is available here; type the path.".to_string();
                self.prompt(purpose, Path::new(""), Some(note));
                None
            }
            None => None,
        }
    }

    /// Whether a native dialog is open.
    pub fn waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Draws the in-app path field; returns the command when confirmed.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Command> {
        let p = self.prompt.as_mut()?;
        let mut result = None;
        let mut close = false;
        egui::Modal::new(egui::Id::new("path-prompt")).show(ctx, |ui| {
            ui.heading(p.purpose.title());
            if let Some(n) = &p.note {
                ui.label(n);
            }
            let field = ui.add(
                egui::TextEdit::singleline(&mut p.text)
                    .desired_width(420.0)
                    .hint_text("/path/to/file")
                    .id_salt("path-field"),
            );
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                if (ui.button("OK").clicked() || enter) && !p.text.trim().is_empty() {
                    result = Some(p.purpose.command(PathBuf::from(p.text.trim())));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.prompt = None;
        }
        result
    }
}
