//! The result of shape inference and validation over a whole graph.

use std::collections::BTreeMap;

use super::NodeId;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Training may work but probably not as meant.
    Warning,
    /// The graph cannot be compiled or trained.
    Error,
}

/// One problem, with a plain message and a suggested fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, e.g. "Dense expects a flat input but gets 16×7×7".
    pub message: String,
    /// What to do, e.g. "insert a Flatten before it".
    pub fix: String,
}

/// What inference found for one node.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeInfo {
    /// Output shape per sample, when it could be inferred.
    pub out_shape: Option<Vec<usize>>,
    /// Learnable parameters.
    pub params: u64,
    /// Multiply-adds ×2 per sample in the forward pass.
    pub flops: u64,
    /// Problems attached to this node.
    pub problems: Vec<Problem>,
}

/// Shape inference and validation for a whole graph.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Analysis {
    /// Per node, keyed by id.
    pub nodes: BTreeMap<NodeId, NodeInfo>,
    /// Problems of the graph as a whole (no input, several outputs, loss
    /// against output…).
    pub graph_problems: Vec<Problem>,
    /// Nodes in execution order (empty when there is a cycle).
    pub order: Vec<NodeId>,
    /// The output node, when there is exactly one.
    pub output: Option<NodeId>,
    /// Total learnable parameters.
    pub total_params: u64,
    /// Total forward FLOPs per sample.
    pub total_flops: u64,
    /// Estimated bytes for training one batch (weights, gradients,
    /// optimizer state, activations).
    pub train_memory_bytes: u64,
}

impl Analysis {
    /// Whether anything is an error.
    pub fn has_errors(&self) -> bool {
        self.problems().any(|(_, p)| p.severity == Severity::Error)
    }

    /// Every problem, with its node (None for graph-level ones).
    pub fn problems(&self) -> impl Iterator<Item = (Option<NodeId>, &Problem)> {
        self.graph_problems.iter().map(|p| (None, p)).chain(
            self.nodes
                .iter()
                .flat_map(|(id, n)| n.problems.iter().map(move |p| (Some(*id), p))),
        )
    }
}

/// Rows the trainer evaluates at once (validation, predictions, snapshots).
pub const EVAL_ROWS: u64 = 1024;

/// Estimated bytes to train: weights, gradients and two optimizer moments
/// (16 bytes a parameter); activations and their gradients for one batch,
/// or the activations of an evaluation chunk of [`EVAL_ROWS`] if larger;
/// and the layers' working memory ([`layer_scratch_bytes`]) for the larger
/// of the two. All `f32`; the data set itself is not counted.
pub fn train_memory_bytes(graph: &super::Graph, a: &Analysis, batch: usize) -> u64 {
    let activations = a
        .nodes
        .values()
        .filter_map(|n| n.out_shape.as_deref())
        .fold(0u64, |s, sh| {
            s.saturating_add(sh.iter().fold(1u64, |p, &d| p.saturating_mul(d as u64)))
        });
    let train = activations.saturating_mul(batch as u64).saturating_mul(8);
    let eval = activations.saturating_mul(EVAL_ROWS).saturating_mul(4);
    a.total_params
        .saturating_mul(16)
        .saturating_add(train.max(eval))
        .saturating_add(scratch_bytes(
            graph,
            a,
            batch.max(EVAL_ROWS as usize),
            batch,
        ))
}

/// Resident memory of a `neuroglass` process that trains a tiny network on
/// a tiny data set: the program, its libraries, the allocator's arenas and
/// the worker threads' stacks as far as they are touched (measured with
/// `tests/memory_estimate.rs`: 11 to 14 MB for the small examples).
pub const PROCESS_BASE_BYTES: u64 = 12 << 20;

/// Bytes the data takes at the peak of a run, for `values` numbers
/// (features and targets of the training and validation parts): 4 bytes
/// each, twice — the table as loaded and the prepared parts exist together
/// while the data is prepared, and the trainer keeps its own copy of the
/// parts.
pub fn data_memory_bytes(values: u64) -> u64 {
    values.saturating_mul(8)
}

