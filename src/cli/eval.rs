//! `neuroglass eval`: a recorded checkpoint evaluated on the validation data.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::trainer::Session;

use super::check::{INVALID, OK, UNREADABLE};

/// A checkpoint's validation numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The run.
    pub run: String,
    /// The checkpoint's step.
    pub step: u64,
    /// The epoch whose end it is (`None`: mid-epoch).
    pub epoch: Option<usize>,
    /// Validation loss.
    pub val_loss: f64,
    /// Validation accuracy (classification) or R² (regression).
    pub val_metric: f64,
    /// Which of the two `val_metric` is.
    pub classification: bool,
}

/// Evaluates run `id`'s checkpoint at `step` (default: its last) of the
/// project file `project` on the run's validation data, exactly as the
/// trainer did at the end of that epoch.
///
/// # Errors
/// The exit code (1: no such run or checkpoint, or a network that no longer
/// fits; 2: unreadable) and a message.
pub fn evaluate(project: &Path, id: &str, step: Option<u64>) -> Result<Evaluation, (u8, String)> {
    let store = super::runs::store_of(project)?;
    let run = store.find(id).map_err(|e| (INVALID, e.to_string()))?;
    let entry = run
        .checkpoint_entry(step)
        .map_err(|e| (INVALID, e.to_string()))?;
    let trained = run.project().map_err(|e| (UNREADABLE, e.to_string()))?;
    // The folder the run read its data from; if it has gone (the project
    // moved), the project's own folder.
    let dir: Option<PathBuf> = run
        .file
        .data_dir
        .as_ref()
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .or_else(|| project.parent().map(Path::to_path_buf));
    let mut session =
        Session::from_project(&trained, dir.as_deref()).map_err(|e| (UNREADABLE, e.to_string()))?;
    session
        .start_from(&run.checkpoint_path(entry.step))
        .map_err(|e| (INVALID, e.to_string()))?;
    let m = session
        .end_epoch(entry.epoch.unwrap_or(0))
        .map_err(|e| (INVALID, e.to_string()))?;
    Ok(Evaluation {
        run: run.file.id.clone(),
        step: entry.step,
        epoch: entry.epoch,
        val_loss: m.val_loss,
        val_metric: m.val_metric,
        classification: session.is_classification(),
    })
}

fn num(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// Runs `neuroglass eval`; exit 0, 1 or 2.
pub fn run(project: &Path, id: &str, step: Option<u64>, as_json: bool) -> ExitCode {
    match evaluate(project, id, step) {
        Ok(e) => {
            let key = if e.classification {
                "val_accuracy"
            } else {
                "val_r2"
            };
            if as_json {
                let mut o = json!({
                    "run": e.run, "step": e.step, "epoch": e.epoch, "val_loss": num(e.val_loss),
                });
                o[key] = num(e.val_metric);
                super::out::line(o.to_string());
            } else {
                let at = e.epoch.map_or_else(
                    || "mid-epoch".to_string(),
                    |ep| format!("end of epoch {ep}"),
                );
                super::out::line(format!(
                    "run {} at step {} ({at}): val loss {:.6}  {} {:.6}",
                    e.run,
                    e.step,
                    e.val_loss,
                    if e.classification {
                        "val acc"
                    } else {
                        "val R²"
                    },
                    e.val_metric
                ));
            }
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}
