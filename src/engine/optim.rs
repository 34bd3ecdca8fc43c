//! Optimizers with explicit per-parameter state, following PyTorch's
//! update rules exactly, plus L1/L2 penalties and gradient-norm clipping.

use ndarray::{Array2, Zip};

use super::{Float, Param};

/// Which optimizer, with its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerKind {
    /// SGD: `buf = momentum·buf + g`; step `g + momentum·buf` (Nesterov)
    /// or `buf` (momentum > 0) or `g`.
    Sgd {
        /// Momentum coefficient (0 = plain SGD).
        momentum: f64,
        /// Nesterov's look-ahead.
        nesterov: bool,
    },
    /// Adam with bias correction; the L2 penalty is added to the gradient.
    Adam {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Added to `√v̂`.
        eps: f64,
    },
    /// AdamW: Adam with decoupled decay `w ← w − lr·wd·w` before the step.
    AdamW {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Added to `√v̂`.
        eps: f64,
        /// Decoupled weight decay.
        weight_decay: f64,
    },
    /// RMSprop: `sq = α·sq + (1−α)·g²`, step `g / (√sq + eps)`, optionally
    /// through a momentum buffer.
    RmsProp {
        /// Smoothing constant α.
        alpha: f64,
        /// Added to `√sq` (outside the root, like PyTorch).
        eps: f64,
        /// Momentum coefficient (0 = none).
        momentum: f64,
    },
    /// Adagrad: `sum += g²`, step `g / (√sum + eps)`.
    Adagrad {
        /// Added to `√sum`.
        eps: f64,
    },
}

impl OptimizerKind {
    /// Adam with PyTorch's defaults (0.9, 0.999, 1e-8).
    pub fn adam() -> Self {
        Self::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// Plain SGD.
    pub fn sgd() -> Self {
        Self::Sgd {
            momentum: 0.0,
            nesterov: false,
        }
    }

    /// How many state tensors each parameter needs.
    fn slots(self) -> usize {
        match self {
            Self::Sgd { momentum, .. } => usize::from(momentum != 0.0),
            Self::Adam { .. } | Self::AdamW { .. } => 2,
            Self::RmsProp { momentum, .. } => 1 + usize::from(momentum != 0.0),
            Self::Adagrad { .. } => 1,
        }
    }
}

/// An optimizer and its state.
///
/// `state[i]` belongs to the `i`-th parameter in the order the step sees
/// them (the network's order: nodes in topological order, then each
/// layer's `params()`), and holds, per kind:
/// SGD `[momentum_buffer]` (none without momentum); Adam/AdamW
/// `[exp_avg, exp_avg_sq]`; RMSprop `[square_avg, momentum_buffer?]`;
/// Adagrad `[sum]`. State is created at zero on the first step (or when a
/// parameter's shape changes) and reused afterwards.
///
/// The penalties apply only to parameters with `decay == true` (weights,
/// not biases): `l2` adds `l2·w` to the gradient (PyTorch's coupled
/// `weight_decay`, the gradient of `l2/2·Σw²`), `l1` adds `l1·sign(w)`.
/// AdamW's decoupled decay follows the same rule, so an export to PyTorch
/// puts biases in a parameter group with `weight_decay=0`.
#[derive(Clone, Debug)]
pub struct Optimizer<F: Float> {
    /// The update rule.
    pub kind: OptimizerKind,
    /// L1 penalty coefficient.
    pub l1: f64,
    /// L2 penalty coefficient.
    pub l2: f64,
    /// If set, the global gradient norm is clipped to this before each step
    /// (see [`clip_grad_norm`]); the network's `train_step` applies it.
    pub clip_norm: Option<f64>,
    /// Steps taken so far (Adam's bias correction uses `t`).
    pub t: u64,
    /// Per-parameter state tensors.
    pub state: Vec<Vec<Array2<F>>>,
}

impl<F: Float> Optimizer<F> {
    /// A fresh optimizer with no penalties and no clipping.
    pub fn new(kind: OptimizerKind) -> Self {
        Self {
            kind,
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
            t: 0,
            state: Vec::new(),
        }
    }

    /// Sets the L1 and L2 penalties.
    pub fn with_penalties(mut self, l1: f64, l2: f64) -> Self {
        self.l1 = l1;
        self.l2 = l2;
        self
    }

    /// Sets gradient-norm clipping.
    pub fn with_clip_norm(mut self, max_norm: Option<f64>) -> Self {
        self.clip_norm = max_norm;
        self
    }

    /// Forgets all state (moments, buffers, step count).
    pub fn reset(&mut self) {
        self.t = 0;
        self.state.clear();
    }

