//! The run record's types: the manifest (`run.ron`), step and epoch rows
//! (the CSV files), and a run read back from its folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RunsError;
use super::files;

/// The manifest's format version this program writes and reads.
pub const RUN_FORMAT: u32 = 1;

/// Why a run stopped, as a word (`completed`, `stopped`, `target`,
/// `early_stopping`, `diverged`, `failed`) and a sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stopped {
    /// The short word, as `neuroglass train --json` prints it.
    pub key: String,
    /// What happened, for people.
    pub message: String,
}

/// One kept checkpoint. Its weights are in [`checkpoint_file_name`]`(step)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointEntry {
    /// Global step after which the weights were taken (0: the initial weights).
    pub step: u64,
    /// The epoch whose end this is (0 for the initial weights), or `None`
    /// for a checkpoint in the middle of an epoch.
    pub epoch: Option<usize>,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// A change made while the run trained: settings or the network's
/// structure (with what it did to the function).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// The step after which it took effect.
    pub step: u64,
    /// What changed, in words.
    pub what: String,
    /// For a change of the network: the file beside the manifest holding
    /// the project as it trained from then on (`project-step-N.ron`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// The run this one continues, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parent {
    /// The parent run's id.
    pub run: String,
    /// The parent's checkpoint it started from.
    pub step: u64,
}

/// `run.ron`: everything about a run except the project, the metrics rows
/// and the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename = "run")]
pub struct RunFile {
    /// Manifest format version ([`RUN_FORMAT`]).
    pub format: u32,
    /// The run's id, the same as its folder's name.
    pub id: String,
    /// A name the user gave it.
    #[serde(default)]
    pub name: Option<String>,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// Start time, seconds since 1970 UTC.
    pub started_unix: u64,
    /// Seconds trained (pauses excluded), as of the last write.
    pub seconds: f64,
    /// Why it stopped; `None` while it runs, or if the process died.
    #[serde(default)]
    pub stopped: Option<Stopped>,
    /// The process that wrote it (to tell a live run from a killed one).
    #[serde(default)]
    pub pid: u32,
    /// Epochs planned.
    pub epochs_planned: usize,
    /// Epochs finished, as of the last write.
    pub epochs: usize,
    /// Steps trained, as of the last write.
    pub steps: u64,
    /// Whether the targets are classes (metric: accuracy) or values (R²).
    pub classification: bool,
    /// The project's seed (initialisation, split, dropout).
    pub seed: u64,
    /// The seed of the data order (epoch `e` shuffles with a generator
    /// seeded from it and `e`), so a run can be repeated from the same start.
    pub data_order_seed: u64,
    /// The folder the project's relative data paths were read from.
    #[serde(default)]
    pub data_dir: Option<String>,
    /// The run this one continues.
    #[serde(default)]
    pub parent: Option<Parent>,
    /// Checkpoints kept, by step.
    #[serde(default)]
    pub checkpoints: Vec<CheckpointEntry>,
    /// Changes made during the run.
    #[serde(default)]
    pub edits: Vec<Edit>,
}

/// One step's row of `steps.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StepRow {
    /// Global step, from 1.
    pub step: u64,
    /// The epoch it belongs to, from 1.
    pub epoch: usize,
    /// Batch loss.
    pub loss: f32,
    /// Learning rate used.
    pub lr: f32,
}

/// One epoch's row of `epochs.csv` (NaN when a value does not apply).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct EpochRow {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Global step at its end.
    pub step: u64,
    /// Mean training loss over its batches.
    pub train_loss: f64,
    /// Validation loss.
    pub val_loss: f64,
    /// Training accuracy or R².
    pub train_metric: f64,
    /// Validation accuracy or R².
    pub val_metric: f64,
    /// Learning rate of its last step.
    pub lr: f64,
    /// Seconds it took.
    pub seconds: f64,
}

/// Header of `steps.csv`.
pub const STEPS_HEADER: &str = "step,epoch,loss,lr\n";
/// Header of `epochs.csv`.
pub const EPOCHS_HEADER: &str =
    "epoch,step,train_loss,val_loss,train_metric,val_metric,lr,seconds\n";

/// The checkpoint file of a step: `step-0000000042.safetensors`.
pub fn checkpoint_file_name(step: u64) -> String {
    format!("step-{step:010}.safetensors")
}

