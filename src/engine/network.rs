//! [`Network`]: a compiled graph of layers, run forward and backward as a
//! DAG in topological order, with the buffers, introspection and weights
//! the trainer and the glass-box views need.

use ndarray::{ArrayView2, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::loss::{Loss, Targets};
use super::optim::{Optimizer, clip_factor, grad_norm};
use super::{Ctx, EngineError, Float, Layer, Mode};

mod backward;
mod buffers;
mod evaluate;
mod introspect;
mod profile;
mod state;

use buffers::{Buffers, with_inputs};
pub use profile::{NodeTime, StepTiming};
pub use state::StateEntry;
use std::time::Instant;

/// A training step runs on the engine's worker threads when its layers can
/// spread at least this much work ([`Layer::parallel_work`]).
const PARALLEL_STEP_MIN: usize = 1 << 20;

/// Where a node's input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The network's input batch.
    Input,
    /// The output of an earlier node (its index in the node list).
    Node(usize),
}

/// One node of a network: a named layer and where its inputs come from.
pub struct NetNode<F: Float> {
    /// Unique name; parameters are saved as `"{name}.{param}"`.
    pub name: String,
    /// The computation.
    pub layer: Box<dyn Layer<F>>,
    /// One source per input port, each [`Source::Input`] or an *earlier*
    /// node.
    pub inputs: Vec<Source>,
}

/// A network compiled from a validated graph: nodes in topological order,
/// run forward and backward through branches (a node's output may feed
/// several nodes; their gradients are summed).
///
/// Activations and gradients live in buffers owned by the network and
/// reused between steps: a training step allocates nothing once it has run
/// at a batch size. Buffers for the two most recent other batch sizes are
/// kept too, so a smaller last batch per epoch or evaluation in chunks
/// does not cause reallocation every epoch.
///
/// # Softmax and cross-entropy
/// When the output node is a Softmax and the loss is cross-entropy
/// ([`Loss::SoftmaxCrossEntropy`] is turned into
/// [`Loss::CrossEntropyOnProbs`] by [`Loss::for_output`]), the loss is
/// computed on the probabilities and [`Network::train_step`] writes
/// `(p − y)/B` — the gradient with respect to the Softmax's *input* — and
/// skips the Softmax node's backward pass.
///
/// # Example
/// ```
/// use ndarray::array;
/// use neuroglass::engine::{Mode, activation::Act, bench::mlp, init::InitKind};
/// use neuroglass::engine::loss::{Loss, Targets};
/// use neuroglass::engine::optim::{Optimizer, OptimizerKind};
///
/// let mut net = mlp::<f32>(&[2, 4, 2], Act::Tanh, InitKind::XavierUniform, 1)?;
/// let mut opt = Optimizer::new(OptimizerKind::adam());
/// let x = array![[0.0f32, 1.0], [1.0, 0.0]];
/// let labels = [1, 0];
/// let loss = net.train_step(x.view(), &Targets::Classes(&labels),
///                           Loss::SoftmaxCrossEntropy, &mut opt, 0.01)?;
/// assert!(loss > 0.0);
/// assert_eq!(net.forward(x.view(), Mode::Eval)?.dim(), (2, 2));
/// assert_eq!(net.node_output(1).map(|a| a.dim()), Some((2, 4))); // tanh
/// # Ok::<(), neuroglass::engine::EngineError>(())
/// ```
pub struct Network<F: Float> {
    input_len: usize,
    nodes: Vec<NetNode<F>>,
    output: usize,
    rng: ChaCha8Rng,
    out_lens: Vec<usize>,
    in_lens: Vec<Vec<usize>>,
    /// Whether node `i` is an ancestor of the output (or the output).
    needed: Vec<bool>,
    /// Width of each input-gradient buffer: `in_lens`, except 0 for Dense
    /// ports fed by the network input while the input gradient is not
    /// wanted (Dense then skips that product).
    grad_lens: Vec<Vec<usize>>,
    /// Whether ∂loss/∂input is computed (see [`Network::set_input_grad`]).
    want_input_grad: bool,
    /// Whether anything needs ∂loss/∂(node `i`'s output): node `i` or one of
    /// its ancestors has parameters, or it depends on the input and the
    /// input gradient is wanted. Nodes without it skip their backward pass.
    needs_grad: Vec<bool>,
    /// Scratch for backward: whether `grads[i]` has been written.
    touched: Vec<bool>,
    bufs: Buffers<F>,
    spare: Vec<Buffers<F>>,
    last_grad_norm: Option<f64>,
    /// Per-node times, while [`Network::start_timing`] is on.
    timing: Option<StepTiming>,
}