    /// The penalty term `l1·Σ|w| + l2/2·Σw²` over parameters with `decay`,
    /// for reporting (the step adds its gradient itself).
    pub fn penalty<'a>(&self, params: impl IntoIterator<Item = &'a Param<F>>) -> f64 {
        if self.l1 == 0.0 && self.l2 == 0.0 {
            return 0.0;
        }
        params
            .into_iter()
            .filter(|p| p.decay)
            .flat_map(|p| p.value.iter())
            .map(|w| {
                let w = w.f64();
                self.l1 * w.abs() + 0.5 * self.l2 * w * w
            })
            .sum()
    }

    /// One update of every parameter with learning rate `lr`, from the
    /// gradients in `Param::grad` (which this may modify: penalties are
    /// added to them in place).
    pub fn step<'a>(&mut self, params: impl IntoIterator<Item = &'a mut Param<F>>, lr: F) {
        self.t += 1;
        let slots = self.kind.slots();
        let t = self.t.min(i32::MAX as u64) as i32;
        let (l1, l2) = (F::of(self.l1), F::of(self.l2));
        let zero = F::zero();
        let one = F::one();
        for (i, p) in params.into_iter().enumerate() {
            if self.state.len() <= i {
                self.state.push(Vec::new());
            }
            let Some(st) = self.state.get_mut(i) else {
                continue;
            };
            if st.len() != slots || st.iter().any(|s| s.dim() != p.value.dim()) {
                st.clear();
                st.extend((0..slots).map(|_| Array2::zeros(p.value.raw_dim())));
            }
            if p.decay && (l1 != zero || l2 != zero) {
                Zip::from(&mut p.grad).and(&p.value).for_each(|g, &w| {
                    let s = if w > zero {
                        one
                    } else if w < zero {
                        -one
                    } else {
                        zero
                    };
                    *g += l2 * w + l1 * s;
                });
            }
            match (self.kind, st.as_mut_slice()) {
                (OptimizerKind::Sgd { .. }, []) => {
                    Zip::from(&mut p.value)
                        .and(&p.grad)
                        .for_each(|w, &g| *w -= lr * g);
                }
                (OptimizerKind::Sgd { momentum, nesterov }, [buf]) => {
                    let m = F::of(momentum);
                    Zip::from(&mut p.value)
                        .and(&p.grad)
                        .and(buf)
                        .for_each(|w, &g, b| {
                            *b = m * *b + g;
                            *w -= lr * if nesterov { g + m * *b } else { *b };
                        });
                }
                (
                    OptimizerKind::Adam { beta1, beta2, eps }
                    | OptimizerKind::AdamW {
                        beta1, beta2, eps, ..
                    },
                    [m, v],
                ) => {
                    if let OptimizerKind::AdamW { weight_decay, .. } = self.kind
                        && p.decay
                    {
                        let f = one - lr * F::of(weight_decay);
                        p.value.mapv_inplace(|w| w * f);
                    }
                    let (b1, b2) = (F::of(beta1), F::of(beta2));
                    let bc1 = one - F::of(beta1.powi(t));
                    let bc2_sqrt = (one - F::of(beta2.powi(t))).sqrt();
                    let step_size = lr / bc1;
                    let eps = F::of(eps);
                    let rule = AdamRule {
                        b1,
                        b2,
                        step_size,
                        bc2_sqrt,
                        eps,
                    };
                    match (
                        p.value.as_slice_mut(),
                        p.grad.as_slice(),
                        m.as_slice_mut(),
                        v.as_slice_mut(),
                    ) {
                        (Some(w), Some(g), Some(m), Some(v)) => rule.apply(w, g, m, v),
                        _ => Zip::from(&mut p.value)
                            .and(&p.grad)
                            .and(m)
                            .and(v)
                            .for_each(|w, &g, m, v| rule.one(w, g, m, v)),
                    }
                }
                (OptimizerKind::RmsProp { alpha, eps, .. }, [sq]) => {
                    let (a, eps) = (F::of(alpha), F::of(eps));
                    Zip::from(&mut p.value)
                        .and(&p.grad)
                        .and(sq)
                        .for_each(|w, &g, s| {
                            *s = a * *s + (one - a) * g * g;
                            *w -= lr * g / (s.sqrt() + eps);
                        });
                }
                (
                    OptimizerKind::RmsProp {
                        alpha,
                        eps,
                        momentum,
                    },
                    [sq, buf],
                ) => {
                    let (a, eps, mo) = (F::of(alpha), F::of(eps), F::of(momentum));
                    Zip::from(&mut p.value)
                        .and(&p.grad)
                        .and(sq)
                        .and(buf)
                        .for_each(|w, &g, s, b| {
                            *s = a * *s + (one - a) * g * g;
                            *b = mo * *b + g / (s.sqrt() + eps);
                            *w -= lr * *b;
                        });
                }
                (OptimizerKind::Adagrad { eps }, [sum]) => {
                    let eps = F::of(eps);
                    Zip::from(&mut p.value)
                        .and(&p.grad)
                        .and(sum)
                        .for_each(|w, &g, s| {
                            *s += g * g;
                            *w -= lr * g / (s.sqrt() + eps);
                        });
                }
                // `slots()` makes the state match the kind; nothing else occurs.
                _ => {}
            }
        }
    }
}

