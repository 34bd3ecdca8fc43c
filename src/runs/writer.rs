//! `RunWriter`: records a run as it trains, on a thread of its own.
//!
//! The trainer hands it rows and weights without waiting: messages go
//! through a bounded channel, and when that is full they wait in the
//! writer's own queue on the trainer's side until there is room. The
//! thread writes checkpoints and the manifest atomically (temporary file,
//! rename), appends whole lines to the CSV files, and thins checkpoints
//! within the [`Budget`]. It gathers messages for 200 ms before writing,
//! so a run with many short epochs costs a few writes a second (measured
//! on the spiral, 200 epochs of 3 ms each: the same CPU time and training
//! time recorded as not, within the noise of a shared machine). It syncs to disk once, at the end: a killed
//! process leaves a readable record up to its last checkpoint; a power
//! cut may lose what the system had not yet written.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::budget::{Budget, thin};
use super::files;
use super::record::{
    CheckpointEntry, EPOCHS_HEADER, EpochRow, Parent, RUN_FORMAT, RunFile, STEPS_HEADER, StepRow,
    Stopped, checkpoint_file_name,
};
use super::store::RunStore;
use super::{RunsError, time};
use crate::project::NamedTensor;

/// Messages waiting for the writer thread, at most (more wait in the queue).
const CHANNEL: usize = 16;
/// The writer gathers messages for this long before writing them.
const GATHER: Duration = Duration::from_millis(200);
/// Steps are sent to the writer in batches of at most this many…
const STEP_BATCH: usize = 4096;
/// …or at least this often.
const STEP_INTERVAL: Duration = Duration::from_millis(500);

/// What a new record starts with.
#[derive(Clone, Debug)]
pub struct RunStart {
    /// The project exactly as it trains.
    pub project: crate::model::Project,
    /// Where the record goes.
    pub store: RunStore,
    /// The folder the project's relative data paths are read from.
    pub data_dir: Option<PathBuf>,
    /// Epochs planned.
    pub epochs_planned: usize,
    /// Whether the targets are classes.
    pub classification: bool,
    /// The seed of the data order.
    pub data_order_seed: u64,
    /// The run this one continues.
    pub parent: Option<Parent>,
    /// Bounds on the checkpoints.
    pub budget: Budget,
}

enum Msg {
    Steps(Vec<StepRow>),
    Epoch {
        row: EpochRow,
        seconds: f64,
    },
    Checkpoint {
        step: u64,
        epoch: Option<usize>,
        tensors: Vec<NamedTensor>,
        seconds: f64,
    },
    Finish {
        stopped: Stopped,
        steps: u64,
        seconds: f64,
    },
    Edit(super::record::Edit, Option<Box<crate::model::Project>>),
}

/// Records one run. Dropping it without [`RunWriter::finish`] records the
/// run as failed.
pub struct RunWriter {
    id: String,
    dir: PathBuf,
    tx: Option<Sender<Msg>>,
    queue: VecDeque<Msg>,
    steps: Vec<StepRow>,
    last_steps: Instant,
    last_step: u64,
    thread: Option<JoinHandle<Option<RunsError>>>,
}

