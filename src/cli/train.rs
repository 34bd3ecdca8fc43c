//! `neuroglass train`: headless training with progress, per-epoch metrics,
//! a metrics CSV and the trained weights.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::model::compile::compile;
use crate::model::load_data::{info_of, load_data_with_layout};
use crate::model::{Project, analyze};
use crate::trainer::record::RecordRequest;
use crate::trainer::{
    FinishReason, History, Session, TrainData, Trainer, TrainerCommand, TrainerEvent,
};

use super::check::{INVALID, OK, UNREADABLE, problems};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct TrainArgs {
    /// The project file.
    pub project: PathBuf,
    /// Override the epochs.
    pub epochs: Option<usize>,
    /// Override the seed.
    pub seed: Option<u64>,
    /// Train on this CSV file or IDX folder instead.
    pub data: Option<PathBuf>,
    /// The CSV's target column.
    pub target: Option<String>,
    /// With `data` a `.npy` file: the labels' `.npy` file.
    pub labels: Option<std::path::PathBuf>,
    /// Write metrics CSV and weights here.
    pub out: Option<PathBuf>,
    /// JSON lines instead of text.
    pub json: bool,
    /// Replace output files that already exist.
    pub force: bool,
    /// Refuse a run whose training memory estimate is above this many bytes.
    pub max_memory: Option<u64>,
    /// Do not record the run (by default it goes to `<project stem>.runs/`).
    pub no_record: bool,
    /// Start from these weights, of this network or a related one.
    pub weights: Option<PathBuf>,
}

