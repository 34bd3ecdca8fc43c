//! Losses with their gradients, numerically stable, averaged like
//! PyTorch's `reduction='mean'`.

use ndarray::{Array2, ArrayView2, Zip};

use super::activation::sigmoid;
use super::{EngineError, Float};

/// A loss function.
///
/// All losses average: MSE, MAE and Huber over every element of the
/// prediction (PyTorch's `reduction='mean'`), the cross-entropies over the
/// batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    /// Mean squared error, `mean((p − y)²)`.
    Mse,
    /// Mean absolute error, `mean(|p − y|)`.
    Mae,
    /// Huber with threshold `δ`: `½d²` for `|d| ≤ δ`, `δ(|d| − ½δ)` beyond
    /// (PyTorch's `HuberLoss`).
    Huber(f64),
    /// Softmax cross-entropy on logits `[batch, classes]`, computed with
    /// log-sum-exp (PyTorch's `CrossEntropyLoss`).
    SoftmaxCrossEntropy,
    /// Cross-entropy on probabilities `[batch, classes]` that a final Softmax
    /// node produced: `mean(−log p_y)`.
    ///
    /// Its own gradient, `−1/(B·p_y)`, is what [`Loss::value_and_grad`]
    /// returns, but [`Network`](super::network::Network) never uses it:
    /// when the output node is a Softmax and the loss is this one, the
    /// network asks [`Loss::softmax_input_grad`] for `(p − y)/B`, the
    /// gradient with respect to the softmax's *input* logits, and skips the
    /// Softmax node's backward pass. That is exact and avoids dividing by
    /// tiny probabilities; no second softmax is ever applied.
    CrossEntropyOnProbs,
    /// Binary cross-entropy on one logit per sample `[batch, 1]`, computed as
    /// `max(z,0) − z·y + log(1 + e^(−|z|))` (PyTorch's `BCEWithLogitsLoss`).
    BinaryCrossEntropyWithLogits,
}

