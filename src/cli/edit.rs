//! `neuroglass edit`: structural edits of a trained network without a
//! window — widen (or narrow) layers, insert layers, remove layers — that
//! keep the learned weights (see [`crate::surgery`]), with what each edit
//! did to the function.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::model::{Project, analyze};
use crate::surgery::Edit;
use crate::trainer::{Session, SessionError};

use super::check::{INVALID, OK, UNREADABLE};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct EditArgs {
    /// The project file.
    pub project: PathBuf,
    /// Its trained weights.
    pub weights: PathBuf,
    /// `--widen NODE=UNITS`, in order.
    pub widen: Vec<String>,
    /// `--insert-after NODE=KIND`, in order.
    pub insert_after: Vec<String>,
    /// `--remove NODE`, in order.
    pub remove: Vec<String>,
    /// The edited project (`-o`).
    pub out: PathBuf,
    /// The edited weights.
    pub weights_out: PathBuf,
    /// Replace existing output files.
    pub force: bool,
}

/// Runs `neuroglass edit`: 0 when written, 1 for an edit or files that do
/// not fit, 2 for what cannot be read.
pub fn run(args: &EditArgs) -> ExitCode {
    match edit(args) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

/// The edits in the order they are applied: widenings, then insertions,
/// then removals (each kind in the order given).
///
/// # Errors
/// A malformed `NODE=VALUE`.
pub fn edits(args: &EditArgs) -> Result<Vec<Edit>, String> {
    use crate::surgery::edit::split_assignment;
    let mut out = Vec::new();
    for w in &args.widen {
        let (node, units) = split_assignment(w).map_err(|e| format!("--widen: {e}"))?;
        let units = units
            .parse::<usize>()
            .ok()
            .filter(|u| (1..=1_000_000).contains(u))
            .ok_or_else(|| {
                format!("--widen {w}: UNITS must be a whole number from 1 to 1,000,000")
            })?;
        out.push(Edit::Widen { node, units });
    }
    for i in &args.insert_after {
        let (node, kind) = split_assignment(i).map_err(|e| format!("--insert-after: {e}"))?;
        out.push(Edit::InsertAfter { node, kind });
    }
    for r in &args.remove {
        out.push(Edit::Remove { node: r.clone() });
    }
    Ok(out)
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

fn check_outputs(args: &EditArgs) -> Result<(), (u8, String)> {
    let outs = [&args.out, &args.weights_out];
    if same_file(&args.out, &args.weights_out) {
        return Err((
            INVALID,
            "-o and --weights-out name the same file; give two files".into(),
        ));
    }
    for o in outs {
        for i in [&args.project, &args.weights] {
            if same_file(o, i) {
                return Err((
                    INVALID,
                    format!(
                        "{} is an input; write the edited project and weights to new files",
                        o.display()
                    ),
                ));
            }
        }
        if !args.force && std::fs::symlink_metadata(o).is_ok() {
            return Err((
                INVALID,
                format!("{} exists; add --force to replace it", o.display()),
            ));
        }
    }
    Ok(())
}

fn session_error(e: SessionError) -> (u8, String) {
    let code = match e {
        SessionError::Data(_) | SessionError::WeightsUnreadable(_) => UNREADABLE,
        _ => INVALID,
    };
    (code, e.to_string())
}

fn edit(args: &EditArgs) -> Result<(), (u8, String)> {
    let list = edits(args).map_err(|e| (INVALID, e))?;
    if list.is_empty() {
        return Err((
            INVALID,
            "nothing to do: give --widen NODE=UNITS, --insert-after NODE=KIND or --remove NODE"
                .into(),
        ));
    }
    check_outputs(args)?;
    let project = crate::project::load(&args.project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let dir = args.project.parent().map(Path::to_path_buf);
    let mut session = Session::from_project(&project, dir.as_deref()).map_err(session_error)?;
    session.start_from(&args.weights).map_err(session_error)?;
    let mut current: Project = project;
    for e in &list {
        let info = session
            .data_info()
            .cloned()
            .ok_or_else(|| (INVALID, "the data's shape is not known".to_string()))?;
        let analysis = analyze(&current.graph, Some(&info), &current.training);
        let (graph, text) = crate::surgery::edit::apply(&current.graph, e, |id| {
            analysis.nodes.get(&id).and_then(|n| n.out_shape.clone())
        })
        .map_err(|err| (INVALID, format!("{e}: {err}")))?;
        let mut next = current.clone();
        next.graph = graph;
        let outcome = session
            .restructure(&next)
            .map_err(|err| (INVALID, format!("{e}: {err}")))?;
        super::out::line(format!("{text}: {}", outcome.summary()));
        for l in outcome.report.lines() {
            super::out::line(format!("  {l}"));
        }
        current = next;
    }
    // The data's relative paths still name the same files from P2's folder.
    crate::model::load_data::rebase_paths(
        &mut current.data.source,
        Some(args.project.parent().unwrap_or(Path::new(""))),
        args.out.parent().unwrap_or(Path::new("")),
    );
    let project_bytes =
        crate::project::save::to_string(&current).map_err(|e| (INVALID, e.to_string()))?;
    let weights_bytes =
        crate::project::weights::weights_bytes(&args.weights_out, &session.network().state_dict())
            .map_err(|e| (INVALID, e.to_string()))?;
    crate::project::save::write_atomic_all(&[
        (&args.out, project_bytes.as_bytes()),
        (&args.weights_out, &weights_bytes),
    ])
    .map_err(|e| (UNREADABLE, e.to_string()))?;
    super::out::line(format!(
        "wrote {} and {}",
        args.out.display(),
        args.weights_out.display()
    ));
    Ok(())
}
