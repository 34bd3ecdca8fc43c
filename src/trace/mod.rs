//! One sample through the network, forward and backward, with every number:
//! each node's output and ∂L/∂(its output), each parameter's gradient, and
//! the sample's loss. Computed in `f64` from given weights in evaluation
//! mode (dropout off, BatchNorm's running statistics), the loss without
//! L1/L2 — what `neuroglass trace` prints and the window's trace shows.
//!
//! The trace knows the model (to compile), the engine (to run) and the
//! PyTorch export's plan (to name each parameter by its `state_dict` key);
//! it reads no files — callers pass the weights and the sample.

mod bptt;
mod sample;
mod sums;
mod working;

use ndarray::Array2;

use crate::engine::activation::Act;
use crate::engine::conv::{Geometry, Pad};
use crate::engine::loss::{Loss, Targets};
use crate::engine::network::StateEntry;
use crate::engine::{EngineError, Network};
use crate::export::pytorch::ExportError;
use crate::export::pytorch::plan::plan;
use crate::model::{
    Activation, Analysis, CompileError, DataInfo, LayerSpec, NodeId, Project, compile,
};

pub use sample::{SampleTarget, validation_sample};
pub use working::{Factor, Sum, TERMS_SHOWN, Term, Working, working};

/// Why a trace could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The graph could not be compiled (it has problems).
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The weights do not fit the network.
    #[error("the weights do not fit the network: {0}")]
    Weights(String),
    /// Weights or a sample that are not finite numbers.
    #[error("{0}")]
    NotFinite(String),
    /// No validation sample with this index.
    #[error("there is no validation sample {index}: the validation set has {count} samples (0 to {last})", last = count.saturating_sub(1))]
    NoSample {
        /// The index asked for.
        index: usize,
        /// Samples in the validation set.
        count: usize,
    },
    /// The sample does not fit the network (wrong length or class).
    #[error("the sample does not fit the network: {0}")]
    Sample(String),
    /// The engine refused to run the network on the sample.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The parameters could not be named as the PyTorch export names them.
    #[error("naming the parameters failed: {0}")]
    Names(String),
}

impl From<ExportError> for TraceError {
    fn from(e: ExportError) -> Self {
        Self::Names(e.to_string())
    }
}

/// One node of the project as the trace saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeTrace {
    /// The project's node id.
    pub id: NodeId,
    /// The project's name for it.
    pub name: String,
    /// The layer kind (`Dense`, `ReLU`, …).
    pub kind: &'static str,
    /// For an activation layer, its function (for the chain rule's factor).
    pub act: Option<Act>,
    /// The nodes it reads, in port order (none for the Input).
    pub inputs: Vec<NodeId>,
    /// Its output's shape per sample.
    pub shape: Vec<usize>,
    /// Its output for the sample, flat in C order.
    pub output: Vec<f64>,
    /// ∂L/∂(its output), flat in C order.
    pub grad: Vec<f64>,
    /// For a convolution, the window's geometry over its input (for the
    /// chain rule of its weights).
    pub geometry: Option<Geometry>,
}

/// One learnable tensor's gradient for the sample.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamTrace {
    /// The node it belongs to.
    pub node: NodeId,
    /// The engine's name within the layer (`weight`, `bias`, `weight_ih`…).
    pub name: &'static str,
    /// Its key in the PyTorch export's `state_dict`.
    pub torch_key: String,
    /// Its shape in PyTorch's layout (as its `state_dict` holds it).
    pub shape: Vec<usize>,
    /// Its value, flat in C order.
    pub value: Vec<f64>,
    /// ∂L/∂(each value), flat in C order.
    pub grad: Vec<f64>,
}

/// A sample's forward and backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The sample's target.
    pub target: SampleTarget,
    /// The project's loss for this one sample (no L1/L2 penalty).
    pub loss: f64,
    /// The loss's name.
    pub loss_name: &'static str,
    /// What the network predicts: class probabilities for classification
    /// (after the network's or the loss's softmax or sigmoid), else the
    /// output values.
    pub prediction: Vec<f64>,
    /// The most probable class, for classification.
    pub predicted_class: Option<usize>,
    /// Every node in evaluation order (a final Sigmoid folded into binary
    /// cross-entropy included, last).
    pub nodes: Vec<NodeTrace>,
    /// Every parameter, in the network's order.
    pub params: Vec<ParamTrace>,
    /// The output node (the last of `nodes`).
    pub output: NodeId,
}

