//! The GEMM ceiling: how fast the matrix-product kernel runs alone, at
//! 1024³ and at exactly the products one training step of a workload
//! computes, on a given number of threads. A workload's *share* of the
//! ceiling is the time its products take alone divided by its whole step
//! time: 100 % would mean the step does nothing but products at the
//! kernel's speed.

use std::collections::HashMap;
use std::time::Instant;

use ndarray::{Array2, ArrayView2};

use super::super::EngineError;
use super::super::linalg::{ProductShape, gemm, gemm_split, record_products};
use super::super::parallel::{install, with_threads};

fn view(x: &Array2<f32>, t: bool) -> ArrayView2<'_, f32> {
    if t { x.t() } else { x.view() }
}

/// The ceiling of one workload on one thread count.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadCeiling {
    /// The workload's letter.
    pub workload: char,
    /// Threads.
    pub threads: usize,
    /// Distinct product shapes in a step.
    pub shapes: usize,
    /// Products in a step.
    pub products: usize,
    /// FLOPs of the step's products (two per multiply-add).
    pub product_flops: u64,
    /// Milliseconds the step's products take alone, each at its best
    /// (engine's own split, or split over all `threads`).
    pub gemm_ms: f64,
    /// Median milliseconds of the whole training step.
    pub step_ms: f64,
}

impl WorkloadCeiling {
    /// The kernel's throughput at the step's shapes, GFLOP/s.
    pub fn gemm_gflops(&self) -> f64 {
        self.product_flops as f64 / (self.gemm_ms * 1e6).max(1e-12)
    }

    /// The step's product FLOPs over its whole time, GFLOP/s.
    pub fn step_gflops(&self) -> f64 {
        self.product_flops as f64 / (self.step_ms * 1e6).max(1e-12)
    }

    /// `gemm_ms / step_ms`: the share of the ceiling the step reaches.
    pub fn share(&self) -> f64 {
        self.gemm_ms / self.step_ms.max(1e-12)
    }
}

/// Seconds per product of `shape` on `threads` threads: the median of
/// `reps` timed blocks (each ≥ 1 ms), the best of the engine's own choice
/// of split and a split over all threads.
pub fn time_product(shape: ProductShape, threads: usize, reps: usize) -> f64 {
    let ProductShape {
        m,
        k,
        n,
        a_t,
        b_t,
        c_t,
        accumulate,
    } = shape;
    let fill = |r: usize, c: usize, s: usize| {
        Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 13 + s) % 17) as f32 * 0.01)
    };
    let a = if a_t { fill(k, m, 1) } else { fill(m, k, 1) };
    let b = if b_t { fill(n, k, 2) } else { fill(k, n, 2) };
    let mut c = if c_t {
        Array2::<f32>::zeros((n, m))
    } else {
        Array2::<f32>::zeros((m, n))
    };
    let beta = if accumulate { 1.0 } else { 0.0 };
    let mut once = |forced: bool| {
        let mut cv = if c_t {
            c.view_mut().reversed_axes()
        } else {
            c.view_mut()
        };
        if forced {
            gemm_split(1.0, view(&a, a_t), view(&b, b_t), beta, &mut cv, threads);
        } else {
            gemm(1.0, view(&a, a_t), view(&b, b_t), beta, &mut cv);
        }
    };
    let mut best = f64::INFINITY;
    let choices: &[bool] = if threads > 1 {
        &[false, true]
    } else {
        &[false]
    };
    for &forced in choices {
        let secs = with_threads(threads, || {
            install(|| {
                let t0 = Instant::now();
                let mut warm = 0usize;
                while warm < 3 || t0.elapsed().as_secs_f64() < 0.002 {
                    once(forced);
                    warm += 1;
                }
                let per = t0.elapsed().as_secs_f64() / warm as f64;
                let block = ((0.001 / per.max(1e-9)).ceil() as usize).clamp(1, 100_000);
                let mut times: Vec<f64> = (0..reps.max(1))
                    .map(|_| {
                        let t0 = Instant::now();
                        for _ in 0..block {
                            once(forced);
                        }
                        t0.elapsed().as_secs_f64() / block as f64
                    })
                    .collect();
                times.sort_by(f64::total_cmp);
                times.get(times.len() / 2).copied().unwrap_or(f64::INFINITY)
            })
        });
        best = best.min(secs);
    }
    best
}

