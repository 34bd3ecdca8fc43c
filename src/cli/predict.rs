//! `neuroglass predict P.ron --weights W --input X.npy --output Y.npy`: the
//! network's outputs for any inputs, in evaluation mode (`.npy` or `.csv`
//! in and out). The inputs go to the network as given (the project's
//! normalisation is not applied); a final Sigmoid folded into the loss for
//! training is applied, so the outputs are what the network computes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ndarray::Array2;

use crate::data::npy::{self, NpyArray};
use crate::engine::Network;
use crate::model::infer::numel;
use crate::model::{Activation, DataInfo, LossKind, Project, analyze, compile};

use super::check::{INVALID, OK, UNREADABLE};

/// A network ready to predict: the network, the per-sample output shape
/// and an activation folded into the loss.
pub type Ready = (Network<f32>, Vec<usize>, Option<Activation>);

/// Largest CSV input read (1 GiB).
const MAX_CSV_BYTES: u64 = 1 << 30;

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct PredictArgs {
    /// The project file.
    pub project: PathBuf,
    /// Trained weights (as `train --out` or `import --weights-out` saves
    /// them); the initial weights from the seed without.
    pub weights: Option<PathBuf>,
    /// Inputs: `.npy` (`[N, sample shape…]`) or `.csv` (one sample a row).
    pub input: PathBuf,
    /// Where the outputs go: `.npy` or `.csv`.
    pub output: PathBuf,
    /// Replace an existing output file.
    pub force: bool,
}

/// Runs the prediction; 0 (written), 1 (the project or the inputs do not
/// fit), 2 (something could not be read or written).
pub fn run(args: &PredictArgs) -> ExitCode {
    match predict(args) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn is_csv(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"))
}

/// Reads a CSV of numbers, one sample a row; a first row that is not all
/// numbers is a header and skipped.
fn read_csv(path: &Path) -> Result<NpyArray, String> {
    let name = path.display().to_string();
    let (mut r, _) =
        crate::data::file::open_regular(path, MAX_CSV_BYTES).map_err(|e| e.to_string())?;
    let mut text = String::new();
    r.read_to_string(&mut text)
        .map_err(|e| format!("{name}: {e}"))?;
    let mut rows: Vec<Vec<f32>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split([',', ';', '\t']).map(str::trim).collect();
        let parsed: Result<Vec<f32>, _> = cells.iter().map(|c| c.parse::<f32>()).collect();
        match parsed {
            Ok(v) if v.iter().all(|x| x.is_finite()) => {
                if let Some(first) = rows.first()
                    && first.len() != v.len()
                {
                    return Err(format!(
                        "{name}: line {}: {} values, but the first row has {}",
                        i + 1,
                        v.len(),
                        first.len()
                    ));
                }
                rows.push(v);
            }
            _ if rows.is_empty() && i == 0 => {}
            _ => {
                return Err(format!(
                    "{name}: line {}: every cell must be a finite number",
                    i + 1
                ));
            }
        }
    }
    let cols = rows.first().map_or(0, Vec::len);
    Ok(NpyArray {
        shape: vec![rows.len(), cols],
        values: rows.into_iter().flatten().collect(),
    })
}

/// A network for `project` taking samples of `sample_shape`: with the
/// project's data description where it has that many values per sample
/// (so "auto" units keep their meaning), else shaped by the inputs alone.
/// Returns the network, the per-sample output shape and an activation
/// folded into the loss.
///
/// # Errors
/// The graph's problems, or weights that do not fit.
pub fn network_for(
    project: &Project,
    project_dir: Option<&Path>,
    sample_shape: &[usize],
    weights: Option<&[crate::project::NamedTensor]>,
) -> Result<Ready, String> {
    let n = numel(sample_shape);
    let from_inputs = || {
        let mut info = DataInfo {
            input_shape: sample_shape.to_vec(),
            classes: None,
            targets: 1,
        };
        // The output size decides the classes or targets the loss needs.
        let first = analyze(&project.graph, Some(&info), &project.training);
        let k = first
            .output
            .and_then(|o| first.nodes.get(&o))
            .and_then(|n| n.out_shape.as_ref())
            .map_or(1, |s| numel(s) as usize);
        match project.training.loss {
            LossKind::CrossEntropy => info.classes = Some(k.max(2)),
            LossKind::BinaryCrossEntropy => info.classes = Some(2),
            _ => info.targets = k.max(1),
        }
        info
    };
    let errors = |a: &crate::model::Analysis| -> Vec<String> {
        a.problems()
            .filter(|(_, p)| p.severity == crate::model::Severity::Error)
            .map(|(_, p)| p.message.clone())
            .collect()
    };
    // The project's own data description where it fits these inputs and
    // the network; else one made from the inputs and the network's output.
    let own = crate::model::resolve_data_info(project, project_dir)
        .ok()
        .filter(|info| numel(&info.input_shape) == n)
        .map(|info| {
            let a = analyze(&project.graph, Some(&info), &project.training);
            (info, a)
        })
        .filter(|(_, a)| errors(a).is_empty());
    let (info, analysis) = match own {
        Some(found) => found,
        None => {
            let info = from_inputs();
            let a = analyze(&project.graph, Some(&info), &project.training);
            (info, a)
        }
    };
    let problems = errors(&analysis);
    if !problems.is_empty() {
        return Err(format!(
            "the network does not fit inputs of shape {}: {}",
            crate::model::infer::fmt_shape(sample_shape),
            problems.join("; ")
        ));
    }
    let compiled = compile::<f32>(
        &project.graph,
        &analysis,
        &info,
        &project.training,
        project.training.seed,
    )
    .map_err(|e| e.to_string())?;
    let mut network = compiled.network;
    if let Some(w) = weights {
        network
            .load_state_dict(w)
            .map_err(|e| format!("the weights do not fit the network: {e}"))?;
    }
    let out_shape = analysis
        .output
        .and_then(|o| analysis.nodes.get(&o))
        .and_then(|n| n.out_shape.clone())
        .unwrap_or_else(|| vec![network.output_len()]);
    Ok((network, out_shape, compiled.folded_output))
}

