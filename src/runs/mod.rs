//! The record of each training run, kept beside the project.
//!
//! A run is a folder `<project stem>.runs/<run id>/` (or, for a project
//! whose folder cannot be written, a bundled example or an untitled
//! project, the same under the user's data directory — see [`store`]):
//!
//! - `run.ron` — the manifest ([`RunFile`]): when it started, how long it
//!   trained, why it stopped, the seeds, and the checkpoints kept;
//! - `project.ron` — the project exactly as trained, in `project`'s format;
//! - `steps.csv` — every step's loss and learning rate;
//! - `epochs.csv` — each epoch's metrics;
//! - `label.ron` — the user's name for the run, pinned, hidden (optional);
//! - `step-NNNNNNNNNN.safetensors` — checkpoints of every parameter and
//!   buffer; step 0 is the initial weights.
//!
//! The manifest and the checkpoints are written atomically (temporary file,
//! then rename); the CSV files only ever grow by whole lines, and a torn
//! last line is ignored when read. So a run that is killed leaves a record
//! that reads back up to its last checkpoint. [`writer::RunWriter`] does
//! the writing on a thread of its own, so training never waits for a disk.
//!
//! Invariant: this module knows `model` and `project`, never the trainer
//! or the UI; the trainer feeds it plain rows and tensors.

pub mod budget;
pub mod diff;
pub mod error;
pub mod files;
pub mod label;
pub mod record;
pub mod store;
pub mod summary;
pub mod time;
pub mod writer;

pub use budget::Budget;
pub use diff::{DesignChange, design_diff, diff_words};
pub use error::RunsError;
pub use label::RunLabel;
pub use record::{CheckpointEntry, EpochRow, RunFile, RunRecord, StepRow, Stopped};
pub use store::{Listing, RunStore};
pub use summary::summary;
pub use writer::{RunStart, RunWriter};
