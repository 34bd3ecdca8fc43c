//! Compiling a validated graph into an executable `engine::Network`, and
//! translating the document's settings into the engine's.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::engine::activation::{Act, ActivationLayer};
use crate::engine::conv::{Conv2D, ConvConfig, Pad};
use crate::engine::dense::Dense;
use crate::engine::dropout::Dropout;
use crate::engine::init::InitKind;
use crate::engine::loss::Loss;
use crate::engine::merge::{Add, Concatenate};
use crate::engine::norm::{BatchNorm, LayerNorm};
use crate::engine::optim::{Optimizer, OptimizerKind};
use crate::engine::pool::{GlobalAvgPool, Pool2D};
use crate::engine::recurrent::{Cell, Recurrent};
use crate::engine::reshape::Identity;
use crate::engine::schedule::ScheduleKind;
use crate::engine::{EngineError, Float, Layer, NetNode, Network, Source};

use super::infer::numel;
use super::{
    Activation, Analysis, DataInfo, Graph, Init, LayerSpec, LossKind, NodeId, OptimizerSpec,
    Padding, Schedule, TrainConfig,
};

/// Why a graph could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// Validation found errors; fix them first.
    #[error("the network has problems: {0}")]
    Invalid(String),
    /// The engine refused the network (a bug if validation passed).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A compiled network with what the trainer needs to drive it.
pub struct Compiled<F: Float> {
    /// The executable network.
    pub network: Network<F>,
    /// The loss in the engine's terms.
    pub loss: Loss,
    /// For each engine node index, the graph node it came from.
    pub node_ids: Vec<NodeId>,
    /// An activation folded into the loss and left out of the network
    /// (a final Sigmoid before binary cross-entropy): the network outputs
    /// logits and views apply this to show probabilities.
    pub folded_output: Option<Activation>,
}

/// The engine's initialiser for a document initialiser; `default` is what
/// [`Init::Default`] means for the layer.
pub fn init_kind(init: Init, default: InitKind) -> InitKind {
    match init {
        Init::Default => default,
        Init::XavierUniform => InitKind::XavierUniform,
        Init::XavierNormal => InitKind::XavierNormal,
        Init::HeUniform => InitKind::HeUniform,
        Init::HeNormal => InitKind::HeNormal,
        Init::LeCun => InitKind::LeCun,
        Init::Zeros => InitKind::Zeros,
        Init::Constant(c) => InitKind::Constant(c as f64),
    }
}

/// The engine's activation for a document activation.
pub fn act(a: Activation) -> Act {
    match a {
        Activation::ReLU => Act::Relu,
        Activation::LeakyReLU { slope } => Act::LeakyRelu(slope as f64),
        Activation::Elu { alpha } => Act::Elu(alpha as f64),
        Activation::Sigmoid => Act::Sigmoid,
        Activation::Tanh => Act::Tanh,
        Activation::Softmax => Act::Softmax,
        Activation::Gelu => Act::Gelu,
        Activation::Linear => Act::Linear,
    }
}

/// The engine's loss for a document loss.
pub fn loss(kind: LossKind) -> Loss {
    match kind {
        LossKind::Mse => Loss::Mse,
        LossKind::Mae => Loss::Mae,
        LossKind::Huber { delta } => Loss::Huber(delta as f64),
        LossKind::CrossEntropy => Loss::SoftmaxCrossEntropy,
        LossKind::BinaryCrossEntropy => Loss::BinaryCrossEntropyWithLogits,
    }
}

/// The engine's optimizer for the training settings (penalties and
/// clipping included).
pub fn optimizer<F: Float>(t: &TrainConfig) -> Optimizer<F> {
    let kind = match t.optimizer {
        OptimizerSpec::Sgd { momentum, nesterov } => OptimizerKind::Sgd {
            momentum: momentum as f64,
            nesterov,
        },
        OptimizerSpec::Adam { beta1, beta2, eps } => OptimizerKind::Adam {
            beta1: beta1 as f64,
            beta2: beta2 as f64,
            eps: eps as f64,
        },
        OptimizerSpec::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => OptimizerKind::AdamW {
            beta1: beta1 as f64,
            beta2: beta2 as f64,
            eps: eps as f64,
            weight_decay: weight_decay as f64,
        },
        OptimizerSpec::RmsProp {
            alpha,
            eps,
            momentum,
        } => OptimizerKind::RmsProp {
            alpha: alpha as f64,
            eps: eps as f64,
            momentum: momentum as f64,
        },
        OptimizerSpec::Adagrad { eps } => OptimizerKind::Adagrad { eps: eps as f64 },
    };
    Optimizer::new(kind)
        .with_penalties(t.l1 as f64, t.l2 as f64)
        .with_clip_norm(t.clip_grad_norm.map(|c| c as f64))
}

