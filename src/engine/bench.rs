//! Benchmark workloads for `neuroglass bench`: full training steps on
//! random data, timed as the median over repetitions after a warm-up.
//!
//! Adding a workload is one builder function returning a [`Workload`] and
//! one arm in [`build`] (plus its letter in [`WORKLOADS`]).

use std::time::Instant;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::activation::{Act, ActivationLayer};
use super::dense::Dense;
use super::init::InitKind;
use super::loss::{Loss, Targets};
use super::network::{NetNode, Network, Source};
use super::optim::{Optimizer, OptimizerKind};
use super::{EngineError, Float};

/// The timing of one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    /// The workload's letter.
    pub workload: char,
    /// Threads used (the engine computes on one thread).
    pub threads: usize,
    /// Training samples per second at the median step time.
    pub samples_per_sec: f64,
    /// Median milliseconds per training step.
    pub step_ms: f64,
}

/// The workloads [`build`] knows, in order.
pub const WORKLOADS: &[char] = &['a', 'b', 'c', 'd', 'e'];

/// A network, its optimizer and loss, and one random batch to train on.
pub struct Workload {
    /// What is measured, for display.
    pub description: &'static str,
    /// The network.
    pub net: Network<f32>,
    /// The optimizer.
    pub opt: Optimizer<f32>,
    /// The loss.
    pub loss: Loss,
    /// Learning rate.
    pub lr: f32,
    /// The batch `[batch, input_len]`.
    pub x: Array2<f32>,
    /// One class label per row.
    pub labels: Vec<u32>,
    /// Regression targets instead of labels, when set.
    pub values: Option<Array2<f32>>,
}

impl Workload {
    /// Runs `steps` training steps on the workload's batch.
    ///
    /// # Errors
    /// A failing step.
    pub fn train(&mut self, steps: usize) -> Result<(), EngineError> {
        let targets = match &self.values {
            Some(v) => Targets::Values(v.view()),
            None => Targets::Classes(&self.labels),
        };
        for _ in 0..steps {
            self.net
                .train_step(self.x.view(), &targets, self.loss, &mut self.opt, self.lr)?;
        }
        Ok(())
    }
}

