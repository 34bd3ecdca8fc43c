//! An ONNX model as a project: `neuroglass import model.onnx -o P.ron`.
//! The file is read with a size limit and decoded by prost (a truncated
//! or malformed file is refused); every operator is checked first and all
//! unsupported ones are reported together; then the nodes, in the file's
//! order (which ONNX requires to be topological — a node reading a value
//! not computed before it, as in a cycle, is refused), become layers
//! (`ops`), laid out with `model::layout`, with their weights under the
//! engine's names. The result is checked by compiling it and loading the
//! weights before anything is written.

pub mod graph;
pub mod ops;
pub mod tensor;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use prost::Message;

use self::graph::{Built, Val};
use crate::model::compile::sanitize;
use crate::model::infer::numel;
use crate::model::{
    Bundled, DataInfo, DataSource, DataSpec, Generator, LayerSpec, LossKind, Project, TrainConfig,
    analyze, compile,
};
use crate::onnx::proto::{ModelProto, tensor_shape_proto::dimension::Value as Dim, type_proto};
use crate::project::NamedTensor;

/// Largest ONNX file read (2 GiB).
pub const MAX_FILE_BYTES: u64 = 2 << 30;
/// Most nodes a graph may have.
pub const MAX_NODES: usize = 100_000;

/// Why a model could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{0}")]
    Read(String),
    /// The file is not a well-formed ONNX model (truncated, huge, cyclic,
    /// reading outside its folder).
    #[error("refused: {0}")]
    Hostile(String),
    /// Operators or patterns this import does not turn into layers.
    #[error("{0}")]
    Unsupported(String),
}

impl ImportError {
    /// Whether the file could not be read or is malformed (exit 2), as
    /// opposed to a model that is fine but unsupported (exit 1).
    pub fn is_io(&self) -> bool {
        matches!(self, Self::Read(_) | Self::Hostile(_))
    }
}

/// An imported project with its weights and the input shape it expects.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The project (laid out).
    pub project: Project,
    /// Its weights, named like `neuroglass train --out` names them.
    pub weights: Vec<NamedTensor>,
    /// Shape of one input sample.
    pub input_shape: Vec<usize>,
    /// ONNX nodes read.
    pub onnx_nodes: usize,
}

/// Reads and decodes an ONNX file.
///
/// # Errors
/// [`ImportError::Read`] for an unreadable file, [`ImportError::Hostile`]
/// for one that is not a well-formed model.
pub fn read_model(path: &Path) -> Result<ModelProto, ImportError> {
    let (mut r, _) = crate::data::file::open_regular(path, MAX_FILE_BYTES)
        .map_err(|e| ImportError::Read(e.to_string()))?;
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)
        .map_err(|e| ImportError::Read(format!("{}: {e}", path.display())))?;
    ModelProto::decode(bytes.as_slice()).map_err(|e| {
        ImportError::Hostile(format!(
            "{} is not a well-formed ONNX model (truncated or not ONNX): {e}",
            path.display()
        ))
    })
}

/// A data source whose samples have `shape`, where a bundled or generated
/// one has; else the default (the project then needs data of that shape).
fn data_for(shape: &[usize]) -> Option<DataSource> {
    Some(match shape {
        [2] => DataSource::Generated {
            generator: Generator::Spiral { arms: 2 },
            samples: 500,
            noise: 0.1,
        },
        [4] => DataSource::Bundled(Bundled::Iris),
        [10] => DataSource::Bundled(Bundled::Diabetes),
        [64] => DataSource::Bundled(Bundled::Digits8x8),
        [1, 8, 8] => DataSource::Bundled(Bundled::Digits8x8),
        [784] | [1, 28, 28] => DataSource::Bundled(Bundled::MnistSubset),
        [t, 1] => DataSource::Generated {
            generator: Generator::SineSequence { window: *t },
            samples: 500,
            noise: 0.05,
        },
        _ => return None,
    })
}