/// Runs headless training; returns 0 (finished), 1 (invalid project or
/// diverged) or 2 (unreadable input).
pub fn run(args: &TrainArgs) -> ExitCode {
    match train(args) {
        Ok(code) => ExitCode::from(code),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn apply_overrides(project: &mut Project, args: &TrainArgs) {
    if let Some(e) = args.epochs {
        project.training.epochs = e;
    }
    if let Some(s) = args.seed {
        project.training.seed = s;
    }
    if let Some(d) = &args.data {
        project.data.source = crate::model::data_path::source_for_path(
            d,
            args.labels.as_deref(),
            args.target.clone(),
            project.training.loss.is_classification(),
        );
        project.data.features.clear();
    }
}

fn metric_key(classification: bool) -> &'static str {
    if classification {
        "val_accuracy"
    } else {
        "val_r2"
    }
}

fn json_num(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

/// The files `--out DIR` will write: the metrics CSV and the weights.
pub fn output_paths(out: &Path, project: &Path) -> [PathBuf; 2] {
    let stem = project
        .file_stem()
        .map_or_else(|| "project".into(), |s| s.to_string_lossy().into_owned());
    [
        out.join(format!("{stem}.metrics.csv")),
        out.join(format!("{stem}.safetensors")),
    ]
}

/// Same file, as far as the file system can tell (also through symlinks
/// and `..`), or the same path when neither exists.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Checks `--out` before anything runs: a folder (or nothing yet), outputs
/// that are never an input, and no existing output replaced without
/// `--force`.
fn check_outputs(args: &TrainArgs) -> Result<(), (u8, String)> {
    let Some(out) = &args.out else {
        return Ok(());
    };
    if out.exists() && !out.is_dir() {
        return Err((
            UNREADABLE,
            format!(
                "--out {}: this is a file; --out takes a folder to write the metrics and weights into",
                out.display()
            ),
        ));
    }
    // A pair an earlier run was killed while renaming is finished first.
    crate::project::save::finish_interrupted_pairs(out);
    let mut inputs = vec![args.project.clone()];
    inputs.extend(args.data.clone());
    inputs.extend(args.weights.clone());
    let mut existing = Vec::new();
    for o in output_paths(out, &args.project) {
        if let Some(i) = inputs.iter().find(|i| same_file(i, &o)) {
            return Err((
                UNREADABLE,
                format!(
                    "--out {}: writing {} would overwrite the input {}; choose another folder",
                    out.display(),
                    o.display(),
                    i.display()
                ),
            ));
        }
        if o.exists() {
            existing.push(o.display().to_string());
        }
    }
    if !existing.is_empty() && !args.force {
        return Err((
            UNREADABLE,
            format!(
                "--out {}: {} already exist{}; add --force to replace, or choose another folder",
                out.display(),
                existing.join(" and "),
                if existing.len() == 1 { "s" } else { "" }
            ),
        ));
    }
    Ok(())
}

fn train(args: &TrainArgs) -> Result<u8, (u8, String)> {
    if args.target.is_some() && args.data.is_none() {
        return Err((
            UNREADABLE,
            "--target names a column of the CSV given with --data; add --data FILE (a project's own CSV target is set in the project)".into(),
        ));
    }
    check_outputs(args)?;
    let mut project =
        crate::project::load(&args.project).map_err(|e| (UNREADABLE, e.to_string()))?;
    apply_overrides(&mut project, args);
    // Data paths given on the command line are relative to where we run;
    // those in the file are relative to the file.
    let dir: Option<PathBuf> = if args.data.is_some() {
        None
    } else {
        args.project.parent().map(Path::to_path_buf)
    };
    let seed = project.training.seed;
    let (prepared, layout) =
        load_data_with_layout(&project.data, dir.as_deref(), seed).map_err(|e| {
            (
                UNREADABLE,
                format!(
                    "{}: the data could not be read: {e}",
                    args.project.display()
                ),
            )
        })?;
    // Rows dropped by the data settings are said, never silent.
    if let Some(note) = layout.as_ref().and_then(|l| l.dropped_note()) {
        super::out::error(format!("data: {note}"));
    }
    let data_values: u64 = [&prepared.train, &prepared.validation]
        .iter()
        .map(|d| d.x.len() as u64 + d.len() as u64)
        .sum();
    let info = info_of(&prepared);
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    if analysis.has_errors() {
        return Err((
            INVALID,
            format!(
                "{}: the project has problems:\n{}",
                args.project.display(),
                problems(&project, &analysis)
            ),
        ));
    }
    // Warnings (a learning rate above 10…) are said before training starts.
    for (id, p) in analysis.problems() {
        let place = id
            .and_then(|id| project.graph.node(id))
            .map(|n| format!("node {} `{}` ({}): ", n.id, n.name, n.spec.kind_name()))
            .unwrap_or_default();
        super::out::error(format!("warning: {place}{} — fix: {}", p.message, p.fix));
    }
    // A run that cannot fit is refused before the network is allocated.
    let needed = crate::model::analysis::run_memory_bytes(&analysis, data_values);
    let limit = args.max_memory.or_else(crate::data::file::available_memory);
    if let Some(limit) = limit
        && needed > limit
    {
        return Err((
            INVALID,
            format!(
                "{}: training needs about {} at batch {} but {} {}; use fewer filters or units, a smaller kernel or batch",
                args.project.display(),
                crate::model::validate::fmt_bytes(needed),
                project.training.batch_size,
                crate::model::validate::fmt_bytes(limit),
                if args.max_memory.is_some() {
                    "is the limit (--max-memory)"
                } else {
                    "is available"
                }
            ),
        ));
    }
    let compiled = compile::<f32>(&project.graph, &analysis, &info, &project.training, seed)
        .map_err(|e| (INVALID, e.to_string()))?;
    let classification = info.classes.is_some();
    let shapes = compiled
        .node_ids
        .iter()
        .map(|id| analysis.nodes.get(id).and_then(|n| n.out_shape.clone()))
        .collect();
    let mut session = Session::new(
        compiled,
        TrainData::from_prepared(prepared),
        project.training.clone(),
    );
    session.set_layout(shapes, info);
    if let Some(w) = &args.weights {
        super::train_weights::start_from(&mut session, &project.graph, w, args.json)?;
    }
    let (train_n, val_n) = (session.train_samples(), session.validation_samples());
    let trainer =
        Trainer::spawn(None).map_err(|e| (INVALID, format!("could not start the trainer: {e}")))?;
    let record = if args.no_record {
        RecordRequest::off()
    } else {
        let mut r = RecordRequest::project(project.clone(), Some(args.project.clone()));
        r.data_dir = dir.clone();
        r
    };
    trainer
        .send(TrainerCommand::RecordNext(Box::new(record)))
        .map_err(|e| (INVALID, e.to_string()))?;
    trainer
        .send(TrainerCommand::Start {
            session: Box::new(session),
            paused: false,
        })
        .map_err(|e| (INVALID, e.to_string()))?;

    let epochs = project.training.epochs;
    let terminal = std::io::stderr().is_terminal() && !args.json;
    let bar = terminal.then(|| {
        let b = indicatif::ProgressBar::new(epochs as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} epoch {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    if !args.json {
        super::out::line(format!(
            "{} — {train_n} training and {val_n} validation samples, {epochs} epochs",
            project.name
        ));
    }
    let mut history = History::default();
    let (reason, seconds) = loop {
        let Some(ev) = trainer.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        match ev {
            TrainerEvent::Progress(p) => {
                history.steps.extend(p.steps.iter().copied());
                if let Some(b) = &bar {
                    b.set_message(format!(
                        "loss {:.4}  {:.0} samples/s",
                        p.running_loss, p.samples_per_sec
                    ));
                }
            }
            TrainerEvent::Epoch(m) => {
                if args.json {
                    let mut o = serde_json::json!({ "epoch": m.epoch, "train_loss": json_num(m.train_loss), "val_loss": json_num(m.val_loss) });
                    o[metric_key(classification)] = json_num(m.val_metric);
                    super::out::line(o.to_string());
                } else {
                    let line = format!(
                        "epoch {:>4}/{epochs}  train loss {:.4}  val loss {:.4}  {} {:.4}  ({:.2} s)",
                        m.epoch,
                        m.train_loss,
                        m.val_loss,
                        if classification { "val acc" } else { "val R²" },
                        m.val_metric,
                        m.seconds
                    );
                    match &bar {
                        Some(b) => {
                            b.println(super::out::clean(&line));
                            b.set_position(m.epoch as u64);
                        }
                        None => super::out::line(line),
                    }
                }
                history.epochs.push(m);
            }
            TrainerEvent::Finished {
                reason, seconds, ..
            } => break (reason, seconds),
            TrainerEvent::Failed { message } => {
                if let Some(b) = &bar {
                    b.abandon();
                }
                return Err((INVALID, message));
            }
            _ => {}
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let last = history.epochs.last().cloned().unwrap_or_default();
    // The trainer completes the record before it reports the finish.
    let recorded = (!args.no_record)
        .then(|| recorded_run(&args.project))
        .flatten();
    if args.json {
        let mut o = serde_json::json!({
            "epoch": last.epoch, "train_loss": json_num(last.train_loss), "val_loss": json_num(last.val_loss),
            "seconds": seconds, "stopped": reason.key(),
            "memory_estimate_bytes": needed,
        });
        o[metric_key(classification)] = json_num(last.val_metric);
        if let Some((id, _)) = &recorded {
            o["run"] = serde_json::json!(id);
        }
        super::out::line(o.to_string());
    } else {
        super::out::line(format!("{reason} in {seconds:.1} s"));
        if let Some((id, dir)) = &recorded {
            super::out::line(format!("recorded as run {id} in {}", dir.display()));
        }
    }
    if let Some(out) = &args.out {
        trainer
            .send(TrainerCommand::RequestWeights)
            .map_err(|e| (INVALID, e.to_string()))?;
        let weights = loop {
            match trainer.recv_timeout(Duration::from_secs(30)) {
                Some(TrainerEvent::Weights(w)) => break w,
                Some(_) => continue,
                None => return Err((INVALID, "the trainer did not send the weights".into())),
            }
        };
        write_outputs(out, &args.project, &history, &weights).map_err(|e| (UNREADABLE, e))?;
    }
    trainer.shutdown();
    Ok(match reason {
        FinishReason::Diverged { diagnosis } => {
            super::out::error(&diagnosis);
            INVALID
        }
        _ => OK,
    })
}

/// The newest run this process recorded for `project`: its id and folder.
fn recorded_run(project: &Path) -> Option<(String, PathBuf)> {
    let listing = crate::runs::RunStore::for_project(Some(project), "").list();
    listing
        .runs
        .into_iter()
        .rev()
        .find(|r| r.file.pid == std::process::id())
        .map(|r| (r.file.id, r.dir))
}

/// Writes the metrics CSV and the weights so that they appear together or
/// not at all: both are written in full to temporary files first, then
/// renamed into place one after the other under a journal; a run killed
/// between the two renames leaves a pair that the next `train --out` into
/// the folder, or the next load of the weights, finishes
/// (`project::save::finish_interrupted_pairs`). Stale temporaries of runs
/// killed before the journal are removed.
fn write_outputs(
    out: &Path,
    project: &Path,
    history: &History,
    weights: &[crate::engine::network::StateEntry<f32>],
) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let [csv, w] = output_paths(out, project);
    let csv_bytes = crate::export::metrics::metrics_csv(history).into_bytes();
    let w_bytes = crate::project::weights::weights_bytes(&w, weights).map_err(|e| e.to_string())?;
    crate::project::save::write_atomic_all(&[(&w, &w_bytes), (&csv, &csv_bytes)])
        .map_err(|e| e.to_string())
}
