//! Recording runs from the trainer thread into `runs` records.
//!
//! The loop calls a [`Recorder`] after each step, after each epoch and at
//! the end; the recorder keeps every step's loss, takes checkpoints at the
//! early steps 1, 2, 4, 8, … and at each epoch's end (a copy of the
//! weights), and hands them to a [`RunWriter`], whose own thread writes
//! them. Nothing here waits for the disk while the run trains.
//!
//! Which runs are recorded: a `RecordNext` command says where the next run
//! goes (the command line sends one; `--no-record` sends `Off`). A run
//! started by `StartProject` without one is recorded too: beside the
//! project file in its `dir` whose name is the project's (when exactly one
//! file there has it), else in the user's data directory under the
//! project's name.

use std::path::{Path, PathBuf};

use crate::model::Project;
use crate::runs::record::{EpochRow, Parent, StepRow, Stopped};
use crate::runs::{Budget, RunStart, RunStore, RunWriter};

use super::history::EpochMetrics;
use super::protocol::FinishReason;
use super::session::Session;

/// Project files looked at when guessing which file a window's project is.
const GUESS_FILES: usize = 200;
/// Largest project file looked at when guessing.
const GUESS_BYTES: u64 = 1 << 20;

/// Where a run's record goes.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordTo {
    /// Do not record the run.
    Off,
    /// Into the runs of this project file (`None`: a project without a
    /// file, kept in the user's data directory under its name).
    Project(Option<PathBuf>),
    /// Into exactly this store (tests, tools).
    Store(RunStore),
}

/// How to record the next run that starts.
#[derive(Clone, Debug)]
pub struct RecordRequest {
    /// Where.
    pub to: RecordTo,
    /// The project as it will train. Required for `Start` (whose session
    /// does not carry it); `StartProject` uses its own.
    pub project: Option<Project>,
    /// The folder its relative data paths are read from (default: the
    /// `StartProject` folder, else the current directory).
    pub data_dir: Option<PathBuf>,
    /// Bounds on checkpoints.
    pub budget: Budget,
    /// The run and checkpoint this run continues from.
    pub parent: Option<Parent>,
}

impl RecordRequest {
    /// Record into the runs of `project_path` with the default budget.
    pub fn project(project: Project, project_path: Option<PathBuf>) -> Self {
        Self {
            to: RecordTo::Project(project_path),
            project: Some(project),
            data_dir: None,
            budget: Budget::default(),
            parent: None,
        }
    }

    /// Do not record the next run.
    pub fn off() -> Self {
        Self {
            to: RecordTo::Off,
            project: None,
            data_dir: None,
            budget: Budget::default(),
            parent: None,
        }
    }
}

/// The project file in `dir` named like `project`, if exactly one is.
pub fn guess_project_file(dir: Option<&Path>, project: &Project) -> Option<PathBuf> {
    let dir = match dir? {
        d if d.as_os_str().is_empty() => Path::new("."),
        d => d,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten().take(GUESS_FILES) {
        let path = entry.path();
        let small = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= GUESS_BYTES);
        if small
            && path.extension().is_some_and(|e| e == "ron")
            && crate::project::load(&path).is_ok_and(|p| p.name == project.name)
        {
            found.push(path);
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// What a run started by `StartProject` records when no `RecordNext`
/// came: its project, placed by [`guess_project_file`].
pub fn default_request(project: &Project, dir: Option<&Path>) -> RecordRequest {
    let mut r = RecordRequest::project(project.clone(), guess_project_file(dir, project));
    r.data_dir = dir.map(Path::to_path_buf);
    r
}

/// Records one run as the trainer trains it.
pub struct Recorder {
    writer: RunWriter,
    last_checkpoint: u64,
}

impl Recorder {
    /// Starts a record for `session`, or `None` when the request says not
    /// to or no place can be written (then a message goes to stderr: a run
    /// that cannot be recorded still trains).
    pub fn begin(request: RecordRequest, session: &Session) -> Option<Self> {
        let project = request.project?;
        let store = match request.to {
            RecordTo::Off => return None,
            RecordTo::Project(path) => RunStore::for_project(path.as_deref(), &project.name),
            RecordTo::Store(s) => s,
        };
        let data_dir = request.data_dir.or_else(|| std::env::current_dir().ok());
        let start = RunStart {
            data_order_seed: session.config().seed,
            epochs_planned: session.epochs(),
            classification: session.is_classification(),
            project,
            store,
            data_dir,
            parent: request.parent,
            budget: request.budget,
        };
        match RunWriter::start(start, session.network().state_dict()) {
            Ok(writer) => Some(Self {
                writer,
                last_checkpoint: 0,
            }),
            Err(e) => {
                eprintln!("this run is not recorded: {e}");
                None
            }
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        self.writer.id()
    }

    /// The record's folder.
    pub fn dir(&self) -> &Path {
        self.writer.dir()
    }

    /// A change made to the run after `step` (settings, data, or with
    /// `project` the network).
    pub fn edit(&mut self, step: u64, what: &str, project: Option<&Project>) {
        self.writer.edit(step, what, project);
    }

    fn checkpoint(&mut self, session: &Session, step: u64, epoch: Option<usize>, seconds: f64) {
        self.writer
            .checkpoint(step, epoch, session.network().state_dict(), seconds);
        self.last_checkpoint = step;
    }

    /// After a step: its loss; a checkpoint at steps 1, 2, 4, 8, … unless
    /// the step ends its epoch (then [`Recorder::after_epoch`] takes it).
    #[allow(clippy::too_many_arguments)]
    pub fn after_step(
        &mut self,
        session: &Session,
        epoch: usize,
        step: u64,
        loss: f32,
        lr: f32,
        ends_epoch: bool,
        seconds: f64,
    ) {
        self.writer.step(StepRow {
            step,
            epoch,
            loss,
            lr,
        });
        if !ends_epoch && crate::runs::budget::early_checkpoint(step) {
            self.checkpoint(session, step, None, seconds);
        }
    }

    /// After an epoch: its metrics, and the checkpoint of its end (taken
    /// before early stopping may restore other weights, so its numbers
    /// are the ones evaluated).
    pub fn after_epoch(&mut self, session: &Session, m: &EpochMetrics, seconds: f64) {
        self.writer.epoch(
            EpochRow {
                epoch: m.epoch,
                step: m.step,
                train_loss: m.train_loss,
                val_loss: m.val_loss,
                train_metric: m.train_metric,
                val_metric: m.val_metric,
                lr: m.lr,
                seconds: m.seconds,
            },
            seconds,
        );
        self.checkpoint(session, m.step, Some(m.epoch), seconds);
    }

    /// At the end: a checkpoint of where a run stopped mid-epoch, why it
    /// ended, and everything written before returning.
    pub fn finish(mut self, session: &Session, step: u64, reason: &FinishReason, seconds: f64) {
        let diverged = matches!(reason, FinishReason::Diverged { .. });
        if step > self.last_checkpoint && !diverged {
            self.checkpoint(session, step, None, seconds);
        }
        let stopped = Stopped {
            key: reason.key().into(),
            message: reason.to_string(),
        };
        if let Err(e) = self.writer.finish(stopped, seconds) {
            eprintln!("the run record could not be completed: {e}");
        }
    }
}