/// Adam's update of one parameter tensor, element by element.
#[derive(Clone, Copy)]
struct AdamRule<F> {
    b1: F,
    b2: F,
    step_size: F,
    bc2_sqrt: F,
    eps: F,
}

/// Tensors at least this long are updated on several threads.
const PARALLEL_MIN_LEN: usize = 1 << 20;

impl<F: Float> AdamRule<F> {
    #[inline(always)]
    fn one(&self, w: &mut F, g: F, m: &mut F, v: &mut F) {
        let one = F::one();
        *m = self.b1 * *m + (one - self.b1) * g;
        *v = self.b2 * *v + (one - self.b2) * g * g;
        *w -= self.step_size * *m / (v.sqrt() / self.bc2_sqrt + self.eps);
    }

    fn serial(&self, w: &mut [F], g: &[F], m: &mut [F], v: &mut [F]) {
        for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            self.one(w, g, m, v);
        }
    }

    /// The update over whole slices; long ones are split over threads (the
    /// update is element-wise, so the numbers do not change).
    fn apply(&self, w: &mut [F], g: &[F], m: &mut [F], v: &mut [F]) {
        let threads = super::parallel::threads();
        if threads < 2 || w.len() < PARALLEL_MIN_LEN || super::parallel::in_shard() {
            self.serial(w, g, m, v);
            return;
        }
        use rayon::prelude::*;
        let chunk = w.len().div_ceil(threads);
        w.par_chunks_mut(chunk)
            .zip(g.par_chunks(chunk))
            .zip(m.par_chunks_mut(chunk))
            .zip(v.par_chunks_mut(chunk))
            .for_each(|(((w, g), m), v)| self.serial(w, g, m, v));
    }
}

/// The global L2 norm of all gradients, `√(Σ g²)`, in `f64`.
pub fn grad_norm<'a, F: Float>(params: impl IntoIterator<Item = &'a Param<F>>) -> f64 {
    params
        .into_iter()
        .flat_map(|p| p.grad.iter())
        .map(|g| g.f64() * g.f64())
        .sum::<f64>()
        .sqrt()
}

/// The factor PyTorch's `clip_grad_norm_` scales gradients by for a
/// global norm `norm`: `max_norm / (norm + 1e-6)` when that is below one.
pub fn clip_factor(norm: f64, max_norm: f64) -> Option<f64> {
    let coef = max_norm / (norm + 1e-6);
    (coef < 1.0).then_some(coef)
}

