//! `neuroglass eval`: a recorded checkpoint evaluated on the validation data.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::trainer::Session;

use super::check::{INVALID, OK, UNREADABLE};

/// A checkpoint's (or a weights file's) validation numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The run (`None`: a weights file).
    pub run: Option<String>,
    /// The checkpoint's step (`None`: a weights file).
    pub step: Option<u64>,
    /// The epoch whose end it is (`None`: mid-epoch, or a weights file).
    pub epoch: Option<usize>,
    /// Validation loss.
    pub val_loss: f64,
    /// Validation accuracy (classification) or R² (regression).
    pub val_metric: f64,
    /// Which of the two `val_metric` is.
    pub classification: bool,
    /// The network's outputs for every validation sample (evaluation
    /// mode), when asked for.
    pub outputs: Option<Vec<Vec<f32>>>,
}

/// What `neuroglass eval` was asked.
#[derive(Clone, Debug, Default)]
pub struct EvalArgs {
    /// The project file.
    pub project: PathBuf,
    /// A recorded run's id.
    pub run: Option<String>,
    /// Its checkpoint's step (default: the last).
    pub step: Option<u64>,
    /// A weights file instead of a run.
    pub weights: Option<PathBuf>,
    /// One JSON object.
    pub json: bool,
    /// Add every validation sample's outputs (`"outputs"`).
    pub outputs: bool,
}

fn outputs_of(session: &mut Session) -> Result<Vec<Vec<f32>>, (u8, String)> {
    let y = session
        .validation_outputs()
        .map_err(|e| (INVALID, e.to_string()))?;
    Ok(y.outer_iter().map(|r| r.to_vec()).collect())
}

/// Evaluates the weights file `weights` with the project file `project` on
/// its validation data, exactly as the trainer does at the end of an epoch;
/// with `outputs`, also every validation sample's outputs.
///
/// # Errors
/// The exit code (1: the weights do not fit the network; 2: unreadable)
/// and a message.
pub fn evaluate_weights(
    project: &Path,
    weights: &Path,
    outputs: bool,
) -> Result<Evaluation, (u8, String)> {
    let p = crate::project::load(project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let mut session =
        Session::from_project(&p, project.parent()).map_err(|e| (UNREADABLE, e.to_string()))?;
    session.start_from(weights).map_err(|e| match e {
        crate::trainer::SessionError::WeightsUnreadable(_) => (UNREADABLE, e.to_string()),
        _ => (INVALID, e.to_string()),
    })?;
    let m = session.end_epoch(0).map_err(|e| (INVALID, e.to_string()))?;
    Ok(Evaluation {
        run: None,
        step: None,
        epoch: None,
        val_loss: m.val_loss,
        val_metric: m.val_metric,
        classification: session.is_classification(),
        outputs: if outputs {
            Some(outputs_of(&mut session)?)
        } else {
            None
        },
    })
}

/// Evaluates run `id`'s checkpoint at `step` (default: its last) of the
/// project file `project` on the run's validation data, exactly as the
/// trainer did at the end of that epoch.
///
/// # Errors
/// The exit code (1: no such run or checkpoint, or a network that no longer
/// fits; 2: unreadable) and a message.
pub fn evaluate(
    project: &Path,
    id: &str,
    step: Option<u64>,
    outputs: bool,
) -> Result<Evaluation, (u8, String)> {
    let store = super::runs::store_of(project)?;
    let run = store.find(id).map_err(|e| (INVALID, e.to_string()))?;
    let entry = run
        .checkpoint_entry(step)
        .map_err(|e| (INVALID, e.to_string()))?;
    // The network as it was at that checkpoint (a run changed while it
    // trained has a project per change of its network).
    let (trained, _) = run
        .project_at(entry.step)
        .map_err(|e| (UNREADABLE, e.to_string()))?;
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
        .map_err(|e| {
            // A checkpoint after a structural edit holds the edited network,
            // which the run's project (as it started) does not describe.
            let edit = run
                .file
                .edits
                .iter()
                .find(|ed| ed.step < entry.step && ed.what.starts_with(crate::trainer::live_edit::NETWORK));
            let hint = edit.map_or_else(String::new, |ed| {
                format!(
                    " — the network was changed after step {} ({}); evaluate a checkpoint before that, or save the edited project and use --weights",
                    ed.step, ed.what
                )
            });
            (INVALID, format!("{e}{hint}"))
        })?;
    let m = session
        .end_epoch(entry.epoch.unwrap_or(0))
        .map_err(|e| (INVALID, e.to_string()))?;
    Ok(Evaluation {
        run: Some(run.file.id.clone()),
        step: Some(entry.step),
        epoch: entry.epoch,
        val_loss: m.val_loss,
        val_metric: m.val_metric,
        classification: session.is_classification(),
        outputs: if outputs {
            Some(outputs_of(&mut session)?)
        } else {
            None
        },
    })
}

fn num(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// Runs `neuroglass eval`; exit 0, 1 or 2.
pub fn run(args: &EvalArgs) -> ExitCode {
    let result = match (&args.weights, &args.run) {
        (Some(w), _) => evaluate_weights(&args.project, w, args.outputs),
        (None, Some(id)) => evaluate(&args.project, id, args.step, args.outputs),
        (None, None) => Err((UNREADABLE, "give --run ID or --weights FILE".to_string())),
    };
    match result {
        Ok(e) => {
            let key = if e.classification {
                "val_accuracy"
            } else {
                "val_r2"
            };
            if args.json {
                let mut o = match &args.weights {
                    Some(w) => json!({
                        "weights": w.display().to_string(), "val_loss": num(e.val_loss),
                    }),
                    None => json!({
                        "run": e.run, "step": e.step, "epoch": e.epoch, "val_loss": num(e.val_loss),
                    }),
                };
                o[key] = num(e.val_metric);
                if let Some(out) = &e.outputs {
                    o["outputs"] = Value::Array(
                        out.iter()
                            .map(|r| Value::Array(r.iter().map(|v| num(f64::from(*v))).collect()))
                            .collect(),
                    );
                }
                super::out::line(o.to_string());
            } else {
                let what = match (&e.run, e.step) {
                    (Some(run), Some(step)) => {
                        let at = e.epoch.map_or_else(
                            || "mid-epoch".to_string(),
                            |ep| format!("end of epoch {ep}"),
                        );
                        format!("run {run} at step {step} ({at})")
                    }
                    _ => args
                        .weights
                        .as_ref()
                        .map_or_else(String::new, |w| w.display().to_string()),
                };
                super::out::line(format!(
                    "{what}: val loss {:.6}  {} {:.6}",
                    e.val_loss,
                    if e.classification {
                        "val acc"
                    } else {
                        "val R²"
                    },
                    e.val_metric
                ));
                if let Some(out) = &e.outputs {
                    for r in out {
                        let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
                        super::out::line(cells.join(" "));
                    }
                }
            }
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}