impl Trace {
    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> Option<&NodeTrace> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The probability of the predicted class (for one output, the
    /// probability of class 1 or of class 0, whichever is predicted).
    pub fn confidence(&self) -> Option<f64> {
        let c = self.predicted_class?;
        match self.prediction.as_slice() {
            [p1] if c == 1 => Some(*p1),
            [p1] => Some(1.0 - p1),
            all => all.get(c).copied(),
        }
    }

    /// The parameters of node `id`.
    pub fn params_of(&self, id: NodeId) -> impl Iterator<Item = &ParamTrace> {
        self.params.iter().filter(move |p| p.node == id)
    }
}

/// What a trace says of a node besides its numbers.
struct NodeMeta {
    name: String,
    kind: &'static str,
    act: Option<Act>,
    inputs: Vec<NodeId>,
    shape: Vec<usize>,
    geometry: Option<Geometry>,
}

/// A project's network compiled in `f64` with given weights, ready to
/// trace samples one at a time.
pub struct Tracer {
    net: Network<f64>,
    loss: Loss,
    node_ids: Vec<NodeId>,
    meta: Vec<NodeMeta>,
    /// Per node, each parameter's `state_dict` key and PyTorch shape.
    keys: Vec<Vec<(String, Vec<usize>)>>,
    folded: Option<(NodeId, String, Vec<usize>)>,
    classes: Option<usize>,
}

impl Tracer {
    /// Compiles `project` (validated as `analysis` with `info`) in `f64`
    /// and loads `state` (as `train --out`, a run checkpoint or the trainer
    /// save them); `None` takes the initial weights from the project's seed
    /// as training starts from them (in `f32`, as the PyTorch export writes
    /// them).
    ///
    /// # Errors
    /// The graph has problems, or the weights do not fit or are not finite.
    pub fn new(
        project: &Project,
        analysis: &Analysis,
        info: &DataInfo,
        state: Option<&[StateEntry<f32>]>,
    ) -> Result<Self, TraceError> {
        let compiled = compile::<f64>(
            &project.graph,
            analysis,
            info,
            &project.training,
            project.training.seed,
        )?;
        let mut net = compiled.network;
        let initial;
        let state = match state {
            Some(s) => s,
            None => {
                initial = compile::<f32>(
                    &project.graph,
                    analysis,
                    info,
                    &project.training,
                    project.training.seed,
                )?
                .network
                .state_dict();
                &initial
            }
        };
        {
            if let Some((name, _, _)) = state
                .iter()
                .find(|(_, _, v)| v.iter().any(|x| !x.is_finite()))
            {
                return Err(TraceError::NotFinite(format!(
                    "the weights hold NaN or infinite values ({name})"
                )));
            }
            let wide: Vec<StateEntry<f64>> = state
                .iter()
                .map(|(k, s, v)| {
                    (
                        k.clone(),
                        s.clone(),
                        v.iter().map(|x| f64::from(*x)).collect(),
                    )
                })
                .collect();
            net.load_state_dict(&wide)
                .map_err(|e| TraceError::Weights(e.to_string()))?;
        }
        net.set_input_grad(true);
        let plan = plan(
            &project.graph,
            analysis,
            &info.input_shape,
            &net,
            &compiled.node_ids,
            compiled.folded_output.is_some(),
        )?;
        let keys = plan
            .nodes
            .iter()
            .map(|n| {
                n.params
                    .iter()
                    .map(|p| (p.key.clone(), p.shape.clone()))
                    .collect()
            })
            .collect();
        let shape = |id: NodeId| {
            analysis
                .nodes
                .get(&id)
                .and_then(|n| n.out_shape.clone())
                .unwrap_or_default()
        };
        let meta = compiled
            .node_ids
            .iter()
            .map(|&id| {
                let node = project.graph.node(id);
                let inputs: Vec<NodeId> =
                    project.graph.inputs_of(id).iter().map(|e| e.from).collect();
                let geometry = match (node.map(|n| &n.spec), inputs.first().map(|&i| shape(i))) {
                    (Some(LayerSpec::Conv2D(c)), Some(s)) => match s.as_slice() {
                        [ch, h, w] => Geometry::new(
                            [*ch, *h, *w],
                            c.kernel,
                            c.stride,
                            match c.padding {
                                crate::model::Padding::Same => Pad::Same,
                                crate::model::Padding::Valid => Pad::Valid,
                            },
                        ),
                        _ => None,
                    },
                    _ => None,
                };
                NodeMeta {
                    name: node.map(|n| n.name.clone()).unwrap_or_default(),
                    kind: node.map_or("", |n| n.spec.kind_name()),
                    act: match node.map(|n| &n.spec) {
                        Some(LayerSpec::Activation(a)) => Some(crate::model::compile::act(*a)),
                        _ => None,
                    },
                    inputs,
                    shape: shape(id),
                    geometry,
                }
            })
            .collect();
        let folded = match (compiled.folded_output, analysis.output) {
            (Some(Activation::Sigmoid), Some(out)) => project
                .graph
                .node(out)
                .map(|n| (out, n.name.clone(), shape(out))),
            _ => None,
        };
        Ok(Self {
            net,
            loss: compiled.loss,
            node_ids: compiled.node_ids,
            meta,
            keys,
            folded,
            classes: info.classes,
        })
    }