/// What a prediction is compared with.
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a, F> {
    /// One class label per sample (cross-entropies; `0`/`1` for binary).
    Classes(&'a [u32]),
    /// Target values of the prediction's shape (regression), or class
    /// probabilities (cross-entropies, e.g. one-hot rows; `[batch, 1]`
    /// probabilities for binary cross-entropy).
    Values(ArrayView2<'a, F>),
}

impl<'a, F: Float> Targets<'a, F> {
    /// How many samples the targets cover.
    pub fn len(&self) -> usize {
        match self {
            Self::Classes(c) => c.len(),
            Self::Values(v) => v.nrows(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The targets of samples `start..end` (clamped to the available rows).
    pub fn rows(&self, start: usize, end: usize) -> Targets<'a, F> {
        let end = end.min(self.len());
        let start = start.min(end);
        match *self {
            Self::Classes(c) => Targets::Classes(c.get(start..end).unwrap_or(&[])),
            Self::Values(v) => Targets::Values(v.slice_move(ndarray::s![start..end, ..])),
        }
    }
}

impl Loss {
    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mse => "MSE",
            Self::Mae => "MAE",
            Self::Huber(_) => "Huber",
            Self::SoftmaxCrossEntropy => "cross-entropy",
            Self::CrossEntropyOnProbs => "cross-entropy on probabilities",
            Self::BinaryCrossEntropyWithLogits => "binary cross-entropy",
        }
    }

    /// The loss to use on a network's output: `SoftmaxCrossEntropy` becomes
    /// `CrossEntropyOnProbs` when the network already ends in a Softmax
    /// (so there is never a double softmax); everything else is unchanged.
    pub fn for_output(self, ends_in_softmax: bool) -> Self {
        match self {
            Self::SoftmaxCrossEntropy if ends_in_softmax => Self::CrossEntropyOnProbs,
            other => other,
        }
    }

    fn err(self, reason: String) -> EngineError {
        EngineError::Targets {
            loss: self.name(),
            reason,
        }
    }

    fn check_shapes<F: Float>(
        self,
        pred: ArrayView2<F>,
        t: &Targets<F>,
        grad: &Array2<F>,
    ) -> Result<(), EngineError> {
        if grad.dim() != pred.dim() {
            return Err(EngineError::Shape {
                what: "loss gradient buffer".into(),
                expected: pred.shape().to_vec(),
                got: grad.shape().to_vec(),
            });
        }
        if t.len() != pred.nrows() {
            return Err(self.err(format!(
                "{} predictions but {} targets",
                pred.nrows(),
                t.len()
            )));
        }
        if let Targets::Values(v) = t
            && v.dim() != pred.dim()
        {
            return Err(EngineError::Shape {
                what: format!("{} targets", self.name()),
                expected: pred.shape().to_vec(),
                got: v.shape().to_vec(),
            });
        }
        if let Targets::Classes(c) = t {
            let classes = match self {
                Self::BinaryCrossEntropyWithLogits => 2,
                Self::SoftmaxCrossEntropy | Self::CrossEntropyOnProbs => pred.ncols(),
                _ => return Err(self.err("needs target values, not class labels".into())),
            };
            if self == Self::BinaryCrossEntropyWithLogits && pred.ncols() != 1 {
                return Err(self.err(format!("needs one logit per sample, got {}", pred.ncols())));
            }
            if let Some(&label) = c.iter().find(|&&l| l as usize >= classes) {
                return Err(EngineError::ClassOutOfRange { label, classes });
            }
        }
        Ok(())
    }

    /// The mean loss of `pred` against `t`, writing `∂loss/∂pred` into
    /// `grad`.
    ///
    /// # Shapes
    /// `pred` and `grad` `[batch, outputs]`; `t` covers `batch` samples
    /// (values of `pred`'s shape, or one label each).
    ///
    /// # Errors
    /// Mismatched shapes, labels out of range, or class labels given to a
    /// regression loss.
    pub fn value_and_grad<F: Float>(
        self,
        pred: ArrayView2<F>,
        t: &Targets<F>,
        grad: &mut Array2<F>,
    ) -> Result<F, EngineError> {
        self.check_shapes(pred, t, grad)?;
        let (b, c) = pred.dim();
        if b == 0 {
            grad.fill(F::zero());
            return Ok(F::zero());
        }
        let n_all = F::of((b * c).max(1) as f64);
        let n_b = F::of(b as f64);
        let half = F::of(0.5);
        let tiny = F::min_positive_value();
        let mut total = F::zero();
        match (self, t) {
            (Self::Mse, Targets::Values(y)) => {
                Zip::from(grad.view_mut())
                    .and(pred)
                    .and(y)
                    .for_each(|g, &p, &y| {
                        let d = p - y;
                        total += d * d;
                        *g = (d + d) / n_all;
                    });
                Ok(total / n_all)
            }
            (Self::Mae, Targets::Values(y)) => {
                Zip::from(grad.view_mut())
                    .and(pred)
                    .and(y)
                    .for_each(|g, &p, &y| {
                        let d = p - y;
                        total += d.abs();
                        *g = sign(d) / n_all;
                    });
                Ok(total / n_all)
            }
            (Self::Huber(delta), Targets::Values(y)) => {
                let delta = F::of(delta);
                Zip::from(grad.view_mut())
                    .and(pred)
                    .and(y)
                    .for_each(|g, &p, &y| {
                        let d = p - y;
                        if d.abs() <= delta {
                            total += half * d * d;
                            *g = d / n_all;
                        } else {
                            total += delta * (d.abs() - half * delta);
                            *g = delta * sign(d) / n_all;
                        }
                    });
                Ok(total / n_all)
            }
            (Self::SoftmaxCrossEntropy, _) => {
                for (i, (z, mut g)) in pred.rows().into_iter().zip(grad.rows_mut()).enumerate() {
                    let m = z.fold(F::neg_infinity(), |m, &v| m.max(v));
                    let mut s = F::zero();
                    Zip::from(&mut g).and(&z).for_each(|g, &v| {
                        *g = (v - m).exp();
                        s += *g;
                    });
                    let lse = m + s.ln();
                    g /= s; // softmax probabilities
                    match t {
                        Targets::Classes(cls) => {
                            let k = cls.get(i).copied().unwrap_or(0) as usize;
                            if let (Some(&zk), Some(gk)) = (z.get(k), g.get_mut(k)) {
                                total += lse - zk;
                                *gk -= F::one();
                            }
                        }
                        Targets::Values(y) => {
                            let yr = y.row(i);
                            let ysum = yr.sum();
                            Zip::from(&mut g).and(&z).and(&yr).for_each(|g, &z, &y| {
                                total += y * (lse - z);
                                *g = *g * ysum - y;
                            });
                        }
                    }
                    g /= n_b;
                }
                Ok(total / n_b)
            }
            (Self::CrossEntropyOnProbs, _) => {
                grad.fill(F::zero());
                match t {
                    Targets::Classes(cls) => {
                        for ((p, mut g), &k) in
                            pred.rows().into_iter().zip(grad.rows_mut()).zip(*cls)
                        {
                            if let (Some(&pk), Some(gk)) =
                                (p.get(k as usize), g.get_mut(k as usize))
                            {
                                let pk = pk.max(tiny);
                                total -= pk.ln();
                                *gk = -F::one() / (pk * n_b);
                            }
                        }
                    }
                    Targets::Values(y) => {
                        Zip::from(grad.view_mut())
                            .and(pred)
                            .and(y)
                            .for_each(|g, &p, &y| {
                                let p = p.max(tiny);
                                total -= y * p.ln();
                                *g = -y / (p * n_b);
                            });
                    }
                }
                Ok(total / n_b)
            }
            (Self::BinaryCrossEntropyWithLogits, _) => {
                let one = F::one();
                let mut term = |g: &mut F, z: F, y: F| {
                    total += z.max(F::zero()) - z * y + (-z.abs()).exp().ln_1p();
                    *g = (sigmoid(z) - y) / n_all;
                };
                match t {
                    Targets::Classes(cls) => {
                        for ((g, &z), &k) in grad.iter_mut().zip(pred.iter()).zip(*cls) {
                            term(g, z, if k == 1 { one } else { F::zero() });
                        }
                    }
                    Targets::Values(y) => {
                        Zip::from(grad.view_mut())
                            .and(pred)
                            .and(y)
                            .for_each(|g, &z, &y| term(g, z, y));
                    }
                }
                Ok(total / n_all)
            }
            (_, Targets::Classes(_)) => Err(self.err("needs target values".into())),
        }
    }

    /// For [`Loss::CrossEntropyOnProbs`] after a Softmax node: writes
    /// `∂loss/∂logits = (p·Σy − y)/B` (with one-hot `y` for labels, i.e.
    /// `(p − y)/B`) into `grad` and returns the loss `mean(−Σ y·log p)`.
    ///
    /// # Shapes
    /// `probs` and `grad` `[batch, classes]`.
    ///
    /// # Errors
    /// As [`Loss::value_and_grad`].
    pub fn softmax_input_grad<F: Float>(
        probs: ArrayView2<F>,
        t: &Targets<F>,
        grad: &mut Array2<F>,
    ) -> Result<F, EngineError> {
        let this = Self::CrossEntropyOnProbs;
        this.check_shapes(probs, t, grad)?;
        let n_b = F::of(probs.nrows().max(1) as f64);
        let tiny = F::min_positive_value();
        let mut total = F::zero();
        grad.assign(&probs);
        match t {
            Targets::Classes(cls) => {
                for (mut g, (&k, p)) in grad
                    .rows_mut()
                    .into_iter()
                    .zip(cls.iter().zip(probs.rows()))
                {
                    if let (Some(gk), Some(&pk)) = (g.get_mut(k as usize), p.get(k as usize)) {
                        *gk -= F::one();
                        total -= pk.max(tiny).ln();
                    }
                }
            }
            Targets::Values(y) => {
                for ((mut g, yr), p) in grad.rows_mut().into_iter().zip(y.rows()).zip(probs.rows())
                {
                    let ysum = yr.sum();
                    Zip::from(&mut g).and(&yr).and(&p).for_each(|g, &y, &p| {
                        total -= y * p.max(tiny).ln();
                        *g = *g * ysum - y;
                    });
                }
            }
        }
        *grad /= n_b;
        Ok(total / n_b)
    }
}

fn sign<F: Float>(d: F) -> F {
    if d > F::zero() {
        F::one()
    } else if d < F::zero() {
        -F::one()
    } else {
        F::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{STEP, random};
    use ndarray::array;

    /// Central-difference check of `loss` at `pred` against `t`.
    fn gradcheck(loss: Loss, pred: &Array2<f64>, t: &Targets<f64>) -> f64 {
        let mut grad = Array2::zeros(pred.raw_dim());
        let mut scratch = Array2::zeros(pred.raw_dim());
        loss.value_and_grad(pred.view(), t, &mut grad).unwrap();
        let mut p = pred.clone();
        let mut worst = 0.0f64;
        for idx in 0..p.len() {
            let (r, c) = (idx / p.ncols(), idx % p.ncols());
            let orig = p[[r, c]];
            p[[r, c]] = orig + STEP;
            let lp = loss.value_and_grad(p.view(), t, &mut scratch).unwrap();
            p[[r, c]] = orig - STEP;
            let lm = loss.value_and_grad(p.view(), t, &mut scratch).unwrap();
            p[[r, c]] = orig;
            let num = (lp - lm) / (2.0 * STEP);
            let a = grad[[r, c]];
            worst = worst.max((a - num).abs() / 1f64.max(a.abs()).max(num.abs()));
        }
        worst
    }

    #[test]
    fn gradcheck_every_loss_at_two_shapes() {
        for (b, c) in [(4, 3), (1, 5), (6, 1)] {
            let pred = random(b, c, 1) * 2.0;
            let y = random(b, c, 2) * 2.0;
            let vals = Targets::Values(y.view());
            for loss in [Loss::Mse, Loss::Mae, Loss::Huber(0.7)] {
                let e = gradcheck(loss, &pred, &vals);
                assert!(e < 1e-6, "{loss:?} [{b}, {c}]: {e}");
            }
            let classes: Vec<u32> = (0..b).map(|i| (i % c) as u32).collect();
            let cls = Targets::Classes(&classes);
            let e = gradcheck(Loss::SoftmaxCrossEntropy, &pred, &cls);
            assert!(e < 1e-6, "softmax CE [{b}, {c}]: {e}");
            // Soft targets: rows of positive weights summing to one.
            let soft = y.mapv(f64::exp);
            let soft = &soft
                / &soft
                    .sum_axis(ndarray::Axis(1))
                    .insert_axis(ndarray::Axis(1));
            let e = gradcheck(
                Loss::SoftmaxCrossEntropy,
                &pred,
                &Targets::Values(soft.view()),
            );
            assert!(e < 1e-6, "softmax CE soft [{b}, {c}]: {e}");
            // Probabilities in (0.1, 0.9), away from the clamp.
            let probs = pred.mapv(|v| 0.5 + 0.2 * v);
            let e = gradcheck(Loss::CrossEntropyOnProbs, &probs, &cls);
            assert!(e < 1e-6, "CE on probs [{b}, {c}]: {e}");
            if c == 1 {
                let bin: Vec<u32> = (0..b).map(|i| (i % 2) as u32).collect();
                let e = gradcheck(
                    Loss::BinaryCrossEntropyWithLogits,
                    &pred,
                    &Targets::Classes(&bin),
                );
                assert!(e < 1e-6, "BCE [{b}, 1]: {e}");
                let py = y.mapv(|v| 0.5 + 0.4 * v);
                let e = gradcheck(
                    Loss::BinaryCrossEntropyWithLogits,
                    &pred,
                    &Targets::Values(py.view()),
                );
                assert!(e < 1e-6, "BCE soft [{b}, 1]: {e}");
            }
        }
    }

    #[test]
    fn softmax_cross_entropy_hand_values() {
        // Row 0: log(e¹+e²+e³) − 3 = 0.40760596444438; row 1: log 3.
        let z = array![[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]];
        let mut g = Array2::<f64>::zeros((2, 3));
        let l = Loss::SoftmaxCrossEntropy
            .value_and_grad(z.view(), &Targets::Classes(&[2, 1]), &mut g)
            .unwrap();
        let want = (0.407_605_964_444_380_1 + 1.098_612_288_668_109_8) / 2.0;
        assert!((l - want).abs() < 1e-12, "{l}");
        // softmax(1,2,3) = (0.09003057, 0.24472847, 0.66524096).
        let want_g = array![
            [
                0.090_030_573_170_380_5,
                0.244_728_471_054_797_6,
                0.665_240_955_774_821_9 - 1.0
            ],
            [1.0 / 3.0, 1.0 / 3.0 - 1.0, 1.0 / 3.0]
        ] / 2.0;
        assert!((&g - &want_g).iter().all(|d| d.abs() < 1e-12), "{g}");
        // Huge logits stay finite.
        let z = array![[1000.0, -1000.0]];
        let mut g = Array2::<f64>::zeros((1, 2));
        let l = Loss::SoftmaxCrossEntropy
            .value_and_grad(z.view(), &Targets::Classes(&[1]), &mut g)
            .unwrap();
        assert!((l - 2000.0).abs() < 1e-9 && g.iter().all(|v: &f64| v.is_finite()));
    }

    #[test]
    fn binary_cross_entropy_hand_values() {
        // softplus terms: z=0,y=1: ln 2; z=2,y=0: 2+ln(1+e⁻²); z=−3,y=0: ln(1+e⁻³).
        let z = array![[0.0], [2.0], [-3.0]];
        let mut g = Array2::<f64>::zeros((3, 1));
        let l = Loss::BinaryCrossEntropyWithLogits
            .value_and_grad(z.view(), &Targets::Classes(&[1, 0, 0]), &mut g)
            .unwrap();
        let want =
            (std::f64::consts::LN_2 + 2.126_928_011_042_972_5 + 0.048_587_351_573_741_97) / 3.0;
        assert!((l - want).abs() < 1e-12, "{l}");
        let want_g = array![
            [-0.5],
            [0.880_797_077_977_882_4],
            [0.047_425_873_177_566_78]
        ] / 3.0;
        assert!((&g - &want_g).iter().all(|d| d.abs() < 1e-12), "{g}");
        let z = array![[800.0], [-800.0]];
        let mut g = Array2::<f64>::zeros((2, 1));
        let l = Loss::BinaryCrossEntropyWithLogits
            .value_and_grad(z.view(), &Targets::Classes(&[0, 1]), &mut g)
            .unwrap();
        assert!((l - 800.0).abs() < 1e-9, "{l}");
    }

    #[test]
    fn probs_gradient_matches_softmax_cross_entropy_on_logits() {
        let z = random(3, 4, 7) * 3.0;
        let cls = [0, 3, 2];
        let t = Targets::Classes(&cls);
        let mut g_logits = Array2::zeros((3, 4));
        let l1 = Loss::SoftmaxCrossEntropy
            .value_and_grad(z.view(), &t, &mut g_logits)
            .unwrap();
        let p = z.mapv(f64::exp);
        let p = &p / &p.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
        let mut g = Array2::<f64>::zeros((3, 4));
        let l2 = Loss::softmax_input_grad(p.view(), &t, &mut g).unwrap();
        assert!((l1 - l2).abs() < 1e-12);
        assert!((&g - &g_logits).iter().all(|d| d.abs() < 1e-12));
        assert_eq!(
            Loss::SoftmaxCrossEntropy.for_output(true),
            Loss::CrossEntropyOnProbs
        );
    }

    #[test]
    fn bad_targets_are_errors() {
        let z = array![[0.0, 1.0]];
        let mut g = Array2::<f64>::zeros((1, 2));
        let r = Loss::SoftmaxCrossEntropy.value_and_grad(z.view(), &Targets::Classes(&[2]), &mut g);
        assert_eq!(
            r,
            Err(EngineError::ClassOutOfRange {
                label: 2,
                classes: 2
            })
        );
        assert!(
            Loss::Mse
                .value_and_grad(z.view(), &Targets::Classes(&[0]), &mut g)
                .is_err()
        );
    }
}