/// The kernel's GFLOP/s on an `[n, n]·[n, n]` product on `threads`
/// threads.
pub fn square_gflops(n: usize, threads: usize, reps: usize) -> f64 {
    let shape = ProductShape {
        m: n,
        k: n,
        n,
        a_t: false,
        b_t: false,
        c_t: false,
        accumulate: false,
    };
    shape.flops() as f64 / time_product(shape, threads, reps) / 1e9
}

/// The products of one warm training step of `workload`, as (shape, how
/// many times), in the order first seen.
///
/// # Errors
/// An unknown workload or a failing step.
pub fn step_products(workload: char) -> Result<Vec<(ProductShape, usize)>, EngineError> {
    let mut w = super::build(workload)?;
    with_threads(1, || w.train(2))?;
    let (r, shapes) = record_products(|| with_threads(1, || w.train(1)));
    r?;
    let mut order: Vec<(ProductShape, usize)> = Vec::new();
    let mut index: HashMap<ProductShape, usize> = HashMap::new();
    for s in shapes {
        match index.get(&s) {
            Some(&i) => {
                if let Some(e) = order.get_mut(i) {
                    e.1 += 1;
                }
            }
            None => {
                index.insert(s, order.len());
                order.push((s, 1));
            }
        }
    }
    Ok(order)
}

/// The ceiling of `workload` on each of `threads`: its step's products
/// timed alone, and its whole step ([`super::run`]).
///
/// # Errors
/// An unknown workload or a failing step.
pub fn workload_ceiling(
    workload: char,
    threads: &[usize],
    reps: usize,
) -> Result<Vec<WorkloadCeiling>, EngineError> {
    let products = step_products(workload)?;
    let mut out = Vec::with_capacity(threads.len());
    for &t in threads {
        let gemm_secs: f64 = products
            .iter()
            .map(|&(s, count)| time_product(s, t, reps) * count as f64)
            .sum();
        let step = super::run(workload, t, 10, reps)?;
        out.push(WorkloadCeiling {
            workload,
            threads: t.max(1),
            shapes: products.len(),
            products: products.iter().map(|p| p.1).sum(),
            product_flops: products.iter().map(|&(s, c)| s.flops() * c as u64).sum(),
            gemm_ms: gemm_secs * 1e3,
            step_ms: step.step_ms,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_of_workload_a_records_its_five_products() {
        // Forward: [64,784]·[784,128] and [64,128]·[128,10]; backward: two
        // weight gradients and one input gradient (the first layer's input
        // gradient is not wanted).
        let p = step_products('a').unwrap();
        let total: usize = p.iter().map(|x| x.1).sum();
        assert_eq!(total, 5, "{p:?}");
        let flops: u64 = p.iter().map(|&(s, c)| s.flops() * c as u64).sum();
        assert_eq!(
            flops,
            2 * 64 * (3 * 784 * 128 + 3 * 128 * 10) - 2 * 64 * 784 * 128
        );
        assert!(p.iter().any(|(s, _)| (s.m, s.k, s.n) == (64, 784, 128)));
    }

    #[test]
    fn a_product_takes_positive_finite_time() {
        let s = ProductShape {
            m: 8,
            k: 8,
            n: 16,
            a_t: true,
            b_t: false,
            c_t: true,
            accumulate: true,
        };
        for t in [1, 2] {
            let secs = time_product(s, t, 1);
            assert!(secs.is_finite() && secs > 0.0);
        }
    }
}
