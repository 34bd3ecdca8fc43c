//! `neuroglass trace`: one validation sample forward and backward through
//! the network, every node's output and gradient and every parameter's
//! gradient, as a table or one JSON object.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::model::load_data::{info_of, load_data};
use crate::model::{Project, Severity, analyze};
use crate::numfmt::sig;
use crate::project::NamedTensor;
use crate::trace::{SampleTarget, Trace, TraceError, Tracer, validation_sample};

use super::check::{INVALID, OK, UNREADABLE};
use super::table::render;

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct TraceArgs {
    /// The project file.
    pub project: PathBuf,
    /// Weights to trace (as `train --out` saves them); default: the
    /// project's initial weights.
    pub weights: Option<PathBuf>,
    /// A recorded run whose last checkpoint (and project as trained) to trace.
    pub run: Option<String>,
    /// The validation sample's index.
    pub sample: usize,
    /// One JSON object instead of tables.
    pub json: bool,
}

/// Runs the command; exit 0, 1 (the project is invalid, the weights do not
/// fit, no such sample or run) or 2 (something could not be read).
pub fn run(args: &TraceArgs) -> ExitCode {
    match compute(args) {
        Ok(t) => {
            if args.json {
                super::out::line(to_json(args.sample, &t).to_string());
            } else {
                super::out::text(table(args.sample, &t));
            }
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

/// The project as trained, the folder its data paths start from, and the
/// weights (`None`: the initial ones).
type Inputs = (Project, Option<PathBuf>, Option<Vec<NamedTensor>>);

/// The project, its data folder and the weights to trace.
fn inputs(args: &TraceArgs) -> Result<Inputs, (u8, String)> {
    let path = &args.project;
    if let Some(id) = &args.run {
        let store = super::runs::store_of(path)?;
        let run = store.find(id).map_err(|e| (INVALID, e.to_string()))?;
        let entry = run
            .checkpoint_entry(None)
            .map_err(|e| (INVALID, e.to_string()))?;
        let trained = run.project().map_err(|e| (UNREADABLE, e.to_string()))?;
        let state = run
            .checkpoint(entry.step)
            .map_err(|e| (UNREADABLE, e.to_string()))?;
        let dir = run
            .file
            .data_dir
            .as_ref()
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .or_else(|| path.parent().map(Path::to_path_buf));
        return Ok((trained, dir, Some(state)));
    }
    let project = crate::project::load(path).map_err(|e| (UNREADABLE, e.to_string()))?;
    let state = match &args.weights {
        Some(w) => Some(crate::project::load_weights(w).map_err(|e| (UNREADABLE, e.to_string()))?),
        None => None,
    };
    Ok((project, path.parent().map(Path::to_path_buf), state))
}

/// Computes the trace the arguments ask for.
///
/// # Errors
/// The exit code (1 or 2) and a message.
pub fn compute(args: &TraceArgs) -> Result<Trace, (u8, String)> {
    let (project, dir, state) = inputs(args)?;
    let prepared = load_data(&project.data, dir.as_deref(), project.training.seed)
        .map_err(|e| (UNREADABLE, format!("the data could not be loaded: {e}")))?;
    let info = info_of(&prepared);
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    if analysis.has_errors() {
        let problems: Vec<String> = analysis
            .problems()
            .filter(|(_, p)| p.severity == Severity::Error)
            .map(|(_, p)| p.message.clone())
            .collect();
        return Err((
            INVALID,
            format!("the project has problems: {}", problems.join("; ")),
        ));
    }
    let invalid = |e: TraceError| (INVALID, e.to_string());
    let (x, target) = validation_sample(&prepared, args.sample).map_err(invalid)?;
    let mut tracer = Tracer::new(&project, &analysis, &info, state.as_deref()).map_err(invalid)?;
    tracer.trace(&x, &target).map_err(invalid)
}

fn num(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

fn nums(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|&x| num(x)).collect())
}

fn target_json(t: &SampleTarget) -> Value {
    match t {
        SampleTarget::Class(c) => json!(c),
        SampleTarget::Values(v) => nums(v),
    }
}

/// The trace as the `--json` object.
pub fn to_json(sample: usize, t: &Trace) -> Value {
    let nodes: Vec<Value> = t
        .nodes
        .iter()
        .map(|n| {
            json!({
                "id": n.id.0, "name": n.name, "shape": n.shape,
                "output": nums(&n.output), "grad": nums(&n.grad),
            })
        })
        .collect();
    let params: Vec<Value> = t
        .params
        .iter()
        .map(|p| {
            json!({
                "node": p.node.0, "torch_key": p.torch_key, "shape": p.shape,
                "grad": nums(&p.grad),
            })
        })
        .collect();
    json!({
        "sample": sample, "target": target_json(&t.target), "loss": num(t.loss),
        "nodes": nodes, "params": params,
    })
}

/// At most this many values of a tensor in a table cell.
const SHOWN: usize = 4;

fn values(v: &[f64]) -> String {
    let mut s: Vec<String> = v.iter().take(SHOWN).map(|&x| sig(x, 3)).collect();
    if v.len() > SHOWN {
        s.push(format!("… ({} values)", v.len()));
    }
    s.join(" ")
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn shape(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// The trace as tables: a summary line, the nodes, the parameters.
pub fn table(sample: usize, t: &Trace) -> String {
    let target = match &t.target {
        SampleTarget::Class(c) => format!("class {c}"),
        SampleTarget::Values(v) => values(v),
    };
    let predicted = match t.predicted_class {
        Some(c) => format!(
            "class {c} (p = {})",
            sig(t.confidence().unwrap_or(f64::NAN), 3)
        ),
        None => values(&t.prediction),
    };
    let mut out = format!(
        "validation sample {sample}: target {target}, prediction {predicted}, loss {} ({})\n\n",
        sig(t.loss, 4),
        t.loss_name
    );
    let rows: Vec<Vec<String>> = t
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.id.0.to_string(),
                n.name.clone(),
                n.kind.to_string(),
                shape(&n.shape),
                values(&n.output),
                values(&n.grad),
                sig(norm(&n.grad), 3),
            ]
        })
        .collect();
    out.push_str(&render(
        &[
            "id",
            "node",
            "kind",
            "shape",
            "output",
            "∂L/∂output",
            "‖∂L/∂output‖",
        ],
        &rows,
        &[0, 6],
    ));
    out.push('\n');
    let rows: Vec<Vec<String>> = t
        .params
        .iter()
        .map(|p| {
            vec![
                p.node.0.to_string(),
                p.torch_key.clone(),
                shape(&p.shape),
                values(&p.grad),
                sig(norm(&p.grad), 3),
            ]
        })
        .collect();
    out.push_str(&render(
        &[
            "node",
            "parameter",
            "shape",
            "∂L/∂parameter",
            "‖∂L/∂parameter‖",
        ],
        &rows,
        &[0, 4],
    ));
    out
}