impl<F: Float> Network<F> {
    /// Compiles `nodes` (already in topological order) into a network with
    /// `input_len` input features and node `output` as its output; `seed`
    /// seeds the stream that dropout masks come from.
    ///
    /// Each layer must accept inputs of its sources' lengths (the model's
    /// shape inference guarantees this).
    ///
    /// # Errors
    /// No nodes, an output index out of range, a node reading itself or a
    /// later node, a node without inputs, or duplicate names.
    pub fn new(
        input_len: usize,
        nodes: Vec<NetNode<F>>,
        output: usize,
        seed: u64,
    ) -> Result<Self, EngineError> {
        if output >= nodes.len() {
            return Err(EngineError::Graph(format!(
                "output node {output} of {} nodes",
                nodes.len()
            )));
        }
        let mut in_lens = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            if node.inputs.is_empty() {
                return Err(EngineError::Graph(format!(
                    "node {} has no inputs",
                    node.name
                )));
            }
            if nodes.iter().take(i).any(|n| n.name == node.name) {
                return Err(EngineError::Graph(format!(
                    "duplicate node name {}",
                    node.name
                )));
            }
            let mut lens = Vec::with_capacity(node.inputs.len());
            for src in &node.inputs {
                match *src {
                    Source::Input => lens.push(input_len),
                    Source::Node(j) if j < i => {
                        lens.push(nodes.get(j).map_or(0, |n| n.layer.output_len()));
                    }
                    Source::Node(j) => {
                        return Err(EngineError::Graph(format!(
                            "node {} ({i}) reads node {j}, which is not earlier",
                            node.name
                        )));
                    }
                }
            }
            in_lens.push(lens);
        }
        let mut needed = vec![false; nodes.len()];
        if let Some(n) = needed.get_mut(output) {
            *n = true;
        }
        for i in (0..nodes.len()).rev() {
            if needed.get(i).copied().unwrap_or(false) {
                for src in nodes.get(i).map_or(&[][..], |n| &n.inputs) {
                    if let Source::Node(j) = *src
                        && let Some(n) = needed.get_mut(j)
                    {
                        *n = true;
                    }
                }
            }
        }
        let out_lens: Vec<usize> = nodes.iter().map(|n| n.layer.output_len()).collect();
        let touched = vec![false; nodes.len()];
        let bufs = Buffers::new(0, input_len, &out_lens);
        let mut net = Self {
            input_len,
            nodes,
            output,
            rng: ChaCha8Rng::seed_from_u64(seed),
            out_lens,
            grad_lens: in_lens.clone(),
            in_lens,
            want_input_grad: true,
            needs_grad: Vec::new(),
            needed,
            touched,
            bufs,
            spare: Vec::new(),
            last_grad_norm: None,
            timing: None,
        };
        net.set_input_grad(false);
        Ok(net)
    }

    /// Whether backward computes ∂loss/∂input ([`Network::input_grad`]).
    /// Off by default: training never needs it, and for Dense layers reading
    /// the input it costs as much as their forward product. Turn it on for
    /// saliency maps or gradient checks.
    pub fn set_input_grad(&mut self, on: bool) {
        if on == self.want_input_grad {
            return;
        }
        self.want_input_grad = on;
        let mut needs: Vec<bool> = Vec::with_capacity(self.nodes.len());
        let mut grad_lens = Vec::with_capacity(self.nodes.len());
        for (n, lens) in self.nodes.iter().zip(&self.in_lens) {
            let src_needs = |src: &Source| match *src {
                Source::Input => on,
                Source::Node(k) => needs.get(k).copied().unwrap_or(true),
            };
            let is_dense = matches!(n.layer.kind(), "Dense" | "Conv2D");
            grad_lens.push(
                n.inputs
                    .iter()
                    .zip(lens)
                    .map(|(src, &l)| if is_dense && !src_needs(src) { 0 } else { l })
                    .collect::<Vec<usize>>(),
            );
            let need = !n.layer.params().is_empty() || n.inputs.iter().any(src_needs);
            needs.push(need);
        }
        self.needs_grad = needs;
        self.grad_lens = grad_lens;
        for b in std::iter::once(&mut self.bufs).chain(self.spare.iter_mut()) {
            b.grads.clear();
            b.grad_in.clear();
        }
    }

    /// Features per input sample.
    pub fn input_len(&self) -> usize {
        self.input_len
    }

    /// Features per output sample.
    pub fn output_len(&self) -> usize {
        self.out_lens.get(self.output).copied().unwrap_or(0)
    }

    /// The nodes, in topological order.
    pub fn nodes(&self) -> &[NetNode<F>] {
        &self.nodes
    }

    /// The index of the output node.
    pub fn output_index(&self) -> usize {
        self.output
    }

    /// Whether the output node is a Softmax (see the type's docs).
    pub fn ends_in_softmax(&self) -> bool {
        self.nodes
            .get(self.output)
            .is_some_and(|n| n.layer.kind() == "Softmax" && n.inputs.len() == 1)
    }

    /// The batch size of the latest forward pass (0 before any).
    pub fn batch_size(&self) -> usize {
        self.bufs.batch
    }

    /// Switches the buffers to `batch` rows, reusing kept ones if possible.
    fn use_batch(&mut self, batch: usize) {
        if self.bufs.batch == batch {
            return;
        }
        let next = match self.spare.iter().position(|b| b.batch == batch) {
            Some(k) => self.spare.swap_remove(k),
            None => Buffers::new(batch, self.input_len, &self.out_lens),
        };
        let old = std::mem::replace(&mut self.bufs, next);
        if old.batch > 0 {
            if self.spare.len() >= 2 {
                self.spare.remove(0);
            }
            self.spare.push(old);
        }
    }

    /// Runs the network on `x` (`[batch, input_len]`) and returns its output
    /// `[batch, output_len]`. Every node's output stays readable through
    /// [`Network::node_output`] until the next forward pass.
    ///
    /// # Errors
    /// `x` has the wrong number of features.
    pub fn forward(
        &mut self,
        x: ArrayView2<F>,
        mode: Mode,
    ) -> Result<ArrayView2<'_, F>, EngineError> {
        if x.ncols() != self.input_len {
            return Err(EngineError::Shape {
                what: "network input".into(),
                expected: vec![x.nrows(), self.input_len],
                got: x.shape().to_vec(),
            });
        }
        self.use_batch(x.nrows());
        self.on_engine_threads(x.nrows(), |net| {
            let Self {
                nodes,
                rng,
                bufs,
                timing,
                ..
            } = net;
            bufs.input.assign(&x);
            let mut ctx = Ctx { mode, rng };
            for (i, node) in nodes.iter_mut().enumerate() {
                let (before, rest) = bufs.outs.split_at_mut(i);
                let Some(out) = rest.first_mut() else { break };
                let t0 = timing.is_some().then(Instant::now);
                with_inputs(&node.inputs, &bufs.input, before, |views| {
                    node.layer.forward(views, out, &mut ctx);
                });
                if let (Some(t0), Some(t)) = (t0, timing.as_mut().and_then(|t| t.nodes.get_mut(i)))
                {
                    t.forward += t0.elapsed().as_secs_f64();
                }
            }
        });
        Ok(self.output())
    }

    /// Runs `f` on the engine's worker threads when the layers have enough
    /// parallel work for a batch of `batch` rows ([`Layer::parallel_work`])
    /// and several threads are allowed, else with every parallel part on
    /// this thread. Calls nested inside `f` keep the outer choice.
    fn on_engine_threads<R: Send>(
        &mut self,
        batch: usize,
        f: impl FnOnce(&mut Self) -> R + Send,
    ) -> R {
        let work: usize = self
            .nodes
            .iter()
            .map(|n| n.layer.parallel_work(batch))
            .sum();
        if work >= PARALLEL_STEP_MIN && super::parallel::threads() > 1 {
            super::parallel::install(|| f(self))
        } else {
            super::parallel::serial(|| f(self))
        }
    }

    /// The output of the latest forward pass.
    pub fn output(&self) -> ArrayView2<'_, F> {
        self.node_output(self.output)
            .unwrap_or_else(|| self.bufs.input.slice(s![.., 0..0]))
    }

    /// Back-propagates `grad_output = ∂L/∂output` (`[batch, output_len]`)
    /// through the latest forward pass, setting every parameter's gradient
    /// and [`Network::input_grad`].
    ///
    /// # Errors
    /// `grad_output` does not match the latest output's shape.
    pub fn backward(&mut self, grad_output: ArrayView2<F>) -> Result<(), EngineError> {
        let want = [self.bufs.batch, self.output_len()];
        if grad_output.shape() != want {
            return Err(EngineError::Shape {
                what: "output gradient".into(),
                expected: want.to_vec(),
                got: grad_output.shape().to_vec(),
            });
        }
        self.bufs
            .ensure_grads(self.input_len, &self.out_lens, &self.grad_lens);
        if let Some(g) = self.bufs.grads.get_mut(self.output) {
            g.assign(&grad_output);
        }
        self.backward_from_output(false);
        Ok(())
    }

    /// One training step on a batch: forward in `Train` mode, the loss,
    /// backward, optional gradient clipping (`opt.clip_norm`), and the
    /// optimizer's update with learning rate `lr`. Returns the mean loss on
    /// the batch (without the L1/L2 penalty, see [`Optimizer::penalty`]).
    ///
    /// `loss` is adapted with [`Loss::for_output`], so cross-entropy on a
    /// network ending in Softmax never applies a second softmax.
    ///
    /// # Errors
    /// Shapes of `x` or `targets` that do not fit, labels out of range.
    pub fn train_step(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
        opt: &mut Optimizer<F>,
        lr: F,
    ) -> Result<F, EngineError> {
        self.on_engine_threads(x.nrows(), |net| {
            net.train_step_here(x, targets, loss, opt, lr)
        })
    }

    fn train_step_here(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
        opt: &mut Optimizer<F>,
        lr: F,
    ) -> Result<F, EngineError> {
        let value = self.forward_loss_backward(x, targets, loss)?;
        self.last_grad_norm = None;
        if let Some(max) = opt.clip_norm {
            let norm = grad_norm(self.params());
            self.last_grad_norm = Some(norm);
            if let Some(c) = clip_factor(norm, max) {
                let c = F::of(c);
                for p in self.params_mut() {
                    p.grad.mapv_inplace(|g| g * c);
                }
            }
        }
        let t0 = self.timing.is_some().then(Instant::now);
        opt.step(self.params_mut(), lr);
        if let (Some(t0), Some(t)) = (t0, self.timing.as_mut()) {
            t.optimizer += t0.elapsed().as_secs_f64();
        }
        Ok(value)
    }

    /// Forward (`Train`), loss and backward without an update: the
    /// gradients are left in the parameters. Returns the mean loss.
    ///
    /// # Errors
    /// As [`Network::train_step`].
    pub fn forward_loss_backward(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
    ) -> Result<F, EngineError> {
        self.loss_backward_in(x, targets, loss, Mode::Train)
    }

    /// As [`Network::forward_loss_backward`] but forward in `Eval` mode:
    /// dropout is the identity and BatchNorm uses (and is differentiated
    /// through) its running statistics. This is the gradient of what the
    /// network predicts for a sample, as a one-sample trace shows it.
    ///
    /// # Errors
    /// As [`Network::train_step`].
    pub fn eval_loss_backward(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
    ) -> Result<F, EngineError> {
        self.loss_backward_in(x, targets, loss, Mode::Eval)
    }

    fn loss_backward_in(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
        mode: Mode,
    ) -> Result<F, EngineError> {
        if targets.len() != x.nrows() {
            return Err(EngineError::Targets {
                loss: loss.name(),
                reason: format!("{} samples but {} targets", x.nrows(), targets.len()),
            });
        }
        self.forward(x, mode)?;
        let fused = self.ends_in_softmax();
        let loss = loss.for_output(fused);
        let fused = fused && loss == Loss::CrossEntropyOnProbs;
        self.bufs
            .ensure_grads(self.input_len, &self.out_lens, &self.grad_lens);
        let (Some(pred), Some(grad)) = (
            self.bufs.outs.get(self.output),
            self.bufs.grads.get_mut(self.output),
        ) else {
            return Err(EngineError::Graph("no output node".into()));
        };
        let value = if fused {
            Loss::softmax_input_grad(pred.view(), targets, grad)?
        } else {
            loss.value_and_grad(pred.view(), targets, grad)?
        };
        self.backward_from_output(fused);
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