/// A multi-layer perceptron: `Dense` layers of the given `sizes` (input
/// first) with `act` between them and none after the last. Nodes are named
/// `dense0, act0, dense1, …`.
///
/// # Errors
/// Fewer than two sizes.
pub fn mlp<F: Float>(
    sizes: &[usize],
    act: Act,
    init: InitKind,
    seed: u64,
) -> Result<Network<F>, EngineError> {
    if sizes.len() < 2 {
        return Err(EngineError::Graph("an MLP needs at least two sizes".into()));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut nodes: Vec<NetNode<F>> = Vec::new();
    for (k, w) in sizes.windows(2).enumerate() {
        let input = nodes
            .len()
            .checked_sub(1)
            .map_or(Source::Input, Source::Node);
        nodes.push(NetNode {
            name: format!("dense{k}"),
            layer: Box::new(Dense::new(w[0], w[1], true, init, &mut rng)),
            inputs: vec![input],
        });
        if k + 2 < sizes.len() {
            nodes.push(NetNode {
                name: format!("act{k}"),
                layer: Box::new(ActivationLayer::new(act, w[1])),
                inputs: vec![Source::Node(nodes.len() - 1)],
            });
        }
    }
    let output = nodes.len() - 1;
    Network::new(sizes[0], nodes, output, seed)
}

fn random_batch(batch: usize, features: usize, classes: u32, seed: u64) -> (Array2<f32>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((batch, features), |_| rng.random_range(-1.0..1.0));
    let labels = (0..batch).map(|_| rng.random_range(0..classes)).collect();
    (x, labels)
}

/// a: MLP 784-128-10, ReLU, cross-entropy, SGD lr 0.1, batch 64.
fn workload_a() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(64, 784, 10, 1);
    Ok(Workload {
        description: "MLP 784-128-10 ReLU, cross-entropy, SGD, batch 64",
        net: mlp(&[784, 128, 10], Act::Relu, InitKind::TorchDefault, 1)?,
        opt: Optimizer::new(OptimizerKind::sgd()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 0.1,
        x,
        labels,
        values: None,
    })
}

/// b: MLP 784-256-128-10, ReLU, cross-entropy, Adam lr 1e-3, batch 128.
fn workload_b() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(128, 784, 10, 2);
    Ok(Workload {
        description: "MLP 784-256-128-10 ReLU, cross-entropy, Adam, batch 128",
        net: mlp(&[784, 256, 128, 10], Act::Relu, InitKind::TorchDefault, 2)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}

/// d: MLP 2-8-8-1, tanh, binary cross-entropy on logits, SGD, batch 10.
fn workload_d() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(10, 2, 2, 4);
    Ok(Workload {
        description: "MLP 2-8-8-1 tanh, binary cross-entropy, SGD, batch 10",
        net: mlp(&[2, 8, 8, 1], Act::Tanh, InitKind::TorchDefault, 4)?,
        opt: Optimizer::new(OptimizerKind::sgd()),
        loss: Loss::BinaryCrossEntropyWithLogits,
        lr: 0.1,
        x,
        labels,
        values: None,
    })
}

/// c: CNN Conv(1→8,3,same)-ReLU-MaxPool2-Conv(8→16,3,same)-ReLU-MaxPool2-
/// Flatten-Dense(10) on 1×28×28, cross-entropy, Adam, batch 64.
fn workload_c() -> Result<Workload, EngineError> {
    use super::conv::{Conv2D, ConvConfig, Pad};
    use super::pool::Pool2D;
    let (x, labels) = random_batch(64, 784, 10, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let bad = || EngineError::Graph("workload c does not fit".into());
    let layers: Vec<Box<dyn super::Layer<f32>>> = vec![
        Box::new(
            Conv2D::new(
                [1, 28, 28],
                ConvConfig {
                    filters: 8,
                    kernel: 3,
                    stride: 1,
                    pad: Pad::Same,
                    bias: true,
                    init: InitKind::TorchDefault,
                },
                &mut rng,
            )
            .ok_or_else(bad)?,
        ),
        Box::new(ActivationLayer::new(Act::Relu, 8 * 28 * 28)),
        Box::new(Pool2D::new([8, 28, 28], 2, 2, true).ok_or_else(bad)?),
        Box::new(
            Conv2D::new(
                [8, 14, 14],
                ConvConfig {
                    filters: 16,
                    kernel: 3,
                    stride: 1,
                    pad: Pad::Same,
                    bias: true,
                    init: InitKind::TorchDefault,
                },
                &mut rng,
            )
            .ok_or_else(bad)?,
        ),
        Box::new(ActivationLayer::new(Act::Relu, 16 * 14 * 14)),
        Box::new(Pool2D::new([16, 14, 14], 2, 2, true).ok_or_else(bad)?),
        Box::new(Dense::new(
            16 * 7 * 7,
            10,
            true,
            InitKind::TorchDefault,
            &mut rng,
        )),
    ];
    Ok(Workload {
        description: "CNN conv8-pool-conv16-pool-dense10, cross-entropy, Adam, batch 64",
        net: chain(784, layers, 3)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}

/// e: LSTM(1→32) over 50 steps, last output → Dense(1), MSE, Adam, batch 32.
fn workload_e() -> Result<Workload, EngineError> {
    use super::recurrent::{Cell, Recurrent};
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = Array2::from_shape_fn((32, 50), |_| rng.random_range(-1.0..1.0));
    let y = Array2::from_shape_fn((32, 1), |_| rng.random_range(-1.0..1.0));
    let layers: Vec<Box<dyn super::Layer<f32>>> = vec![
        Box::new(Recurrent::new(Cell::Lstm, 50, 1, 32, false, None, &mut rng)),
        Box::new(Dense::new(32, 1, true, InitKind::TorchDefault, &mut rng)),
    ];
    Ok(Workload {
        description: "LSTM(1→32) × 50 steps → Dense(1), MSE, Adam, batch 32",
        net: chain(50, layers, 5)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::Mse,
        lr: 1e-3,
        x,
        labels: Vec::new(),
        values: Some(y),
    })
}

/// A network of `layers` in a chain.
fn chain(
    input_len: usize,
    layers: Vec<Box<dyn super::Layer<f32>>>,
    seed: u64,
) -> Result<Network<f32>, EngineError> {
    let nodes: Vec<NetNode<f32>> = layers
        .into_iter()
        .enumerate()
        .map(|(k, layer)| NetNode {
            name: format!("layer{k}"),
            layer,
            inputs: vec![if k == 0 {
                Source::Input
            } else {
                Source::Node(k - 1)
            }],
        })
        .collect();
    let output = nodes.len().saturating_sub(1);
    Network::new(input_len, nodes, output, seed)
}

/// Builds workload `workload` (see [`WORKLOADS`]).
///
/// # Errors
/// An unknown letter.
pub fn build(workload: char) -> Result<Workload, EngineError> {
    match workload {
        'a' => workload_a(),
        'b' => workload_b(),
        'c' => workload_c(),
        'd' => workload_d(),
        'e' => workload_e(),
        other => Err(EngineError::Graph(format!(
            "unknown benchmark workload '{other}' (known: {WORKLOADS:?})"
        ))),
    }
}

/// Times workload `workload` on `threads` threads: `warmup` untimed
/// steps, then `reps` timed blocks of steps (each block at least ~5 ms, so
/// timer overhead does not matter for tiny networks). Reports the median
/// block's time per step.
///
/// # Errors
/// An unknown workload, or a failing step.
pub fn run(
    workload: char,
    threads: usize,
    warmup: usize,
    reps: usize,
) -> Result<BenchResult, EngineError> {
    let result =
        super::parallel::with_threads(threads, || run_on_current_threads(workload, warmup, reps));
    result.map(|r| BenchResult {
        threads: threads.max(1),
        ..r
    })
}

fn run_on_current_threads(
    workload: char,
    warmup: usize,
    reps: usize,
) -> Result<BenchResult, EngineError> {
    let mut w = build(workload)?;
    let batch = w.x.nrows();
    let t0 = Instant::now();
    w.train(warmup.max(1))?;
    let per_step = t0.elapsed().as_secs_f64() / warmup.max(1) as f64;
    let block = ((0.005 / per_step.max(1e-9)).ceil() as usize).clamp(1, 10_000);
    let mut times = Vec::with_capacity(reps.max(1));
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        w.train(block)?;
        times.push(t0.elapsed().as_secs_f64() / block as f64);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    Ok(BenchResult {
        workload,
        threads: 1,
        samples_per_sec: if median > 0.0 {
            batch as f64 / median
        } else {
            0.0
        },
        step_ms: median * 1e3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_builds_and_an_unknown_one_is_an_error() {
        for &w in WORKLOADS {
            let r = run(w, 1, 0, 1).unwrap();
            assert_eq!(r.workload, w);
            assert!(r.step_ms > 0.0 && r.samples_per_sec > 0.0);
        }
        assert!(build('z').is_err());
    }

    /// Parameters after three training steps of workload `w` on `threads`.
    fn trained(w: char, threads: usize) -> Vec<Vec<f32>> {
        let mut wl = build(w).unwrap();
        crate::engine::parallel::with_threads(threads, || wl.train(3)).unwrap();
        wl.net
            .params()
            .map(|p| p.value.iter().copied().collect())
            .collect()
    }

    #[test]
    fn training_gives_the_same_bits_on_one_and_two_threads() {
        // Workload b's products split over threads ([128, 784]·[784, 256]
        // is above the split threshold); c and e split their batch into
        // shards.
        assert!(crate::engine::linalg::parallel_work(128, 784, 256) > 0);
        for w in ['b', 'c', 'e'] {
            assert_eq!(trained(w, 1), trained(w, 2), "workload {w}");
        }
    }

    /// `cargo test --lib engine::bench -- --ignored --nocapture` prints the
    /// step times.
    #[test]
    #[ignore = "timing, run by hand"]
    fn print_step_times() {
        for &w in WORKLOADS {
            let r = run(w, 1, 5, 30).unwrap();
            println!(
                "{w}: {:.3} ms/step, {:.0} samples/s",
                r.step_ms, r.samples_per_sec
            );
            assert!(r.step_ms > 0.0);
        }
    }
}