/// Scales all gradients so their global norm is at most `max_norm`, like
/// PyTorch's `clip_grad_norm_`. Returns the norm before clipping.
pub fn clip_grad_norm<F: Float>(params: &mut [&mut Param<F>], max_norm: f64) -> f64 {
    let norm = grad_norm(params.iter().map(|p| &**p));
    if let Some(c) = clip_factor(norm, max_norm) {
        let c = F::of(c);
        for p in params.iter_mut() {
            p.grad.mapv_inplace(|g| g * c);
        }
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn param(w: [f64; 2], decay: bool) -> Param<f64> {
        Param::new("weight", vec![1, 2], array![[w[0], w[1]]], decay)
    }

    /// Runs `steps` updates with the constant gradient (0.5, 0.1) from
    /// w = (1, −2) and returns the final weights.
    fn run(opt: &mut Optimizer<f64>, lr: f64, steps: usize, decay: bool) -> [f64; 2] {
        let mut p = param([1.0, -2.0], decay);
        for _ in 0..steps {
            p.grad = array![[0.5, 0.1]];
            opt.step([&mut p], lr);
        }
        [p.value[[0, 0]], p.value[[0, 1]]]
    }

    fn close(a: [f64; 2], b: [f64; 2], tol: f64) -> bool {
        (a[0] - b[0]).abs() < tol && (a[1] - b[1]).abs() < tol
    }

    #[test]
    fn sgd_momentum_and_nesterov_match_hand_values() {
        let mut o = Optimizer::new(OptimizerKind::sgd());
        assert!(close(run(&mut o, 0.1, 2, true), [0.9, -2.02], 1e-12));
        // buf₁ = g, buf₂ = 0.9·g + g = 1.9·g: w = 1 − 0.1·(0.5 + 0.95).
        let mut o = Optimizer::new(OptimizerKind::Sgd {
            momentum: 0.9,
            nesterov: false,
        });
        assert!(close(run(&mut o, 0.1, 2, true), [0.855, -2.029], 1e-12));
        // Nesterov: step₁ = g + 0.9·g = 0.95, step₂ = g + 0.9·1.9·g = 1.355.
        let mut o = Optimizer::new(OptimizerKind::Sgd {
            momentum: 0.9,
            nesterov: true,
        });
        assert!(close(run(&mut o, 0.1, 2, true), [0.7695, -2.0461], 1e-12));
    }

    #[test]
    fn adam_and_adamw_match_hand_values() {
        // With a constant gradient the bias-corrected moments are g and g²,
        // so each step moves by lr·g/(|g| + eps) ≈ lr.
        let mut o = Optimizer::new(OptimizerKind::adam());
        let w = run(&mut o, 0.1, 2, true);
        assert!(close(w, [0.8, -2.2], 1e-6), "{w:?}");
        assert!(w[0] > 0.8, "eps is added to the denominator");
        // AdamW: w ← w·(1 − lr·wd) first: 1·0.99 − 0.1 = 0.89.
        let mut o = Optimizer::new(OptimizerKind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        });
        let w = run(&mut o, 0.1, 1, true);
        assert!(close(w, [0.89, -2.08], 1e-6), "{w:?}");
        // No decoupled decay on a bias.
        let mut o = Optimizer::new(OptimizerKind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        });
        assert!(close(run(&mut o, 0.1, 1, false), [0.9, -2.1], 1e-6));
    }

    #[test]
    fn rmsprop_and_adagrad_match_hand_values() {
        // sq = 0.01·g², √sq = 0.1·|g|: the step is lr·10·sign(g).
        let mut o = Optimizer::new(OptimizerKind::RmsProp {
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
        });
        assert!(close(run(&mut o, 0.01, 1, true), [0.9, -2.1], 1e-6));
        // With momentum 0.5, step 2: sq = 0.0199·g², buf = 0.5·10 + 1/√0.0199.
        let mut o = Optimizer::new(OptimizerKind::RmsProp {
            alpha: 0.99,
            eps: 0.0,
            momentum: 0.5,
        });
        let b2 = 5.0 + 1.0 / 0.0199f64.sqrt();
        let w = run(&mut o, 0.01, 2, true);
        assert!(
            close(w, [1.0 - 0.1 - 0.01 * b2, -2.0 - 0.1 - 0.01 * b2], 1e-9),
            "{w:?}"
        );
        // Adagrad: steps lr·g/|g| then lr·g/(√2·|g|).
        let mut o = Optimizer::new(OptimizerKind::Adagrad { eps: 0.0 });
        let d = 0.1 + 0.1 / 2f64.sqrt();
        assert!(close(run(&mut o, 0.1, 2, true), [1.0 - d, -2.0 - d], 1e-12));
    }

    #[test]
    fn penalties_apply_to_weights_only() {
        // l2: g + 0.1·w = (0.6, −0.1); l1: g + 0.1·sign(w) = (0.6, 0.0).
        let mut o = Optimizer::new(OptimizerKind::sgd()).with_penalties(0.0, 0.1);
        assert!(close(run(&mut o, 0.1, 1, true), [0.94, -1.99], 1e-12));
        let mut o = Optimizer::new(OptimizerKind::sgd()).with_penalties(0.1, 0.0);
        assert!(close(run(&mut o, 0.1, 1, true), [0.94, -2.0], 1e-12));
        let mut o = Optimizer::new(OptimizerKind::sgd()).with_penalties(0.1, 0.1);
        assert!(close(run(&mut o, 0.1, 1, false), [0.95, -2.01], 1e-12));
        let p = [param([1.0, -2.0], true), param([5.0, 5.0], false)];
        assert!((o.penalty(&p) - (0.1 * 3.0 + 0.05 * 5.0)).abs() < 1e-12);
    }

    #[test]
    fn clipping_scales_to_max_norm_and_returns_the_norm() {
        let mut a = param([0.0, 0.0], true);
        a.grad = array![[3.0, 0.0]];
        let mut b = param([0.0, 0.0], false);
        b.grad = array![[0.0, 4.0]];
        let n = clip_grad_norm(&mut [&mut a, &mut b], 1.0);
        assert!((n - 5.0).abs() < 1e-12);
        assert!((grad_norm([&a, &b]) - 1.0).abs() < 1e-6);
        assert!((a.grad[[0, 0]] - 0.6).abs() < 1e-6);
        let n = clip_grad_norm(&mut [&mut a, &mut b], 10.0);
        assert!((n - 1.0).abs() < 1e-6 && (a.grad[[0, 0]] - 0.6).abs() < 1e-6);
    }
}