fn num(v: f64) -> String {
    // `{}` prints the shortest text that reads back to the same number.
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

impl StepRow {
    /// The CSV line, with its newline.
    pub fn line(&self) -> String {
        format!("{},{},{},{}\n", self.step, self.epoch, self.loss, self.lr)
    }

    fn parse(line: &str) -> Option<Self> {
        let mut it = line.split(',');
        let r = Self {
            step: it.next()?.parse().ok()?,
            epoch: it.next()?.parse().ok()?,
            loss: parse_f(it.next()?)? as f32,
            lr: parse_f(it.next()?)? as f32,
        };
        it.next().is_none().then_some(r)
    }
}

fn parse_f(s: &str) -> Option<f64> {
    if s.is_empty() {
        Some(f64::NAN)
    } else {
        s.parse().ok()
    }
}

impl EpochRow {
    /// The CSV line, with its newline.
    pub fn line(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{}\n",
            self.epoch,
            self.step,
            num(self.train_loss),
            num(self.val_loss),
            num(self.train_metric),
            num(self.val_metric),
            num(self.lr),
            num(self.seconds)
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 8 {
            return None;
        }
        Some(Self {
            epoch: f[0].parse().ok()?,
            step: f[1].parse().ok()?,
            train_loss: parse_f(f[2])?,
            val_loss: parse_f(f[3])?,
            train_metric: parse_f(f[4])?,
            val_metric: parse_f(f[5])?,
            lr: parse_f(f[6])?,
            seconds: parse_f(f[7])?,
        })
    }
}

/// Parses CSV text with `header`: only whole lines (ending in a newline)
/// count, so a line torn by a crash is ignored; any other bad line is an
/// error naming it.
fn parse_rows<T>(
    text: &str,
    header: &str,
    path: &Path,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, RunsError> {
    let Some(body) = text.strip_prefix(header) else {
        return Err(RunsError::invalid(
            path,
            format!("does not start with the header {:?}", header.trim_end()),
        ));
    };
    let complete = match body.rfind('\n') {
        Some(i) => &body[..=i],
        None => "",
    };
    let mut rows = Vec::new();
    for (i, line) in complete.lines().enumerate() {
        rows.push(parse(line).ok_or_else(|| {
            RunsError::invalid(path, format!("line {} is not a valid row: {line:?}", i + 2))
        })?);
    }
    Ok(rows)
}

/// A run read back from its folder: the manifest and the epochs. Steps
/// and checkpoints are read on demand ([`RunRecord::steps`],
/// [`RunRecord::checkpoint`]).
#[derive(Clone, Debug)]
pub struct RunRecord {
    /// The run's folder.
    pub dir: PathBuf,
    /// The manifest.
    pub file: RunFile,
    /// Every finished epoch, in order.
    pub epochs: Vec<EpochRow>,
    /// The user's name for it, pinned, hidden (`label.ron`).
    pub label: super::label::RunLabel,
}

impl RunRecord {
    /// Reads a run folder. A folder that is not a run, or a damaged one,
    /// is an error that says which file is wrong.
    pub fn load(dir: &Path) -> Result<Self, RunsError> {
        let manifest = dir.join(files::MANIFEST);
        let text = files::read_text(&manifest, files::MAX_MANIFEST_BYTES)?;
        let file: RunFile = ron::Options::default()
            .with_recursion_limit(32)
            .from_str(&text)
            .map_err(|e| RunsError::invalid(&manifest, format!("not a run manifest: {e}")))?;
        if file.format > RUN_FORMAT {
            return Err(RunsError::invalid(
                &manifest,
                format!(
                    "written by a newer Neuroglass (format {}; this one reads up to {RUN_FORMAT})",
                    file.format
                ),
            ));
        }
        let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if folder.as_deref() != Some(file.id.as_str()) {
            return Err(RunsError::invalid(
                &manifest,
                format!("names run {:?} but lies in another folder", file.id),
            ));
        }
        let epochs_path = dir.join(files::EPOCHS);
        let epochs = parse_rows(
            &files::read_text(&epochs_path, files::MAX_CSV_BYTES)?,
            EPOCHS_HEADER,
            &epochs_path,
            EpochRow::parse,
        )?;
        Ok(Self {
            label: super::label::RunLabel::load(dir),
            dir: dir.to_path_buf(),
            file,
            epochs,
        })
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.file.id
    }

    /// The project exactly as it was trained.
    pub fn project(&self) -> Result<crate::model::Project, RunsError> {
        Ok(crate::project::load(&self.dir.join(files::PROJECT))?)
    }

    /// The project as it trained at checkpoint `step`: the one the last
    /// change of the network before `step` wrote, else the project as it
    /// started; and that change's step.
    ///
    /// # Errors
    /// The file is unreadable, or the manifest names something that is
    /// not a project file of this run.
    pub fn project_at(&self, step: u64) -> Result<(crate::model::Project, Option<u64>), RunsError> {
        let Some((at, name)) = self.edit_project_before(step) else {
            return Ok((self.project()?, None));
        };
        let plain = std::path::Path::new(name).file_name() == Some(std::ffi::OsStr::new(name));
        if !plain || !name.starts_with("project-step-") || !name.ends_with(".ron") {
            return Err(RunsError::invalid(
                self.dir.join(files::MANIFEST),
                format!(
                    "the edit at step {at} names {name:?}, which is not a project file of this run"
                ),
            ));
        }
        Ok((crate::project::load(&self.dir.join(name))?, Some(at)))
    }

    /// The last change of the network before `step` that saved its project:
    /// its step and file name.
    pub fn edit_project_before(&self, step: u64) -> Option<(u64, &str)> {
        self.file
            .edits
            .iter()
            .filter(|e| e.step < step)
            .filter_map(|e| e.project.as_deref().map(|p| (e.step, p)))
            .next_back()
    }

    /// Every step's loss, in order.
    pub fn steps(&self) -> Result<Vec<StepRow>, RunsError> {
        let path = self.dir.join(files::STEPS);
        parse_rows(
            &files::read_text(&path, files::MAX_CSV_BYTES)?,
            STEPS_HEADER,
            &path,
            StepRow::parse,
        )
    }

    /// The last epoch's metrics, if an epoch finished.
    pub fn last_epoch(&self) -> Option<&EpochRow> {
        self.epochs.last()
    }

    /// The checkpoint at `step`, or the last one when `step` is `None`.
    pub fn checkpoint_entry(&self, step: Option<u64>) -> Result<CheckpointEntry, RunsError> {
        let found = match step {
            Some(s) => self.file.checkpoints.iter().find(|c| c.step == s),
            None => self.file.checkpoints.iter().max_by_key(|c| c.step),
        };
        found.copied().ok_or_else(|| RunsError::NoSuchCheckpoint {
            id: self.file.id.clone(),
            step: step.unwrap_or(0),
            available: self
                .file
                .checkpoints
                .iter()
                .map(|c| c.step.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The path of a checkpoint's weights.
    pub fn checkpoint_path(&self, step: u64) -> PathBuf {
        self.dir.join(checkpoint_file_name(step))
    }

    /// The weights of the checkpoint at `step` (names, shapes, values).
    pub fn checkpoint(&self, step: u64) -> Result<Vec<crate::project::NamedTensor>, RunsError> {
        self.checkpoint_entry(Some(step))?;
        Ok(crate::project::load_weights(&self.checkpoint_path(step))?)
    }

    /// Why the run stopped; for a run without an ending, `running` while
    /// the process that writes it lives, else `interrupted`.
    pub fn stopped_key(&self) -> String {
        match &self.file.stopped {
            Some(s) => s.key.clone(),
            None if files::process_alive(self.file.pid) => "running".into(),
            None => "interrupted".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_exactly() {
        let e = EpochRow {
            epoch: 3,
            step: 57,
            train_loss: 0.123_456_789_012_345_67,
            val_loss: f64::NAN,
            train_metric: 1.0 / 3.0,
            val_metric: 0.975,
            lr: 1e-3,
            seconds: 0.25,
        };
        let back = EpochRow::parse(e.line().trim_end()).unwrap();
        assert_eq!(back.train_loss, e.train_loss);
        assert_eq!(back.train_metric, e.train_metric);
        assert!(back.val_loss.is_nan());
        let s = StepRow {
            step: 9,
            epoch: 1,
            loss: 0.7,
            lr: 0.01,
        };
        assert_eq!(StepRow::parse(s.line().trim_end()), Some(s));
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_a_bad_one_is_an_error() {
        let p = Path::new("steps.csv");
        let text = format!("{STEPS_HEADER}1,1,0.5,0.1\n2,1,0.4");
        let rows = parse_rows(&text, STEPS_HEADER, p, StepRow::parse).unwrap();
        assert_eq!(rows.len(), 1);
        let text = format!("{STEPS_HEADER}1,1,0.5,0.1\nx,y\n");
        assert!(parse_rows(&text, STEPS_HEADER, p, StepRow::parse).is_err());
        assert!(parse_rows("a,b\n", STEPS_HEADER, p, StepRow::parse).is_err());
    }
}
