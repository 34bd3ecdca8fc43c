//! A solution: a short, typed list of edits a student would make with
//! the mouse, which `lesson verify` applies to a step's start. Layers are
//! named by their node names.

use serde::{Deserialize, Serialize};

use crate::model::{LayerSpec, NodeId, Project, Units};
use crate::project::layers::{ActivationFile, InitFile, LayerFile};
use crate::project::settings::{
    DataSourceFile, FeatureFile, LossFile, NormalizationFile, OptimizerFile,
};

/// One edit of a solution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Edit {
    /// Set the learning rate.
    LearningRate(f32),
    /// Set the epochs.
    Epochs(usize),
    /// Set the batch size.
    BatchSize(usize),
    /// Set the L2 penalty.
    L2(f32),
    /// Set the seed.
    Seed(u64),
    /// Choose the optimizer (with its settings, as in a project file).
    Optimizer(OptimizerFile),
    /// Choose the loss.
    Loss(LossFile),
    /// Replace the data source (as in a project file).
    Data(DataSourceFile),
    /// Set the number of generated samples.
    Samples(usize),
    /// Set the generator's noise.
    Noise(f32),
    /// Set the input features of a 2-D data set.
    Features(Vec<FeatureFile>),
    /// Set feature scaling.
    Normalization(NormalizationFile),
    /// Set a Dense layer's units (or a recurrent layer's).
    Units {
        /// The node's name.
        layer: String,
        /// The new count.
        units: usize,
    },
    /// Make an activation node another activation.
    Activation {
        /// The node's name.
        layer: String,
        /// The new activation.
        to: ActivationFile,
    },
    /// Set the initialiser of one layer, or of every layer with weights.
    Init {
        /// The node's name; `None` for every layer with weights.
        layer: Option<String>,
        /// The initialiser.
        init: InitFile,
    },
    /// Insert a new layer right after `after`: it takes over `after`'s
    /// outgoing wires.
    Add {
        /// The node the new one follows.
        after: String,
        /// The new node's name.
        name: String,
        /// What it is.
        kind: LayerFile,
    },
    /// Remove a single-input layer, wiring its input to what it fed.
    Remove(String),
    /// Replace what a node is, keeping its wires.
    Replace {
        /// The node's name.
        layer: String,
        /// The new kind.
        kind: LayerFile,
    },
    /// Train the project as it is now (a run the step's goals can see).
    Train,
    /// Trace one sample through the network.
    Trace,
}

/// Why an edit could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// No node has that name.
    #[error("no layer is named `{0}`; solutions name layers by their node names")]
    NoSuchLayer(String),
    /// The edit does not fit the node.
    #[error("layer `{layer}` is a {kind}: {what}")]
    WrongKind {
        /// The node's name.
        layer: String,
        /// What it is.
        kind: &'static str,
        /// What the edit needed.
        what: &'static str,
    },
    /// The data source is not generated.
    #[error("{0} only applies to generated data")]
    NotGenerated(&'static str),
    /// Rewiring failed.
    #[error("rewiring around `{layer}` failed: {message}")]
    Wiring {
        /// The node's name.
        layer: String,
        /// What the graph said.
        message: String,
    },
}

fn find(p: &Project, name: &str) -> Result<NodeId, EditError> {
    p.graph
        .nodes()
        .iter()
        .find(|n| n.name == name)
        .map(|n| n.id)
        .ok_or_else(|| EditError::NoSuchLayer(name.to_owned()))
}

