//! Cost at scale: what data-parallel training of a project on `N` workers
//! at a global batch `B` needs per worker — the exported `train.py` under
//! `torchrun` — and how many bytes are all-reduced each step. The memory
//! terms are the ones [`super::analysis::train_memory_bytes`] counts for
//! one worker (weights, gradients, optimizer state, activations and their
//! gradients, the layers' working memory), split by component and with
//! the optimizer's actual state and the worker's share `⌈B/N⌉` of the
//! batch; the data set is not counted.

use super::{Analysis, Graph, OptimizerSpec};

/// Bytes per value (`f32`).
const BYTES: u64 = 4;

/// The estimate for one worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleEstimate {
    /// Workers.
    pub world: usize,
    /// Samples per step over all workers.
    pub global_batch: usize,
    /// Samples per step on one worker, `⌈B/N⌉`.
    pub worker_batch: usize,
    /// The parameters.
    pub weights_bytes: u64,
    /// Their gradients.
    pub grads_bytes: u64,
    /// The optimizer's state (moments, momentum buffers).
    pub optimizer_bytes: u64,
    /// Activations, their gradients and the input-gradient scratch at the
    /// worker's batch, plus the layers' working memory (convolution column matrices, recurrent
    /// per-shard gradients).
    pub activation_bytes: u64,
    /// The sum: what one worker needs.
    pub memory_per_worker_bytes: u64,
    /// The gradient bytes all-reduced each step (every parameter's
    /// gradient; 0 on one worker, which reduces nothing).
    pub allreduce_bytes_per_step: u64,
}

impl ScaleEstimate {
    /// Bytes one worker sends (and receives) per step in a ring
    /// all-reduce: `2·(N−1)/N` of the gradients.
    pub fn ring_bytes_per_worker(&self) -> u64 {
        let n = self.world.max(1) as u64;
        self.allreduce_bytes_per_step
            .saturating_mul(2 * (n - 1))
            .checked_div(n)
            .unwrap_or(0)
    }
}

/// State tensors the optimizer keeps per parameter.
pub fn optimizer_slots(opt: &OptimizerSpec) -> u64 {
    match *opt {
        OptimizerSpec::Sgd { momentum, .. } => u64::from(momentum != 0.0),
        OptimizerSpec::Adam { .. } | OptimizerSpec::AdamW { .. } => 2,
        OptimizerSpec::RmsProp { momentum, .. } => 1 + u64::from(momentum != 0.0),
        OptimizerSpec::Adagrad { .. } => 1,
    }
}

/// The estimate for `graph` (analysed as `a`) trained with `opt` at global
/// batch `global_batch` on `world` workers (both at least 1).
pub fn estimate(
    graph: &Graph,
    a: &Analysis,
    opt: &OptimizerSpec,
    global_batch: usize,
    world: usize,
) -> ScaleEstimate {
    let world = world.max(1);
    let global_batch = global_batch.max(1);
    let worker_batch = global_batch.div_ceil(world);
    let params = a.total_params;
    let weights_bytes = params.saturating_mul(BYTES);
    let per_sample: u64 = a
        .nodes
        .values()
        .filter_map(|n| n.out_shape.as_deref())
        .fold(0u64, |s, sh| {
            s.saturating_add(sh.iter().fold(1u64, |p, &d| p.saturating_mul(d as u64)))
        });
    // Each node's output, the gradient reaching it, and the scratch its
    // backward pass writes its input gradient into.
    let activation_bytes = per_sample
        .saturating_mul(worker_batch as u64)
        .saturating_mul(3 * BYTES)
        .saturating_add(super::analysis::layer_scratch_bytes(graph, a, worker_batch));
    let optimizer_bytes = weights_bytes.saturating_mul(optimizer_slots(opt));
    ScaleEstimate {
        world,
        global_batch,
        worker_batch,
        weights_bytes,
        grads_bytes: weights_bytes,
        optimizer_bytes,
        activation_bytes,
        memory_per_worker_bytes: weights_bytes
            .saturating_mul(2)
            .saturating_add(optimizer_bytes)
            .saturating_add(activation_bytes),
        allreduce_bytes_per_step: if world > 1 { weights_bytes } else { 0 },
    }
}