/// The network's evaluation-mode outputs for `rows` (`[N, features]`),
/// with a folded activation applied.
///
/// # Errors
/// The engine's refusal (wrong number of features).
pub fn outputs(
    network: &mut Network<f32>,
    rows: &Array2<f32>,
    folded: Option<Activation>,
) -> Result<Array2<f32>, String> {
    let mut out = network
        .predict(rows.view(), 1024)
        .map_err(|e| e.to_string())?;
    if folded == Some(Activation::Sigmoid) {
        out.mapv_inplace(|v| 1.0 / (1.0 + (-v).exp()));
    }
    Ok(out)
}

fn predict(args: &PredictArgs) -> Result<(), (u8, String)> {
    let project = crate::project::load(&args.project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let weights = match &args.weights {
        Some(w) => Some(crate::project::load_weights(w).map_err(|e| (UNREADABLE, e.to_string()))?),
        None => None,
    };
    let inputs_of_run = [
        Some(&args.project),
        args.weights.as_ref(),
        Some(&args.input),
    ];
    for i in inputs_of_run.into_iter().flatten() {
        let same = match (
            std::fs::canonicalize(i),
            std::fs::canonicalize(&args.output),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => *i == args.output,
        };
        if same {
            return Err((
                UNREADABLE,
                format!(
                    "{} would replace the input {}; choose another output",
                    args.output.display(),
                    i.display()
                ),
            ));
        }
    }
    if args.output.exists() && !args.force {
        return Err((
            UNREADABLE,
            format!(
                "{} already exists; add --force to replace it",
                args.output.display()
            ),
        ));
    }
    let array = if is_csv(&args.input) {
        read_csv(&args.input).map_err(|e| (UNREADABLE, e))?
    } else {
        npy::read(&args.input).map_err(|e| (UNREADABLE, e.to_string()))?
    };
    let (rows, sample_shape) = match array.shape.as_slice() {
        [] => {
            return Err((
                INVALID,
                format!(
                    "{}: a scalar is not a batch of samples",
                    args.input.display()
                ),
            ));
        }
        [n] => (*n, vec![1]),
        [n, rest @ ..] => (*n, rest.to_vec()),
    };
    let per = numel(&sample_shape) as usize;
    if per == 0 {
        return Err((
            INVALID,
            format!("{}: the samples are empty", args.input.display()),
        ));
    }
    let x = Array2::from_shape_vec((rows, per), array.values)
        .map_err(|e| (INVALID, format!("{}: {e}", args.input.display())))?;
    let dir = args.project.parent();
    let (mut network, out_shape, folded) =
        network_for(&project, dir, &sample_shape, weights.as_deref())
            .map_err(|e| (INVALID, format!("{}: {e}", args.project.display())))?;
    let y = outputs(&mut network, &x, folded).map_err(|e| (INVALID, e))?;
    let bytes = if is_csv(&args.output) {
        let mut text = String::new();
        for row in y.rows() {
            let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        text.into_bytes()
    } else {
        let mut shape = vec![rows];
        shape.extend(&out_shape);
        if numel(&shape) as usize != y.len() {
            shape = vec![rows, y.ncols()];
        }
        let flat: Vec<f32> = y.iter().copied().collect();
        npy::to_bytes(&shape, &flat)
    };
    crate::project::write_atomic(&args.output, &bytes).map_err(|e| (UNREADABLE, e.to_string()))?;
    super::out::line(format!(
        "{} — {} samples predicted, {} outputs each, written to {}",
        project.name,
        rows,
        y.ncols(),
        args.output.display()
    ));
    Ok(())
}
