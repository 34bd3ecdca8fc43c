//! What menus, panels and shortcuts ask for; applied in one place at the
//! end of a frame.

use std::path::PathBuf;

use crate::model::{LayerSpec, LossKind};

/// An intent from a panel, menu or shortcut.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// An empty project (asks about unsaved changes first).
    New,
    /// Choose a project file to open.
    OpenDialog,
    /// Open a project file.
    Open(PathBuf),
    /// Open a bundled example by its file name.
    OpenBundled(&'static str),
    /// Show the Lessons window.
    Lessons,
    /// Start the lesson in this file (asks about unsaved changes first).
    StartLesson(PathBuf),
    /// Save to the project's file (asks for one if it has none).
    Save,
    /// Choose a file and save there.
    SaveAsDialog,
    /// Save to this file.
    SaveTo(PathBuf),
    /// Save (choosing a file if the project has none), then, once saved,
    /// apply the command (what "Save" in "Save your changes?" does).
    SaveThen(Box<Command>),
    /// Save to this file, then apply the command if the save succeeded.
    SaveToThen(PathBuf, Box<Command>),
    /// Use a CSV file as the data (dropped onto the window).
    UseCsv(PathBuf),
    /// Write the metrics history as CSV: choose a file.
    ExportMetricsDialog,
    /// Write the metrics history as CSV to this file.
    ExportMetrics(PathBuf),
    /// Write the data set as CSV: choose a file.
    ExportDataDialog,
    /// Write the data set as CSV to this file (on a helper thread).
    ExportData(PathBuf),
    /// Save a picture of part of the window: choose a file.
    ExportPngDialog(PngPart, u32),
    /// Save a picture of part of the window to this file, at this many
    /// pixels per pixel of the window (1, or 2 for slides).
    ExportPng(PngPart, u32, PathBuf),
    /// Export to PyTorch: choose a folder.
    ExportPytorchDialog,
    /// Export to PyTorch into this folder (with the trained weights, if any).
    ExportPytorch(PathBuf),
    /// Export as an ONNX model: choose a file.
    ExportOnnxDialog,
    /// Export as an ONNX model to this file (with the trained weights, if any).
    ExportOnnx(PathBuf),
    /// Import an ONNX model as a project: choose the file.
    ImportOnnxDialog,
    /// Import this ONNX model beside it as a project and open it.
    ImportOnnx(PathBuf),
    /// Use a folder of class subfolders of images as the data: choose it.
    ImageFolderDialog,
    /// Use this folder of class subfolders of images as the data.
    UseImageFolder(PathBuf),
    /// Leave the program (asks about unsaved changes first).
    Quit,
    /// Step back one edit.
    Undo,
    /// Step forward one undone edit.
    Redo,
    /// Copy the selected layers.
    Copy,
    /// Copy and delete the selected layers.
    Cut,
    /// Paste layers (from this clipboard text, or the last copy).
    Paste(Option<String>),
    /// Copy and paste the selection in one go.
    Duplicate,
    /// Delete the selection.
    Delete,
    /// Select every layer.
    SelectAll,
    /// Add a layer after the selected one.
    Append(LayerSpec),
    /// Arrange the layers in rows.
    AutoLayout,
    /// Show the whole graph.
    FitView,
    /// Start training from fresh weights.
    Train,
    /// Pause after the current batch.
    Pause,
    /// Continue.
    Resume,
    /// Pause when training, resume when paused.
    TogglePause,
    /// Train one batch, then pause.
    Step,
    /// End the run.
    Stop,
    /// Put the initial weights back.
    ResetWeights,
    /// Change the project's learning rate (a running trainer follows).
    SetLearningRate(f32),
    /// Change the project's loss (the one-click fix for a loss that does
    /// not fit the data).
    SetLoss(LossKind),
    /// Start runs from the weights saved beside the project, or not.
    UseSavedWeights(bool),
    /// Slow motion: milliseconds to wait after each batch (0 = full speed).
    SetStepDelay(u32),
    /// Pace: spread small runs over this many seconds (`None`: off, the
    /// per-batch pause applies).
    SetPace(Option<u32>),
    /// The pacer's state after this frame (sent by the train panel while
    /// a run is under way); its pause goes to the trainer when it changed.
    Pace(super::pace::Pacer),
    /// Train the finished run's last weights for this many more epochs
    /// (a new run, recorded as its child).
    MoreEpochs(usize),
    /// A change to the whole network (Edit menu), undoable like any edit.
    Variant(crate::model::variants::Variant),
    /// Switch light and dark.
    ToggleTheme,
    /// Large fonts and thick lines for a projector, or back.
    ToggleClassroom,
    /// Arrange the window for building, watching or comparing runs
    /// (remembered for the project).
    SetLayout(super::layout::Layout),
    /// The next layout (Build → Watch → Compare → Build).
    NextLayout,
    /// Show the shortcuts and the layer reference.
    ShowHelp,
    /// Show frame times.
    TogglePerformance,
    /// Open or close the Trace window (one sample forward and backward).
    ToggleTrace,
    /// Tint the canvas's nodes by their share of a training step's time.
    ToggleTiming,
    /// The answer to a question the window asked (see `dialogs`).
    Answer(Answer),
    /// Something asked of the Runs panel or the timeline.
    Runs(super::runs::RunsAction),
    /// Start a new run from recorded run `.0`'s checkpoint at step `.1`,
    /// with the current design, recorded as its child.
    ContinueRun(String, u64),
    /// Train the current design again from recorded run `.0`'s initial
    /// weights and data order.
    TrainAgain(String),
}

/// Which part of the window a picture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PngPart {
    /// All of it.
    Window,
    /// The network canvas.
    Canvas,
    /// The live views under the canvas.
    Views,
}

/// An answer to one of the questions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// "Save your changes?" — Save, then do what was asked.
    SaveFirst,
    /// "Save your changes?" — Don't save: do what was asked.
    DontSave,
    /// "Save your changes?" — Cancel: do nothing.
    KeepEditing,
    /// "The network changed" — train the new graph from fresh weights.
    RestartTraining,
    /// "The network changed" — go on training the old graph.
    KeepOldRun,
    /// "The network changed" — undo the edit and go on.
    UndoChange,
    /// "Recover unsaved work?" — Recover.
    Recover,
    /// "Recover unsaved work?" — Discard.
    DiscardRecovery,
    /// "Replace the existing files?" — Replace: run the export again,
    /// replacing them.
    ReplaceFiles,
    /// "Replace the existing files?" — Keep them: export nothing.
    KeepFiles,
}
