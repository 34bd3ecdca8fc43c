//! Benchmark workloads for `neuroglass bench`: full training steps on
//! random data, timed as the median over repetitions after a warm-up.
//!
//! Adding a workload is one builder function returning a [`Workload`] and
//! one arm in [`build`] (plus its letter in [`WORKLOADS`]).

use std::time::Instant;

use ndarray::Array2;

use super::EngineError;
use super::loss::{Loss, Targets};
use super::network::Network;
use super::optim::Optimizer;

pub mod ceiling;
mod workloads;

pub use workloads::mlp;
use workloads::{
    workload_a, workload_b, workload_c, workload_d, workload_e, workload_f, workload_g,
};

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
    /// Useful work per second at the median step time, in 10⁹
    /// floating-point operations: [`Workload::step_flops`] / step time.
    pub gflops: f64,
}

/// The workloads [`build`] knows, in order.
pub const WORKLOADS: &[char] = &['a', 'b', 'c', 'd', 'e', 'f', 'g'];

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
    /// The useful work of one training step: three times the forward
    /// pass's matrix-product FLOPs ([`super::Layer::flops`]) for the
    /// whole batch (forward, weight gradient, input gradient).
    pub fn step_flops(&self) -> u64 {
        let per_sample: u64 = self.net.nodes().iter().map(|n| n.layer.flops()).sum();
        3 * per_sample * self.x.nrows() as u64
    }

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
        'f' => workload_f(),
        'g' => workload_g(),
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
    let flops = w.step_flops() as f64;
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
        gflops: if median > 0.0 {
            flops / median * 1e-9
        } else {
            0.0
        },
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
        for w in ['b', 'c', 'e', 'f', 'g'] {
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