    /// Runs one sample `x` (its features, flat) forward in evaluation mode,
    /// takes the loss against `target` and back-propagates it.
    ///
    /// # Errors
    /// The sample has the wrong length, is not finite, or its class is out
    /// of range.
    pub fn trace(&mut self, x: &[f32], target: &SampleTarget) -> Result<Trace, TraceError> {
        if x.len() != self.net.input_len() {
            return Err(TraceError::Sample(format!(
                "{} features, the network reads {}",
                x.len(),
                self.net.input_len()
            )));
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(TraceError::NotFinite(
                "the sample holds NaN or infinite values".into(),
            ));
        }
        let input = Array2::from_shape_fn((1, x.len()), |(_, j)| f64::from(x[j]));
        let labels;
        let values;
        let targets = match target {
            SampleTarget::Class(c) => {
                labels = [*c];
                Targets::Classes(&labels)
            }
            SampleTarget::Values(v) => {
                values = Array2::from_shape_fn((1, v.len()), |(_, j)| v[j]);
                Targets::Values(values.view())
            }
        };
        let loss = self
            .net
            .eval_loss_backward(input.view(), &targets, self.loss)?;
        let row = |a: Option<ndarray::ArrayView2<f64>>, len: usize| -> Vec<f64> {
            a.map_or_else(|| vec![0.0; len], |a| a.iter().copied().collect())
        };
        let out_index = self.net.output_index();
        let mut nodes = Vec::with_capacity(self.node_ids.len() + 1);
        for (i, (&id, m)) in self.node_ids.iter().zip(&self.meta).enumerate() {
            let len = self.net.nodes().get(i).map_or(0, |n| n.layer.output_len());
            let output = row(self.net.node_output(i), len);
            let grad = if i == out_index {
                self.output_grad(&targets)?
            } else {
                row(self.net.node_grad(i), len)
            };
            nodes.push(NodeTrace {
                id,
                name: m.name.clone(),
                kind: m.kind,
                act: m.act,
                inputs: m.inputs.clone(),
                shape: m.shape.clone(),
                output,
                grad,
                geometry: m.geometry,
            });
        }
        let logits = row(Some(self.net.output()), self.net.output_len());
        let mut output = self.node_ids.get(out_index).copied().unwrap_or(NodeId(0));
        let prediction = if let Some((id, name, shape)) = &self.folded {
            // The Sigmoid folded into binary cross-entropy, as a node:
            // p = σ(z), ∂L/∂p = ∂L/∂z / σ′(z) = (p − y)/(p(1 − p)·n).
            let p: Vec<f64> = logits.iter().map(|&z| sigmoid(z)).collect();
            let y = target_values(target, p.len());
            let n = p.len().max(1) as f64;
            let grad = p
                .iter()
                .zip(&y)
                .map(|(&p, &y)| (p - y) / (p * (1.0 - p) * n))
                .collect();
            nodes.push(NodeTrace {
                id: *id,
                name: name.clone(),
                kind: "Sigmoid",
                act: Some(Act::Sigmoid),
                inputs: vec![output],
                shape: shape.clone(),
                output: p.clone(),
                grad,
                geometry: None,
            });
            output = *id;
            p
        } else if self.classes.is_some()
            && self.loss == Loss::SoftmaxCrossEntropy
            && !self.net.ends_in_softmax()
        {
            softmax(&logits)
        } else if self.classes.is_some() && self.loss == Loss::BinaryCrossEntropyWithLogits {
            logits.iter().map(|&z| sigmoid(z)).collect()
        } else {
            logits
        };
        let predicted_class = self.classes.map(|_| {
            if prediction.len() == 1 {
                usize::from(prediction.first().is_some_and(|&p| p >= 0.5))
            } else {
                argmax(&prediction)
            }
        });
        let mut params = Vec::new();
        for (i, &id) in self.node_ids.iter().enumerate() {
            let keys = self.keys.get(i);
            for (k, p) in self.net.node_params(i).iter().enumerate() {
                let (torch_key, shape) = keys
                    .and_then(|ks| ks.get(k))
                    .cloned()
                    .unwrap_or_else(|| (String::new(), p.shape.clone()));
                params.push(ParamTrace {
                    node: id,
                    name: p.name,
                    torch_key,
                    shape,
                    value: p.value.iter().copied().collect(),
                    grad: p.grad.iter().copied().collect(),
                });
            }
        }
        Ok(Trace {
            target: target.clone(),
            loss,
            loss_name: self.loss.name(),
            prediction,
            predicted_class,
            nodes,
            params,
            output,
        })
    }

    /// ∂L/∂(the output node's output): the loss's own gradient (for a
    /// final Softmax with cross-entropy, `−1/p_y` at the target class —
    /// the network itself goes straight to the Softmax's input).
    fn output_grad(&self, targets: &Targets<f64>) -> Result<Vec<f64>, TraceError> {
        let loss = self.loss.for_output(self.net.ends_in_softmax());
        let out = self.net.output();
        let mut g = Array2::zeros(out.raw_dim());
        loss.value_and_grad(out, targets, &mut g)?;
        Ok(g.iter().copied().collect())
    }
}

fn target_values(t: &SampleTarget, len: usize) -> Vec<f64> {
    match t {
        SampleTarget::Class(c) => vec![f64::from(*c); len],
        SampleTarget::Values(v) => v.clone(),
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv { (i, x) } else { (bi, bv) }
        })
        .0
}

#[cfg(test)]
mod tests;
