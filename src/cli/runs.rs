//! `neuroglass runs`: list a project's recorded runs, compare two, delete one.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::runs::{RunRecord, RunStore, RunsError, design_diff, diff_words};

use super::check::{INVALID, OK, UNREADABLE};
use super::table::render;

/// What `neuroglass runs` was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsAction {
    /// List every run.
    List,
    /// Compare run `a` with run `b`.
    Diff(String, String),
    /// Delete a run.
    Delete(String),
}

/// The store of a project file named on the command line.
pub fn store_of(project: &Path) -> Result<RunStore, (u8, String)> {
    if !project.is_file() {
        return Err((
            UNREADABLE,
            format!("{}: there is no such project file", project.display()),
        ));
    }
    Ok(RunStore::for_project(Some(project), ""))
}

fn code_of(e: &RunsError) -> u8 {
    match e {
        RunsError::NoSuchRun { .. } | RunsError::NoSuchCheckpoint { .. } => INVALID,
        _ => UNREADABLE,
    }
}

/// Runs the command; exit 0, 1 (no such run) or 2 (unreadable).
pub fn run(project: &Path, action: &RunsAction, as_json: bool) -> ExitCode {
    let result = store_of(project).and_then(|store| match action {
        RunsAction::List => {
            list(&store, as_json);
            Ok(())
        }
        RunsAction::Diff(a, b) => diff(&store, a, b, as_json),
        RunsAction::Delete(id) => store
            .delete(id)
            .map(|dir| {
                if as_json {
                    super::out::line(format!(
                        "{}",
                        json!({ "deleted": id, "dir": dir.display().to_string() })
                    ));
                } else {
                    super::out::line(format!("deleted run {id} ({})", dir.display()));
                }
            })
            .map_err(|e| (code_of(&e), e.to_string())),
    });
    match result {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn num(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// `{"val_loss": …, "val_accuracy" | "val_r2": …}` of the last epoch, or null.
pub fn final_json(r: &RunRecord) -> Value {
    match r.last_epoch() {
        Some(e) => {
            let key = if r.file.classification {
                "val_accuracy"
            } else {
                "val_r2"
            };
            let mut o = json!({ "val_loss": num(e.val_loss) });
            o[key] = num(e.val_metric);
            o
        }
        None => Value::Null,
    }
}

/// One run as the JSON object `runs --json` prints.
pub fn run_json(r: &RunRecord) -> Value {
    json!({
        "id": r.id(),
        "started": r.file.started,
        "seconds": num(r.file.seconds),
        "stopped": r.stopped_key(),
        "epochs": r.file.epochs,
        "steps": r.file.steps,
        "final": final_json(r),
        "summary": r.summary().unwrap_or_else(|e| format!("(project unreadable: {e})")),
        "checkpoints": r.file.checkpoints.iter()
            .map(|c| json!({ "step": c.step, "epoch": c.epoch }))
            .collect::<Vec<_>>(),
    })
}

fn list(store: &RunStore, as_json: bool) {
    let listing = store.list();
    for s in &listing.skipped {
        super::out::error(s);
    }
    if as_json {
        for r in &listing.runs {
            super::out::line(run_json(r).to_string());
        }
        return;
    }
    if listing.runs.is_empty() {
        super::out::line("no runs recorded yet");
        return;
    }
    let rows: Vec<Vec<String>> = listing
        .runs
        .iter()
        .map(|r| {
            let last = r.last_epoch();
            let f = |v: Option<f64>| {
                v.filter(|v| v.is_finite())
                    .map_or("–".into(), |v| format!("{v:.4}"))
            };
            vec![
                r.id().to_string(),
                r.file.started.clone(),
                format!("{:.1}", r.file.seconds),
                r.stopped_key(),
                r.file.epochs.to_string(),
                r.file.steps.to_string(),
                f(last.map(|e| e.val_loss)),
                f(last.map(|e| e.val_metric)),
                r.file.checkpoints.len().to_string(),
                r.summary()
                    .unwrap_or_else(|e| format!("(project unreadable: {e})")),
            ]
        })
        .collect();
    super::out::text(render(
        &[
            "id",
            "started",
            "seconds",
            "stopped",
            "epochs",
            "steps",
            "val loss",
            "val acc/R²",
            "checkpoints",
            "summary",
        ],
        &rows,
        &[2, 4, 5, 6, 7, 8],
    ));
}

fn diff(store: &RunStore, a: &str, b: &str, as_json: bool) -> Result<(), (u8, String)> {
    let err = |e: RunsError| (code_of(&e), e.to_string());
    let (ra, rb) = (store.find(a).map_err(err)?, store.find(b).map_err(err)?);
    let (pa, pb) = (ra.project().map_err(err)?, rb.project().map_err(err)?);
    let changes = design_diff(&pa, &pb);
    if as_json {
        super::out::line(format!(
            "{}",
            json!({
                "design": changes,
                "final": { "a": final_json(&ra), "b": final_json(&rb) },
            })
        ));
    } else {
        super::out::line(format!("{a} → {b}: {}", diff_words(&changes)));
        for (id, r) in [(a, &ra), (b, &rb)] {
            super::out::line(format!("{id}: {}", r.summary().map_err(err)?));
        }
    }
    Ok(())
}