/// Applies one edit that changes the project (`Train` and `Trace` change
/// nothing here; the caller acts on them).
///
/// # Errors
/// A named layer is missing or of the wrong kind, or the data is not
/// generated for a data edit.
pub fn apply(p: &mut Project, edit: &Edit) -> Result<(), EditError> {
    let t = &mut p.training;
    match edit {
        Edit::LearningRate(v) => t.learning_rate = *v,
        Edit::Epochs(v) => t.epochs = *v,
        Edit::BatchSize(v) => t.batch_size = *v,
        Edit::L2(v) => t.l2 = *v,
        Edit::Seed(v) => t.seed = *v,
        Edit::Optimizer(o) => t.optimizer = (*o).into(),
        Edit::Loss(l) => t.loss = (*l).into(),
        Edit::Data(d) => p.data.source = d.into(),
        Edit::Samples(n) => match &mut p.data.source {
            crate::model::DataSource::Generated { samples, .. } => *samples = *n,
            _ => return Err(EditError::NotGenerated("the number of samples")),
        },
        Edit::Noise(v) => match &mut p.data.source {
            crate::model::DataSource::Generated { noise, .. } => *noise = *v,
            _ => return Err(EditError::NotGenerated("the noise")),
        },
        Edit::Features(f) => p.data.features = f.iter().map(|&x| x.into()).collect(),
        Edit::Normalization(n) => p.data.normalization = (*n).into(),
        Edit::Units { layer, units } => {
            let id = find(p, layer)?;
            let node = p
                .graph
                .node_mut(id)
                .ok_or_else(|| EditError::NoSuchLayer(layer.clone()))?;
            match &mut node.spec {
                LayerSpec::Dense(d) => d.units = Units::Fixed(*units),
                LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
                    r.units = *units;
                }
                other => {
                    return Err(EditError::WrongKind {
                        layer: layer.clone(),
                        kind: other.kind_name(),
                        what: "only Dense and recurrent layers have units",
                    });
                }
            }
        }
        Edit::Activation { layer, to } => {
            let id = find(p, layer)?;
            let node = p
                .graph
                .node_mut(id)
                .ok_or_else(|| EditError::NoSuchLayer(layer.clone()))?;
            if !matches!(node.spec, LayerSpec::Activation(_)) {
                return Err(EditError::WrongKind {
                    layer: layer.clone(),
                    kind: node.spec.kind_name(),
                    what: "only an activation node can change its activation",
                });
            }
            node.spec = LayerSpec::Activation((*to).into());
        }
        Edit::Init { layer, init } => {
            let ids: Vec<NodeId> = match layer {
                Some(name) => vec![find(p, name)?],
                None => p.graph.nodes().iter().map(|n| n.id).collect(),
            };
            let mut any = false;
            for id in ids {
                if let Some(node) = p.graph.node_mut(id) {
                    let i = (*init).into();
                    match &mut node.spec {
                        LayerSpec::Dense(d) => d.init = i,
                        LayerSpec::Conv2D(c) => c.init = i,
                        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
                            r.init = i;
                        }
                        _ => continue,
                    }
                    any = true;
                }
            }
            if !any {
                return Err(EditError::WrongKind {
                    layer: layer.clone().unwrap_or_else(|| "(every layer)".into()),
                    kind: "layer without weights",
                    what: "only layers with weights have an initialiser",
                });
            }
        }
        Edit::Add { after, name, kind } => {
            let from = find(p, after)?;
            let pos = p.graph.node(from).map_or([0.0, 0.0], |n| n.pos);
            let outs = p.graph.outputs_of(from);
            let new = p
                .graph
                .add_node(name.clone(), kind.into(), [pos[0] + 140.0, pos[1] + 45.0]);
            let wiring = |message: crate::model::GraphError| EditError::Wiring {
                layer: after.clone(),
                message: message.to_string(),
            };
            for e in &outs {
                p.graph.disconnect(*e);
            }
            p.graph.connect(from, new).map_err(wiring)?;
            // The new node feeds what `after` fed (a multi-input node gets
            // the wire on its next free port).
            for e in outs {
                p.graph.connect(new, e.to).map_err(wiring)?;
            }
        }
        Edit::Remove(name) => {
            let id = find(p, name)?;
            let ins = p.graph.inputs_of(id);
            if ins.len() != 1 {
                return Err(EditError::WrongKind {
                    layer: name.clone(),
                    kind: p.graph.node(id).map_or("layer", |n| n.spec.kind_name()),
                    what: "only a layer with exactly one input can be removed by a solution",
                });
            }
            let from = ins[0].from;
            let outs = p.graph.outputs_of(id);
            p.graph.remove_node(id);
            for e in outs {
                p.graph.connect(from, e.to).map_err(|m| EditError::Wiring {
                    layer: name.clone(),
                    message: m.to_string(),
                })?;
            }
        }
        Edit::Replace { layer, kind } => {
            let id = find(p, layer)?;
            if let Some(node) = p.graph.node_mut(id) {
                node.spec = kind.into();
            }
        }
        Edit::Train | Edit::Trace => {}
    }
    Ok(())
}

/// An edit in words, for the window's "Show the solution".
pub fn describe(edit: &Edit) -> String {
    let layer_kind = |k: &LayerFile| LayerSpec::from(k).kind_name();
    match edit {
        Edit::LearningRate(v) => format!("set the learning rate to {v}"),
        Edit::Epochs(v) => format!("set the epochs to {v}"),
        Edit::BatchSize(v) => format!("set the batch size to {v}"),
        Edit::L2(v) => format!("set L2 to {v}"),
        Edit::Seed(v) => format!("set the seed to {v}"),
        Edit::Optimizer(o) => format!(
            "choose the optimizer {}",
            crate::model::OptimizerSpec::from(*o).name()
        ),
        Edit::Loss(l) => format!(
            "choose the loss {}",
            crate::model::LossKind::from(*l).name()
        ),
        Edit::Data(_) => "change the data set".to_owned(),
        Edit::Samples(n) => format!("use {n} samples"),
        Edit::Noise(v) => format!("set the noise to {v}"),
        Edit::Features(f) => format!("use {} input features", f.len()),
        Edit::Normalization(_) => "change the feature scaling".to_owned(),
        Edit::Units { layer, units } => format!("give {layer} {units} units"),
        Edit::Activation { layer, to } => format!(
            "make {layer} a {}",
            crate::model::Activation::from(*to).name()
        ),
        Edit::Init { layer, init } => format!(
            "start {} with {}",
            layer.as_deref().unwrap_or("every layer with weights"),
            super::goal::init_name((*init).into())
        ),
        Edit::Add { after, name, kind } => match LayerSpec::from(kind) {
            LayerSpec::Dense(d) => match d.units {
                Units::Fixed(n) => {
                    format!("add a Dense layer \"{name}\" of {n} units after {after}")
                }
                Units::Auto => format!("add a Dense layer \"{name}\" after {after}"),
            },
            _ => format!("add a {} layer \"{name}\" after {after}", layer_kind(kind)),
        },
        Edit::Remove(name) => format!("remove {name} (wire its input to what it fed)"),
        Edit::Replace { layer, kind } => format!("make {layer} a {}", layer_kind(kind)),
        Edit::Train => "train".to_owned(),
        Edit::Trace => "trace one sample (View ▸ Trace)".to_owned(),
    }
}