impl RunWriter {
    /// Makes the run's folder and writes the project and an empty record
    /// (a few small files, written now), then starts the writer thread.
    /// `initial` — the weights before training — becomes the checkpoint
    /// at step 0.
    pub fn start(start: RunStart, initial: Vec<NamedTensor>) -> Result<Self, RunsError> {
        let now = time::unix_now();
        let dir = start.store.create_run_dir(&time::run_id(now))?;
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let made = (|| -> Result<RunFile, RunsError> {
            let text = crate::project::to_string(&start.project)?;
            files::write_replace(&dir.join(files::PROJECT), text.as_bytes())?;
            let file = RunFile {
                format: RUN_FORMAT,
                id: id.clone(),
                name: None,
                started: time::rfc3339(now),
                started_unix: now,
                seconds: 0.0,
                stopped: None,
                pid: std::process::id(),
                epochs_planned: start.epochs_planned,
                epochs: 0,
                steps: 0,
                classification: start.classification,
                seed: start.project.training.seed,
                data_order_seed: start.data_order_seed,
                data_dir: start.data_dir.as_ref().map(|d| {
                    let d = if d.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        d.as_path()
                    };
                    std::fs::canonicalize(d)
                        .unwrap_or_else(|_| d.to_path_buf())
                        .to_string_lossy()
                        .into_owned()
                }),
                parent: start.parent.clone(),
                checkpoints: Vec::new(),
                edits: Vec::new(),
            };
            for (name, header) in [(files::STEPS, STEPS_HEADER), (files::EPOCHS, EPOCHS_HEADER)] {
                files::write_replace(&dir.join(name), header.as_bytes())?;
            }
            write_manifest(&dir, &file)?;
            Ok(file)
        })();
        let file = match made {
            Ok(f) => f,
            Err(e) => {
                // Leave nothing half-made behind.
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let (tx, rx) = bounded(CHANNEL);
        let thread_dir = dir.clone();
        let budget = start.budget;
        let thread = std::thread::Builder::new()
            .name("neuroglass-run-writer".into())
            .spawn(move || write_loop(&thread_dir, file, budget, &rx))
            .map_err(|e| RunsError::io(&dir, e))?;
        let mut w = Self {
            id,
            dir,
            tx: Some(tx),
            queue: VecDeque::new(),
            steps: Vec::new(),
            last_steps: Instant::now(),
            last_step: 0,
            thread: Some(thread),
        };
        w.send(Msg::Checkpoint {
            step: 0,
            epoch: Some(0),
            tensors: initial,
            seconds: 0.0,
        });
        Ok(w)
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The run's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Sends without waiting: into the channel if it has room, else into
    /// the queue (which is retried first next time).
    fn send(&mut self, msg: Msg) {
        self.queue.push_back(msg);
        self.pump();
    }

    fn pump(&mut self) {
        let Some(tx) = &self.tx else { return };
        while let Some(m) = self.queue.pop_front() {
            match tx.try_send(m) {
                Ok(()) => {}
                Err(TrySendError::Full(m)) => {
                    self.queue.push_front(m);
                    return;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.queue.clear();
                    return;
                }
            }
        }
    }

    fn flush_steps(&mut self) {
        if !self.steps.is_empty() {
            let rows = std::mem::take(&mut self.steps);
            self.send(Msg::Steps(rows));
        }
        self.last_steps = Instant::now();
    }

    /// One training step's loss.
    pub fn step(&mut self, row: StepRow) {
        self.last_step = row.step;
        self.steps.push(row);
        if self.steps.len() >= STEP_BATCH || self.last_steps.elapsed() >= STEP_INTERVAL {
            self.flush_steps();
        } else if !self.queue.is_empty() {
            self.pump();
        }
    }

    /// A change made while the run trains (kept in the manifest's
    /// `edits`, in order); for a change of the network, the project as it
    /// trains from then on (written beside the manifest, so the timeline
    /// can show the checkpoints after it).
    pub fn edit(&mut self, step: u64, what: &str, project: Option<&crate::model::Project>) {
        self.flush_steps();
        self.send(Msg::Edit(
            super::record::Edit {
                step,
                what: what.to_string(),
                project: None,
            },
            project.map(|p| Box::new(p.clone())),
        ));
    }

    /// An epoch's metrics; `seconds` trained so far.
    pub fn epoch(&mut self, row: EpochRow, seconds: f64) {
        self.flush_steps();
        self.send(Msg::Epoch { row, seconds });
    }

    /// Weights after `step`; `epoch` is the epoch whose end it is, if it is one.
    pub fn checkpoint(
        &mut self,
        step: u64,
        epoch: Option<usize>,
        tensors: Vec<NamedTensor>,
        seconds: f64,
    ) {
        self.flush_steps();
        self.send(Msg::Checkpoint {
            step,
            epoch,
            tensors,
            seconds,
        });
    }

    /// Records why the run ended, waits for everything to be written, and
    /// says whether anything could not be.
    pub fn finish(mut self, stopped: Stopped, seconds: f64) -> Result<(), RunsError> {
        self.end(stopped, seconds)
    }

    fn end(&mut self, stopped: Stopped, seconds: f64) -> Result<(), RunsError> {
        self.flush_steps();
        let steps = self.last_step;
        self.queue.push_back(Msg::Finish {
            stopped,
            steps,
            seconds,
        });
        if let Some(tx) = self.tx.take() {
            // The run is over: now waiting for the disk is fine.
            for m in self.queue.drain(..) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Some(e))) => Err(e),
            Some(Err(_)) => Err(RunsError::invalid(&self.dir, "the run writer failed")),
            _ => Ok(()),
        }
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.end(
                Stopped {
                    key: "failed".into(),
                    message: "the trainer failed".into(),
                },
                0.0,
            );
        }
    }
}

