//! File ▸ Import ▸ ONNX…: an ONNX model becomes a project as a background
//! [`Task`] (the window never waits), written beside the model as
//! `<name>.ron` with its weights in `<name>.safetensors` — as
//! `neuroglass import` writes them — under names no existing file has
//! (`<name>-2.ron`…), then opened; the window's "use saved weights" starts
//! runs from the imported weights. Nothing is written unless the whole
//! model imports.

use std::path::{Path, PathBuf};

use super::command::Command;
use super::task::Task;

/// A finished import: the project file to open and what to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDone {
    /// The project written.
    pub project: PathBuf,
    /// The status bar's sentence.
    pub message: String,
}

/// An import under way.
#[derive(Default)]
pub struct Imports {
    task: Option<Task<Result<ImportDone, String>>>,
}

/// Most `-N` suffixes tried for a free name.
const MAX_SUFFIX: usize = 100;

/// `<stem>.ron` and `<stem>.safetensors` beside `model`, or with `-2`,
/// `-3`… where either exists.
pub fn free_names(model: &Path) -> Option<(PathBuf, PathBuf)> {
    let dir = model.parent().unwrap_or(Path::new("."));
    let stem = model
        .file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned());
    (1..=MAX_SUFFIX).find_map(|i| {
        let name = if i == 1 {
            stem.clone()
        } else {
            format!("{stem}-{i}")
        };
        let p = dir.join(format!("{name}.ron"));
        let w = crate::project::weights::weights_path_for(&p);
        (!p.exists() && !w.exists()).then_some((p, w))
    })
}

/// Imports `model` and writes the project and weights; the project's path.
///
/// # Errors
/// The import's or the write's message, naming the file.
pub fn import_to_files(model: &Path) -> Result<ImportDone, String> {
    let imported = crate::onnx::import::import_file(model)
        .map_err(|e| format!("{}: {e} — nothing was imported", model.display()))?;
    let (project, weights) = free_names(model).ok_or_else(|| {
        format!(
            "{}: no free project name beside it (tried {MAX_SUFFIX}); move the model to another folder",
            model.display()
        )
    })?;
    let text = crate::project::to_string(&imported.project).map_err(|e| e.to_string())?;
    let bytes = crate::project::weights::weights_bytes(&weights, &imported.weights)
        .map_err(|e| e.to_string())?;
    crate::project::save::write_atomic_all(&[
        (project.as_path(), text.as_bytes()),
        (weights.as_path(), bytes.as_slice()),
    ])
    .map_err(|e| format!("{e} — nothing was imported; copy the model to a folder you can write"))?;
    let stand_in = matches!(
        imported.project.data.source,
        crate::model::DataSource::StandIn { .. }
    );
    Ok(ImportDone {
        message: format!(
            "imported {} as {} ({} layers, weights in {}){}",
            model.display(),
            project.display(),
            imported.project.graph.nodes().len(),
            weights.display(),
            if stand_in {
                " — its data is a random stand-in: choose data of its input shape to train"
            } else {
                ""
            }
        ),
        project,
    })
}

impl Imports {
    /// Starts importing `model`; `wake` is called when done. An import
    /// already under way is kept (the new request is refused).
    pub fn start(&mut self, model: PathBuf, wake: Option<Box<dyn Fn() + Send>>) -> bool {
        if self.task.is_some() {
            return false;
        }
        self.task = Some(Task::spawn("the ONNX import", wake, move || {
            import_to_files(&model)
        }));
        true
    }

    /// The finished import, once: the command that opens its project and
    /// the sentence to show, or why it failed.
    pub fn poll(&mut self) -> Option<Result<(Command, String), String>> {
        let r = self.task.as_mut()?.poll()?;
        self.task = None;
        Some(
            r.map_err(|e| e.to_string())
                .and_then(|r| r)
                .map(|d| (Command::Open(d.project), d.message)),
        )
    }

    /// Whether an import is under way.
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }
}

impl super::app::NeuroglassApp {
    /// Takes a finished ONNX import: opens its project (asking about
    /// unsaved changes first) and says what was written.
    pub fn poll_imports(&mut self) {
        match self.background.imports.poll() {
            Some(Ok((open, message))) => {
                self.apply(open);
                self.say(message);
            }
            Some(Err(m)) => self.say(m),
            None => {}
        }
    }
}