/// What a whole training run needs at its peak: the process itself
/// ([`PROCESS_BASE_BYTES`]), the network's training memory
/// ([`train_memory_bytes`]) and the data ([`data_memory_bytes`]). This is
/// what `neuroglass train` compares with the memory available.
pub fn run_memory_bytes(a: &Analysis, data_values: u64) -> u64 {
    PROCESS_BASE_BYTES
        .saturating_add(a.train_memory_bytes)
        .saturating_add(data_memory_bytes(data_values))
}

/// What a recurrent layer keeps for back-propagation through time, for
/// `rows` samples of `[T, I]` into `H` units with `G` gates: per step the
/// input and its gradient (`2·I`), the gates and their gradients (`2·G·H`;
/// GRU one more `G·H` and `H`), hidden states, cell states and `tanh(c)`
/// (`3·H`), in `f32`.
fn bptt_bytes(
    spec: &super::LayerSpec,
    input: Option<&[usize]>,
    out: Option<&[usize]>,
    rows: u64,
) -> u64 {
    use super::LayerSpec;
    let (Some([t, i]), Some(h)) = (input, out.and_then(|o| o.last())) else {
        return 0;
    };
    let (t, i, h) = (*t as u64, *i as u64, *h as u64);
    let (g, extra) = match spec {
        LayerSpec::Lstm(_) => (4, 0),
        LayerSpec::Gru(_) => (3, 3 * h + h),
        _ => (1, 0),
    };
    let per_step = 2 * i + 2 * g * h + 3 * h + extra;
    rows.saturating_mul(t)
        .saturating_mul(per_step)
        .saturating_mul(4)
}

/// Working memory of the layers beyond their activations, for one training
/// step at `batch`: a Conv2D's column matrix and its gradient (`C·k·k` ×
/// `OH·OW` per sample, for every row of the batch), and a
/// recurrent layer's per-shard parameter gradients (up to 8 shards),
/// what it keeps for back-propagation through time, and
/// prepared weight copy. `train_memory_bytes` adds this to weights,
/// gradients, optimizer state and activations.
pub fn layer_scratch_bytes(graph: &super::Graph, a: &Analysis, batch: usize) -> u64 {
    scratch_bytes(graph, a, batch, batch)
}

/// [`layer_scratch_bytes`] for `batch` rows, with what recurrent layers keep
/// for back-propagation through time counted for `bptt_rows` only: an
/// evaluation chunk is larger than a batch but is never back-propagated.
fn scratch_bytes(graph: &super::Graph, a: &Analysis, batch: usize, bptt_rows: usize) -> u64 {
    use super::LayerSpec;
    let rows = batch.max(1) as u64;
    let bptt_rows = bptt_rows.max(1) as u64;
    let shards = batch.div_ceil(16).clamp(1, 8) as u64;
    let mut total = 0u64;
    for n in graph.nodes() {
        let info = a.nodes.get(&n.id);
        let input = graph
            .inputs_of(n.id)
            .first()
            .and_then(|e| a.nodes.get(&e.from))
            .and_then(|i| i.out_shape.clone());
        let out = info.and_then(|i| i.out_shape.clone());
        let bytes = match (&n.spec, input.as_deref(), out.as_deref()) {
            (LayerSpec::Conv2D(c), Some([ch, ..]), Some([_, oh, ow])) => (*ch as u64)
                .saturating_mul((c.kernel as u64).saturating_mul(c.kernel as u64))
                .saturating_mul((*oh as u64).saturating_mul(*ow as u64))
                .saturating_mul(rows)
                .saturating_mul(4 * 2),
            (LayerSpec::SimpleRnn(_) | LayerSpec::Lstm(_) | LayerSpec::Gru(_), _, _) => info
                .map_or(0, |i| i.params)
                .saturating_mul(4)
                .saturating_mul(shards + 1)
                .saturating_add(bptt_bytes(
                    &n.spec,
                    input.as_deref(),
                    out.as_deref(),
                    bptt_rows,
                )),
            _ => 0,
        };
        total = total.saturating_add(bytes);
    }
    total
}
