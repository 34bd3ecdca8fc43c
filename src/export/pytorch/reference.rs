//! The weights in PyTorch's names, and `reference.safetensors`: a batch of
//! training inputs with what Neuroglass computes for it in `f64`.

use ndarray::{Array2, s};

use crate::data::Target;
use crate::data::prepare::Prepared;
use crate::engine::loss::Targets;
use crate::engine::network::StateEntry;
use crate::engine::{Float, Mode, Network};
use crate::model::{Analysis, DataInfo, LayerSpec, Project, compile};

use super::ExportError;
use super::plan::Plan;
use super::tensors::{Tensor, Values};

/// Most samples in the reference batch.
pub const MAX_REFERENCE_SAMPLES: usize = 64;

/// Optimizer steps whose result the reference holds (two, so that momentum
/// and moment estimates take part).
pub const TRAIN_STEPS: usize = 2;

/// The network's weights and buffers under the plan's `state_dict` names,
/// in PyTorch's shapes, as `F32`; BatchNorm's `num_batches_tracked` is
/// `0` (Neuroglass does not count batches; PyTorch uses the count only
/// when `momentum=None`).
pub fn weight_tensors<F: Float>(plan: &Plan, network: &Network<F>) -> Vec<Tensor> {
    let mut out = Vec::new();
    for (i, node) in plan.nodes.iter().enumerate() {
        for (p, tp) in network.node_params(i).iter().zip(&node.params) {
            out.push(Tensor::new(
                tp.key.clone(),
                tp.shape.clone(),
                Values::F32(p.value.iter().map(|v| v.f64() as f32).collect()),
            ));
        }
        let buffers = network
            .nodes()
            .get(i)
            .map(|n| n.layer.buffers())
            .unwrap_or_default();
        for (name, values) in buffers {
            if let Some((_, key)) = node.buffers.iter().find(|b| b.0 == name) {
                out.push(Tensor::new(
                    key.clone(),
                    vec![values.len()],
                    Values::F32(values.iter().map(|v| v.f64() as f32).collect()),
                ));
            }
        }
        if let Some(key) = &node.batches_tracked {
            out.push(Tensor::new(key.clone(), vec![], Values::I64(vec![0])));
        }
    }
    out
}

/// What [`reference`] computed, for the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// The tensors of `reference.safetensors`.
    pub tensors: Vec<Tensor>,
    /// Samples in the batch.
    pub samples: usize,
    /// The loss of the batch.
    pub loss: f64,
}

fn with_batch(batch: usize, shape: &[usize]) -> Vec<usize> {
    let mut v = vec![batch];
    v.extend_from_slice(shape);
    v
}

fn f64s(a: ndarray::ArrayView2<f64>) -> Values {
    Values::F64(a.iter().copied().collect())
}

/// Runs the first training samples (at most a batch, at most
/// [`MAX_REFERENCE_SAMPLES`]) through the network in `f64` with the weights
/// of `state`: outputs in evaluation mode (`outputs_eval`), then outputs,
/// loss and every parameter's gradient in training mode with dropout off
/// (`outputs`, `loss`, `grad.{key}`), BatchNorm using the batch's
/// statistics. The loss has no L1/L2 penalty. Then [`TRAIN_STEPS`]
/// training steps on the same batch (clipping, penalties, the schedule's
/// rates for the first steps, the optimizer) and the parameters after them
/// (`trained.{key}`). Everything is `F64` but `train_steps`; the inputs are
/// the `f32` data, widened exactly.
///
/// # Errors
/// The network could not be compiled in `f64` or refused the batch (a bug
/// if validation passed).
pub fn reference(
    project: &Project,
    analysis: &Analysis,
    info: &DataInfo,
    plan: &Plan,
    state: &[StateEntry<f32>],
    prepared: &Prepared,
) -> Result<Reference, ExportError> {
    // The same network with dropout off; dropout draws nothing at
    // initialisation, so the compiled layers are otherwise identical.
    let mut graph = project.graph.clone();
    let dropouts: Vec<_> = graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.spec, LayerSpec::Dropout { .. }))
        .map(|n| n.id)
        .collect();
    for id in dropouts {
        if let Some(n) = graph.node_mut(id) {
            n.spec = LayerSpec::Dropout { rate: 0.0 };
        }
    }
    let compiled = compile::<f64>(
        &graph,
        analysis,
        info,
        &project.training,
        project.training.seed,
    )?;
    let mut net = compiled.network;
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
    net.load_state_dict(&wide)?;

    let train = &prepared.train;
    let n = project
        .training
        .batch_size
        .clamp(1, MAX_REFERENCE_SAMPLES)
        .min(train.x.nrows());
    let x: Array2<f64> = train.x.slice(s![..n, ..]).mapv(f64::from);
    let mut tensors = vec![Tensor::new(
        "inputs",
        with_batch(n, &train.input_shape),
        f64s(x.view()),
    )];
    let values;
    let labels: Vec<u32>;
    let targets = match &train.target {
        Target::Classes { labels: l, .. } => {
            labels = l.iter().take(n).copied().collect();
            tensors.push(Tensor::new(
                "targets",
                vec![n],
                Values::I64(labels.iter().map(|&c| i64::from(c)).collect()),
            ));
            Targets::Classes(&labels)
        }
        Target::Values { y, .. } => {
            values = y.slice(s![..n, ..]).mapv(f64::from);
            tensors.push(Tensor::new(
                "targets",
                vec![n, values.ncols()],
                f64s(values.view()),
            ));
            Targets::Values(values.view())
        }
    };
    let out_len = net.output_len();
    let eval = net.forward(x.view(), Mode::Eval)?.to_owned();
    tensors.push(Tensor::new(
        "outputs_eval",
        vec![n, out_len],
        f64s(eval.view()),
    ));
    let loss = net.forward_loss_backward(x.view(), &targets, compiled.loss)?;
    tensors.push(Tensor::new("outputs", vec![n, out_len], f64s(net.output())));
    tensors.push(Tensor::new("loss", vec![], Values::F64(vec![loss])));
    for (i, node) in plan.nodes.iter().enumerate() {
        for (p, tp) in net.node_params(i).iter().zip(&node.params) {
            tensors.push(Tensor::new(
                format!("grad.{}", tp.key),
                tp.shape.clone(),
                Values::F64(p.grad.iter().copied().collect()),
            ));
        }
    }
    // Then TRAIN_STEPS optimizer steps on the same batch, as train.py's
    // train_step() takes them: clipping, penalties, schedule, optimizer.
    let mut opt = crate::model::compile::optimizer::<f64>(&project.training);
    let schedule = crate::model::compile::schedule(&project.training);
    for step in 0..TRAIN_STEPS {
        let lr = schedule.lr_at(f64::from(project.training.learning_rate), 0, step);
        net.train_step(x.view(), &targets, compiled.loss, &mut opt, lr)?;
    }
    tensors.push(Tensor::new(
        "train_steps",
        vec![],
        Values::I64(vec![TRAIN_STEPS as i64]),
    ));
    for (i, node) in plan.nodes.iter().enumerate() {
        for (p, tp) in net.node_params(i).iter().zip(&node.params) {
            tensors.push(Tensor::new(
                format!("trained.{}", tp.key),
                tp.shape.clone(),
                Values::F64(p.value.iter().copied().collect()),
            ));
        }
    }
    Ok(Reference {
        tensors,
        samples: n,
        loss,
    })
}