/// The engine's schedule for the training settings.
pub fn schedule(t: &TrainConfig) -> ScheduleKind {
    match t.schedule {
        Schedule::Constant => ScheduleKind::Constant,
        Schedule::Step {
            every_epochs,
            gamma,
        } => ScheduleKind::Step {
            every_epochs,
            gamma: gamma as f64,
        },
        Schedule::Exponential { gamma } => ScheduleKind::Exponential {
            gamma: gamma as f64,
        },
        Schedule::Cosine { min_lr } => ScheduleKind::Cosine {
            min_lr: min_lr as f64,
            total_epochs: t.epochs,
        },
        Schedule::Warmup { steps } => ScheduleKind::Warmup { steps },
    }
}

fn image(shape: &[usize]) -> Result<[usize; 3], CompileError> {
    match shape {
        [c, h, w] => Ok([*c, *h, *w]),
        _ => Err(CompileError::Invalid("expected an image input".into())),
    }
}

fn shape_of(a: &Analysis, id: NodeId) -> Result<Vec<usize>, CompileError> {
    a.nodes
        .get(&id)
        .and_then(|n| n.out_shape.clone())
        .ok_or_else(|| CompileError::Invalid(format!("node {id} has no known shape")))
}

/// Builds one engine layer for a node, given its input shapes and output shape.
fn build_layer<F: Float>(
    spec: &LayerSpec,
    ins: &[Vec<usize>],
    out: &[usize],
    rng: &mut ChaCha8Rng,
) -> Result<Box<dyn Layer<F>>, CompileError> {
    let in0 = ins.first().cloned().unwrap_or_default();
    let in_len = numel(&in0) as usize;
    let out_len = numel(out) as usize;
    Ok(match spec {
        LayerSpec::Input => Box::new(Identity::new("Input", out_len)),
        LayerSpec::Flatten => Box::new(Identity::new("Flatten", out_len)),
        LayerSpec::Reshape { .. } => Box::new(Identity::new("Reshape", out_len)),
        LayerSpec::Dense(d) => Box::new(Dense::new(
            in_len,
            out_len,
            d.bias,
            init_kind(d.init, InitKind::TorchDefault),
            rng,
        )),
        LayerSpec::Dropout { rate } => Box::new(Dropout::new(*rate as f64, out_len)),
        LayerSpec::Activation(a) => Box::new(ActivationLayer::new(act(*a), out_len)),
        LayerSpec::Add => Box::new(Add::new(out_len, ins.len())),
        LayerSpec::Concatenate => Box::new(Concatenate::new(ins.to_vec())),
        LayerSpec::Conv2D(c) => {
            let cfg = ConvConfig {
                filters: c.filters,
                kernel: c.kernel,
                stride: c.stride,
                pad: match c.padding {
                    Padding::Same => Pad::Same,
                    Padding::Valid => Pad::Valid,
                },
                bias: c.bias,
                init: init_kind(c.init, InitKind::TorchDefault),
            };
            Box::new(Conv2D::new(image(&in0)?, cfg, rng).ok_or_else(|| {
                CompileError::Invalid("the convolution does not fit its input".into())
            })?)
        }
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => Box::new(
            Pool2D::new(
                image(&in0)?,
                p.size,
                p.stride,
                matches!(spec, LayerSpec::MaxPool2D(_)),
            )
            .ok_or_else(|| {
                CompileError::Invalid("the pooling window does not fit its input".into())
            })?,
        ),
        LayerSpec::GlobalAvgPool => Box::new(GlobalAvgPool::new(image(&in0)?)),
        LayerSpec::BatchNorm(b) => {
            let (c, s) = match in0.as_slice() {
                [c, h, w] => (*c, h * w),
                _ => (in_len, 1),
            };
            Box::new(BatchNorm::new(c, s, b.momentum as f64, b.eps as f64))
        }
        LayerSpec::LayerNorm { eps } => Box::new(LayerNorm::new(in_len, *eps as f64)),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let [t, i] = match in0.as_slice() {
                [t, i] => [*t, *i],
                _ => {
                    return Err(CompileError::Invalid(
                        "a recurrent layer needs a sequence input".into(),
                    ));
                }
            };
            let cell = match spec {
                LayerSpec::Lstm(_) => Cell::Lstm,
                LayerSpec::Gru(_) => Cell::Gru,
                _ => Cell::Rnn,
            };
            let init = match r.init {
                Init::Default => None,
                other => Some(init_kind(other, InitKind::TorchDefault)),
            };
            Box::new(Recurrent::new(
                cell,
                t,
                i,
                r.units,
                r.return_sequences,
                init,
                rng,
            ))
        }
    })
}