fn write_manifest(dir: &Path, file: &RunFile) -> Result<(), RunsError> {
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ".to_owned())
        .new_line("\n".to_owned())
        .struct_names(false)
        .depth_limit(2);
    let mut text = ron::ser::to_string_pretty(file, config)
        .map_err(|e| RunsError::invalid(dir.join(files::MANIFEST), e.to_string()))?;
    text.push('\n');
    files::write_replace(&dir.join(files::MANIFEST), text.as_bytes())
}

fn append(path: &Path, text: &str) -> Result<(), RunsError> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| RunsError::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| RunsError::io(path, e))
}

/// The writer thread: takes every waiting message, writes what they say,
/// then the manifest once, then deletes thinned checkpoints. Returns the
/// first error (after which it only drains the channel).
fn write_loop(
    dir: &Path,
    mut file: RunFile,
    budget: Budget,
    rx: &Receiver<Msg>,
) -> Option<RunsError> {
    let mut failed: Option<RunsError> = None;
    while let Ok(first) = rx.recv() {
        // Gather for a moment: a fast run's many checkpoints then cost a
        // few writes a second, and those thinned meanwhile none.
        let until = Instant::now() + GATHER;
        let mut finishing = matches!(first, Msg::Finish { .. });
        let mut batch = vec![first];
        while !finishing {
            match rx.recv_deadline(until) {
                Ok(m) => {
                    finishing = matches!(m, Msg::Finish { .. });
                    batch.push(m);
                }
                Err(_) => break,
            }
        }
        if failed.is_some() {
            if finishing {
                break;
            }
            continue;
        }
        let mut steps_text = String::new();
        let mut epochs_text = String::new();
        let mut dropped = Vec::new();
        let mut unwritten: std::collections::BTreeMap<u64, Vec<u8>> = Default::default();
        let mut finished = false;
        let result = (|| -> Result<(), RunsError> {
            for m in batch {
                match m {
                    Msg::Edit(mut e, project) => {
                        if let Some(p) = project {
                            let name = format!("project-step-{}.ron", e.step);
                            let text = crate::project::save::to_string(&p)?;
                            files::write_replace(&dir.join(&name), text.as_bytes())?;
                            e.project = Some(name);
                        }
                        file.edits.push(e);
                    }
                    Msg::Steps(rows) => {
                        for r in rows {
                            steps_text.push_str(&r.line());
                        }
                    }
                    Msg::Epoch { row, seconds } => {
                        epochs_text.push_str(&row.line());
                        file.epochs = file.epochs.max(row.epoch);
                        file.steps = file.steps.max(row.step);
                        file.seconds = seconds;
                    }
                    Msg::Checkpoint {
                        step,
                        epoch,
                        tensors,
                        seconds,
                    } => {
                        let path = dir.join(checkpoint_file_name(step));
                        let data = files::safetensors_bytes(&path, &tensors)?;
                        let bytes = data.len() as u64;
                        unwritten.insert(step, data);
                        file.checkpoints.retain(|c| c.step != step);
                        file.checkpoints
                            .push(CheckpointEntry { step, epoch, bytes });
                        file.checkpoints.sort_by_key(|c| c.step);
                        file.steps = file.steps.max(step);
                        file.seconds = file.seconds.max(seconds);
                        let cap = budget.cap(bytes);
                        let gone = thin(&file.checkpoints, cap);
                        file.checkpoints.retain(|c| !gone.contains(&c.step));
                        // Thinned before it was written: nothing to delete.
                        dropped.extend(gone.into_iter().filter(|g| unwritten.remove(g).is_none()));
                    }
                    Msg::Finish {
                        stopped,
                        steps,
                        seconds,
                    } => {
                        file.stopped = Some(stopped);
                        file.steps = file.steps.max(steps);
                        if seconds > 0.0 {
                            file.seconds = seconds;
                        }
                        finished = true;
                    }
                }
            }
            // Checkpoints and rows first, then the manifest that lists
            // them: a crash in between leaves files past the last listed
            // checkpoint, never a manifest ahead of its files.
            for (step, data) in &unwritten {
                files::write_replace(&dir.join(checkpoint_file_name(*step)), data)?;
            }
            if !steps_text.is_empty() {
                append(&dir.join(files::STEPS), &steps_text)?;
            }
            if !epochs_text.is_empty() {
                append(&dir.join(files::EPOCHS), &epochs_text)?;
            }
            write_manifest(dir, &file)?;
            for step in &dropped {
                let _ = std::fs::remove_file(dir.join(checkpoint_file_name(*step)));
            }
            if finished {
                // Once per run: the record reaches the disk.
                for name in [files::STEPS, files::EPOCHS, files::MANIFEST] {
                    files::sync(&dir.join(name));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            failed = Some(e);
        }
        if finished {
            break;
        }
    }
    failed
}