/// Turns a decoded model into a project. `dir` is the model's folder (for
/// external data); `stem` names the project when the model has no name.
///
/// # Errors
/// [`ImportError::Unsupported`] listing every unsupported operator and its
/// nodes, or the first node whose pattern is not understood;
/// [`ImportError::Hostile`] for malformed graphs.
pub fn import_model(
    model: &ModelProto,
    dir: Option<&Path>,
    stem: &str,
) -> Result<Imported, ImportError> {
    let hostile = |m: String| ImportError::Hostile(m);
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| hostile("the model has no graph".into()))?;
    if g.node.len() > MAX_NODES {
        return Err(hostile(format!(
            "{} nodes; the limit is {MAX_NODES}",
            g.node.len()
        )));
    }
    for o in &model.opset_import {
        let d = o.domain.as_deref().unwrap_or("");
        if (d.is_empty() || d == "ai.onnx")
            && o.version.unwrap_or(0) > 0
            && o.version.unwrap_or(0) < 7
        {
            return Err(ImportError::Unsupported(format!(
                "opset {} is older than this import reads (7 or later)",
                o.version.unwrap_or(0)
            )));
        }
    }
    // Every unsupported operator, with its nodes, before anything else.
    let mut unsupported: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, n) in g.node.iter().enumerate() {
        let op = n.op_type.clone().unwrap_or_default();
        let domain = n.domain.clone().unwrap_or_default();
        let known =
            (domain.is_empty() || domain == "ai.onnx") && ops::SUPPORTED.contains(&op.as_str());
        if !known {
            let label = if domain.is_empty() || domain == "ai.onnx" {
                op
            } else {
                format!("{domain}.{op}")
            };
            let node = n
                .name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("node {k}"));
            unsupported.entry(label).or_default().push(node);
        }
    }
    if !unsupported.is_empty() {
        let list: Vec<String> = unsupported
            .iter()
            .map(|(op, nodes)| format!("  {op}: {}", nodes.join(", ")))
            .collect();
        return Err(ImportError::Unsupported(format!(
            "the model uses operators Neuroglass has no layer for:\n{}",
            list.join("\n")
        )));
    }
    let mut b = Built::default();
    for t in &g.initializer {
        let name = t.name.clone().unwrap_or_default();
        let c = tensor::decode(t, dir)?;
        b.vals.insert(name, Val::Const(c));
    }
    // The one real input: a float tensor [batch, known sizes…].
    let inputs: Vec<_> = g
        .input
        .iter()
        .filter(|i| !b.vals.contains_key(i.name.as_deref().unwrap_or("")))
        .collect();
    let [input] = inputs[..] else {
        return Err(ImportError::Unsupported(format!(
            "the model has {} inputs; a project has one",
            inputs.len()
        )));
    };
    let in_name = input.name.clone().unwrap_or_default();
    let dims = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => t
            .shape
            .as_ref()
            .map(|s| s.dim.iter().map(|d| d.value.clone()).collect::<Vec<_>>())
            .unwrap_or_default(),
        _ => return Err(ImportError::Unsupported("the input is not a tensor".into())),
    };
    let mut shape = Vec::new();
    for (k, d) in dims.iter().enumerate().skip(1) {
        match d {
            Some(Dim::DimValue(v)) if *v > 0 && *v <= 1 << 24 => shape.push(*v as usize),
            _ => {
                return Err(ImportError::Unsupported(format!(
                    "the input's axis {k} has no fixed size (or an impossible one); only the batch may vary"
                )));
            }
        }
    }
    if shape.is_empty() || numel(&shape) > 1 << 28 {
        return Err(hostile(format!(
            "the input's shape {shape:?} is empty or too large"
        )));
    }
    let input_id = b
        .add(&in_name, LayerSpec::Input, &[], shape.clone(), Vec::new())
        .map_err(ImportError::Unsupported)?;
    b.vals.insert(
        in_name.clone(),
        Val::Layer {
            id: input_id,
            view: shape.clone(),
        },
    );
    for (k, n) in g.node.iter().enumerate() {
        for o in &n.output {
            if b.vals.contains_key(o) && !o.is_empty() {
                return Err(hostile(format!("value {o:?} is computed twice")));
            }
        }
        b.node(n, dir).map_err(|why| {
            let label = n
                .name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("node {k}"));
            let op = n.op_type.clone().unwrap_or_default();
            if why.contains("is not computed before") {
                ImportError::Hostile(format!(
                    "{op} {label:?}: {why} (a cycle, or nodes out of order)"
                ))
            } else {
                ImportError::Unsupported(format!("{op} {label:?}: {why}"))
            }
        })?;
    }
    let [output] = &g.output[..] else {
        return Err(ImportError::Unsupported(format!(
            "the model has {} outputs; a project has one",
            g.output.len()
        )));
    };
    let out_name = output.name.clone().unwrap_or_default();
    let (out_id, _) = b
        .materialize(&out_name)
        .map_err(|e| ImportError::Unsupported(format!("the output: {e}")))?;
    // Layers nothing reaches the output from are dropped (shape branches).
    let mut keep = std::collections::BTreeSet::new();
    let mut stack = vec![out_id];
    while let Some(id) = stack.pop() {
        if keep.insert(id) {
            stack.extend(b.graph.inputs_of(id).iter().map(|e| e.from));
        }
    }
    let all: Vec<_> = b.graph.nodes().iter().map(|n| n.id).collect();
    for id in all {
        if !keep.contains(&id) {
            b.graph.remove_node(id);
        }
    }
    let positions =
        crate::model::layout::auto_layout(&b.graph, crate::model::layout::Spacing::default());
    for (id, p) in positions {
        if let Some(n) = b.graph.node_mut(id) {
            n.pos = p;
        }
    }
    let last = b.graph.node(out_id).map(|n| n.spec.clone());
    let loss_by_output = match last {
        Some(LayerSpec::Activation(crate::model::Activation::Softmax)) => LossKind::CrossEntropy,
        Some(LayerSpec::Activation(crate::model::Activation::Sigmoid)) => {
            LossKind::BinaryCrossEntropy
        }
        _ => LossKind::Mse,
    };
    let name = g
        .name
        .clone()
        .filter(|s| !s.trim().is_empty() && s != "main_graph" && s != "torch_jit")
        .unwrap_or_else(|| stem.to_string());
    // Data of the input's shape where a bundled or generated set has it,
    // with a loss that fits it and the output; else the default data.
    let mut choice = None;
    if let Some(source) = data_for(&shape) {
        for loss in [loss_by_output, LossKind::CrossEntropy, LossKind::Mse] {
            let data = DataSpec {
                source: source.clone(),
                ..DataSpec::default()
            };
            let training = TrainConfig {
                loss,
                ..TrainConfig::default()
            };
            let fits = crate::model::data_info(&data)
                .is_some_and(|info| !analyze(&b.graph, Some(&info), &training).has_errors());
            if fits {
                choice = Some((source.clone(), loss));
                break;
            }
        }
    }
    let has_data = choice.is_some();
    let (source, loss) = match choice {
        Some((s, l)) => (Some(s), l),
        None => (None, loss_by_output),
    };
    let mut notes = model.doc_string.clone().unwrap_or_default();
    if notes.is_empty() {
        notes = model
            .metadata_props
            .iter()
            .find(|m| m.key.as_deref() == Some("notes"))
            .and_then(|m| m.value.clone())
            .unwrap_or_default();
    }
    let producer = model.producer_name.clone().unwrap_or_default();
    let origin = format!(
        "Imported from {stem}.onnx{}: input {}{}",
        if producer.is_empty() {
            String::new()
        } else {
            format!(" (written by {producer})")
        },
        crate::model::infer::fmt_shape(&shape),
        if source.is_none() {
            "; its data is a random stand-in of that shape: choose data with samples of that shape to train"
        } else {
            ""
        }
    );
    notes = if notes.is_empty() {
        origin
    } else {
        format!("{notes}\n\n{origin}")
    };
    let mut project = Project {
        name,
        notes,
        graph: b.graph.clone(),
        data: DataSpec {
            source: source.unwrap_or_default_source(),
            ..DataSpec::default()
        },
        training: TrainConfig {
            loss,
            ..TrainConfig::default()
        },
    };
    let mut weights = Vec::new();
    for n in project.graph.nodes() {
        for (p, s, v) in b.weights.get(&n.id).cloned().unwrap_or_default() {
            weights.push((format!("n{}_{}.{p}", n.id.0, sanitize(&n.name)), s, v));
        }
    }
    // The check: the project compiles for this input and takes the weights.
    let info = DataInfo {
        input_shape: shape.clone(),
        classes: None,
        targets: 1,
    };
    let info = fit_info(&project, info);
    if !has_data {
        // No bundled set has this input: random stand-in data of its shape,
        // so the project can still be inspected, traced and exported.
        project.data.source = DataSource::StandIn {
            shape: shape.clone(),
            classes: info.classes,
            targets: info.targets,
            samples: crate::data::standin::DEFAULT_SAMPLES,
        };
    }
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    if analysis.has_errors() {
        let first = analysis
            .problems()
            .find(|(_, p)| p.severity == crate::model::Severity::Error)
            .map(|(_, p)| p.message.clone())
            .unwrap_or_default();
        return Err(ImportError::Unsupported(format!(
            "the layers do not make a valid network: {first}"
        )));
    }
    for n in project.graph.nodes() {
        let got = analysis.nodes.get(&n.id).and_then(|i| i.out_shape.clone());
        if got.as_ref() != b.shapes.get(&n.id) {
            return Err(ImportError::Unsupported(format!(
                "layer {:?}: the import computed shape {:?} but the network has {:?}",
                n.name,
                b.shapes.get(&n.id),
                got
            )));
        }
    }
    let compiled = compile::<f32>(
        &project.graph,
        &analysis,
        &info,
        &project.training,
        project.training.seed,
    )
    .map_err(|e| ImportError::Unsupported(e.to_string()))?;
    let mut net = compiled.network;
    net.load_state_dict(&weights)
        .map_err(|e| ImportError::Unsupported(format!("the weights do not fit the layers: {e}")))?;
    Ok(Imported {
        project,
        weights,
        input_shape: shape,
        onnx_nodes: g.node.len(),
    })
}

/// Classes or targets that fit the network's output and loss.
fn fit_info(project: &Project, mut info: DataInfo) -> DataInfo {
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
}

trait OrDefaultSource {
    fn unwrap_or_default_source(self) -> DataSource;
}

impl OrDefaultSource for Option<DataSource> {
    fn unwrap_or_default_source(self) -> DataSource {
        self.unwrap_or_else(|| DataSpec::default().source)
    }
}

/// Imports the ONNX file at `path`.
///
/// # Errors
/// As [`read_model`] and [`import_model`].
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let model = read_model(path)?;
    let stem = path
        .file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned());
    import_model(&model, path.parent(), &stem)
}