/// Compiles `graph` (which `analysis` validated with `data`) into a network
/// whose weights are initialised from `seed`.
///
/// # Errors
/// [`CompileError::Invalid`] when the analysis has errors or shapes are
/// unknown.
pub fn compile<F: Float>(
    graph: &Graph,
    analysis: &Analysis,
    data: &DataInfo,
    training: &TrainConfig,
    seed: u64,
) -> Result<Compiled<F>, CompileError> {
    if analysis.has_errors() {
        let first = analysis
            .problems()
            .find(|(_, p)| p.severity == super::Severity::Error)
            .map(|(_, p)| p.message.clone())
            .unwrap_or_default();
        return Err(CompileError::Invalid(first));
    }
    let output = analysis
        .output
        .ok_or_else(|| CompileError::Invalid("the network has no single output".into()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order = analysis.order.clone();
    // A final Sigmoid before binary cross-entropy is folded into the loss.
    let mut folded_output = None;
    let mut out_id = output;
    if training.loss == LossKind::BinaryCrossEntropy
        && let Some(n) = graph.node(output)
        && n.spec == LayerSpec::Activation(Activation::Sigmoid)
        && let Some(e) = graph.inputs_of(output).first()
    {
        folded_output = Some(Activation::Sigmoid);
        out_id = e.from;
        order.retain(|id| *id != output);
    }
    let input_len = numel(&data.input_shape) as usize;
    let mut index_of = std::collections::BTreeMap::new();
    let mut nodes = Vec::with_capacity(order.len());
    let mut node_ids = Vec::with_capacity(order.len());
    for id in &order {
        let Some(node) = graph.node(*id) else {
            continue;
        };
        let edges = graph.inputs_of(*id);
        let mut inputs = Vec::new();
        let mut in_shapes = Vec::new();
        if node.spec == LayerSpec::Input {
            inputs.push(Source::Input);
            in_shapes.push(data.input_shape.clone());
        } else {
            for e in &edges {
                let i = index_of.get(&e.from).copied().ok_or_else(|| {
                    CompileError::Invalid(format!("node {id} reads a node that is not compiled"))
                })?;
                inputs.push(Source::Node(i));
                in_shapes.push(shape_of(analysis, e.from)?);
            }
        }
        let out_shape = shape_of(analysis, *id)?;
        let layer = build_layer::<F>(&node.spec, &in_shapes, &out_shape, &mut rng)?;
        index_of.insert(*id, nodes.len());
        node_ids.push(*id);
        nodes.push(NetNode {
            name: format!("n{}_{}", id.0, sanitize(&node.name)),
            layer,
            inputs,
        });
    }
    let out_index = index_of
        .get(&out_id)
        .copied()
        .ok_or_else(|| CompileError::Invalid("the output node was not compiled".into()))?;
    let network = Network::new(input_len, nodes, out_index, seed ^ 0x9E37_79B9_7F4A_7C15)?;
    Ok(Compiled {
        network,
        loss: loss(training.loss),
        node_ids,
        folded_output,
    })
}

/// A node name safe for weight-file keys: letters, digits and `_`.
pub fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if s.is_empty() { "layer".into() } else { s }
}
