//! File dialogs: native ones through `rfd` as a background [`Task`] (the
//! window never waits for them), and, where no dialog service answers (no
//! desktop portal, e.g. under a bare X server), the in-app browser of
//! `egui-file-dialog`: folders, the places the user opened projects from,
//! filters by extension, and a name field for saving.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_file_dialog::{DialogState, FileDialog};

use super::command::{Command, PngPart};
use super::task::{Task, TaskError};

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
    /// Where to write the data set as CSV.
    ExportData,
    /// Where to write a picture, and at what scale.
    ExportPng(PngPart, u32),
    /// The folder for a PyTorch export.
    ExportPytorch,
    /// The file of an ONNX export.
    ExportOnnx,
    /// An ONNX model to import.
    ImportOnnx,
    /// A folder of class subfolders of images to use as the data.
    ImageFolder,
}

impl Purpose {
    /// The dialog's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Open => "Open project",
            Self::SaveAs => "Save project as",
            Self::ExportMetrics => "Export metrics CSV",
            Self::ExportData => "Export data as CSV",
            Self::ExportPng(..) => "Export picture (PNG)",
            Self::ExportPytorch => "Export to PyTorch (folder)",
            Self::ExportOnnx => "Export ONNX model",
            Self::ImportOnnx => "Import ONNX model",
            Self::ImageFolder => "Image folder (one subfolder per class)",
        }
    }

    /// The kind of file and its extension (none for a folder).
    fn filter(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Open | Self::SaveAs => Some(("Neuroglass project", "ron")),
            Self::ExportMetrics | Self::ExportData => Some(("CSV", "csv")),
            Self::ExportPng(..) => Some(("PNG image", "png")),
            Self::ExportPytorch | Self::ImageFolder => None,
            Self::ExportOnnx | Self::ImportOnnx => Some(("ONNX model", "onnx")),
        }
    }

    fn command(self, path: PathBuf, then: Option<Command>) -> Command {
        match self {
            Self::Open => Command::Open(path),
            Self::SaveAs => match then {
                Some(c) => Command::SaveToThen(with_ext(path, "ron"), Box::new(c)),
                None => Command::SaveTo(with_ext(path, "ron")),
            },
            Self::ExportMetrics => Command::ExportMetrics(with_ext(path, "csv")),
            Self::ExportData => Command::ExportData(with_ext(path, "csv")),
            Self::ExportPng(part, scale) => Command::ExportPng(part, scale, with_ext(path, "png")),
            Self::ExportPytorch => Command::ExportPytorch(path),
            Self::ExportOnnx => Command::ExportOnnx(with_ext(path, "onnx")),
            Self::ImportOnnx => Command::ImportOnnx(path),
            Self::ImageFolder => Command::UseImageFolder(path),
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

/// One request for a file.
pub struct Request {
    purpose: Purpose,
    dir: Option<PathBuf>,
    name: String,
    /// What to do after the file is used (a New waiting for a Save).
    then: Option<Command>,
}

impl Request {
    /// A request for `purpose`, starting in `dir`, suggesting `name`.
    pub fn new(purpose: Purpose, dir: Option<&Path>, name: &str) -> Self {
        Self {
            purpose,
            dir: dir.map(Path::to_path_buf),
            name: name.to_string(),
            then: None,
        }
    }

    /// Applies `cmd` once the chosen file was used.
    pub fn then(mut self, cmd: Command) -> Self {
        self.then = Some(cmd);
        self
    }
}

/// A native dialog under way: what for, what then, its task, since when.
type Native = (Purpose, Option<Command>, Task<Option<PathBuf>>, Instant);

/// The in-app dialog and the request it answers.
struct InApp {
    dialog: FileDialog,
    purpose: Purpose,
    /// The name suggested for saving.
    name: String,
    then: Option<Command>,
}

/// Dialogs under way.
pub struct FileDialogs {
    /// Try native dialogs first.
    pub native: bool,
    pending: Option<Native>,
    in_app: Option<InApp>,
    /// Folders offered as "recent places" in the in-app dialog.
    pub recent_places: Vec<PathBuf>,
}

impl Default for FileDialogs {
    fn default() -> Self {
        Self {
            native: std::env::var_os("NEUROGLASS_NO_NATIVE_DIALOGS").is_none(),
            pending: None,
            in_app: None,
            recent_places: Vec::new(),
        }
    }
}

/// Whether a desktop dialog service can be reached at all.
fn dialog_service_likely() -> bool {
    cfg!(any(target_os = "windows", target_os = "macos"))
        || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

impl FileDialogs {
    /// Asks for a file (a native dialog, else the in-app one).
    pub fn request(&mut self, req: Request) {
        if self.busy() {
            return;
        }
        if !self.native || !dialog_service_likely() {
            self.open_in_app(req);
            return;
        }
        let Request {
            purpose,
            dir,
            name,
            then,
        } = req;
        let task = Task::spawn("the file dialog", None, move || {
            let mut d = rfd::FileDialog::new().set_title(purpose.title());
            if let Some(dir) = dir {
                d = d.set_directory(dir);
            }
            if let Some((kind, ext)) = purpose.filter() {
                d = d.add_filter(kind, &[ext]);
            }
            match purpose {
                Purpose::Open | Purpose::ImportOnnx => d.pick_file(),
                Purpose::ExportPytorch | Purpose::ImageFolder => d.pick_folder(),
                Purpose::SaveAs
                | Purpose::ExportMetrics
                | Purpose::ExportData
                | Purpose::ExportPng(..)
                | Purpose::ExportOnnx => d.set_file_name(name).save_file(),
            }
        });
        self.pending = Some((purpose, then, task, Instant::now()));
    }

    fn open_in_app(&mut self, req: Request) {
        let start = req
            .dir
            .clone()
            .or_else(|| self.recent_places.first().cloned())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut d = FileDialog::new()
            .title(req.purpose.title())
            .id(egui::Id::new("in-app-file-dialog"))
            .initial_directory(start)
            .default_file_name(&req.name)
            .allow_file_overwrite(true);
        if let Some((kind, ext)) = req.purpose.filter() {
            d = d
                .add_file_filter_extensions(kind, vec![ext])
                .default_file_filter(kind)
                .add_save_extension(kind, ext)
                .default_save_extension(kind);
        }
        let places: Vec<PathBuf> = self.recent_places.clone();
        if !places.is_empty() {
            d = d.add_quick_access("Recent places", |q| {
                for p in &places {
                    let name = p
                        .file_name()
                        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into());
                    q.add_path(&name, p.clone());
                }
            });
        }
        match req.purpose {
            Purpose::Open | Purpose::ImportOnnx => d.pick_file(),
            Purpose::ExportPytorch | Purpose::ImageFolder => d.pick_directory(),
            Purpose::SaveAs
            | Purpose::ExportMetrics
            | Purpose::ExportData
            | Purpose::ExportPng(..)
            | Purpose::ExportOnnx => d.save_file(),
        }
        self.in_app = Some(InApp {
            dialog: d,
            purpose: req.purpose,
            name: req.name,
            then: req.then,
        });
    }

    /// Takes a native dialog's answer, if it came; falls back to the in-app
    /// dialog when no native one appeared.
    pub fn poll(&mut self) -> Option<Result<Command, TaskError>> {
        let (_, _, task, _) = self.pending.as_mut()?;
        let answer = task.poll()?;
        let (purpose, then, _, started) = self.pending.take()?;
        match answer {
            Ok(Some(path)) => Some(Ok(purpose.command(path, then))),
            Ok(None) if started.elapsed() < NO_SERVICE => {
                // No dialog came up: there is no service. Browse in-app.
                self.native = false;
                self.open_in_app(Request {
                    purpose,
                    dir: None,
                    name: String::new(),
                    then,
                });
                None
            }
            Ok(None) => None,
            Err(e) => {
                self.native = false;
                Some(Err(e))
            }
        }
    }

    /// Whether a dialog is open.
    pub fn busy(&self) -> bool {
        self.pending.is_some() || self.in_app.is_some()
    }

    /// Whether a native dialog is open (the window polls for its answer).
    pub fn waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// What the open in-app dialog is for and the file name it suggested.
    pub fn in_app(&self) -> Option<(Purpose, &str)> {
        self.in_app.as_ref().map(|a| (a.purpose, a.name.as_str()))
    }

    /// Draws the in-app dialog; returns the command once a file is chosen.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Command> {
        let a = self.in_app.as_mut()?;
        a.dialog.update(ctx);
        match a.dialog.state() {
            DialogState::Open => None,
            DialogState::Picked(p) => {
                let p = p.clone();
                let a = self.in_app.take()?;
                Some(a.purpose.command(p, a.then))
            }
            DialogState::PickedMultiple(v) => {
                let p = v.first().cloned();
                let a = self.in_app.take()?;
                p.map(|p| a.purpose.command(p, a.then))
            }
            DialogState::Closed | DialogState::Cancelled => {
                self.in_app = None;
                None
            }
        }
    }
}
