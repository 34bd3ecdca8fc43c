//! Normalisation layers: BatchNorm (over the batch) and LayerNorm (over
//! each sample).

use ndarray::{Array2, ArrayView2};

use super::{Ctx, Float, Layer, Mode, Param};

/// Batch normalisation, per feature for flat inputs and per channel for
/// images (over the batch and every position), with running statistics for
/// evaluation (PyTorch's momentum convention; unbiased running variance).
///
/// # Shapes
/// Input and output `[batch, C·S]` where `S` is 1 for flat inputs and
/// `H·W` for images; `weight` (γ) and `bias` (β) `[C]`.
pub struct BatchNorm<F: Float> {
    c: usize,
    s: usize,
    momentum: f64,
    eps: f64,
    params: Vec<Param<F>>,
    running_mean: Vec<F>,
    running_var: Vec<F>,
    /// Normalised inputs of the last training pass.
    xhat: Array2<F>,
    inv_std: Vec<F>,
    /// Whether the latest forward pass used the running statistics (then
    /// backward differentiates that affine form: a one-sample trace).
    eval_last: bool,
}

impl<F: Float> BatchNorm<F> {
    /// Over `channels` groups of `spatial` values each.
    pub fn new(channels: usize, spatial: usize, momentum: f64, eps: f64) -> Self {
        Self {
            c: channels,
            s: spatial.max(1),
            momentum,
            eps,
            params: vec![
                Param::new("weight", vec![channels], Array2::ones((1, channels)), false),
                Param::new("bias", vec![channels], Array2::zeros((1, channels)), false),
            ],
            running_mean: vec![F::zero(); channels],
            running_var: vec![F::one(); channels],
            xhat: Array2::zeros((0, channels * spatial)),
            inv_std: vec![F::one(); channels],
            eval_last: false,
        }
    }

    /// Backward after an `Eval` forward pass: `y = γ·(x − μ)/√(σ² + ε) + β`
    /// with the running `μ`, `σ²` constant.
    fn backward_eval(
        &mut self,
        x: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let (b, c, s) = (grad_out.nrows(), self.c, self.s);
        let gamma = self.params[0].value.row(0).to_owned();
        for ch in 0..c {
            let inv = F::one() / (self.running_var[ch] + F::of(self.eps)).sqrt();
            let (mut sum_dy, mut sum_dy_xh) = (F::zero(), F::zero());
            for bi in 0..b {
                for k in 0..s {
                    let j = ch * s + k;
                    let xh = (x[[bi, j]] - self.running_mean[ch]) * inv;
                    sum_dy += grad_out[[bi, j]];
                    sum_dy_xh += grad_out[[bi, j]] * xh;
                }
            }
            self.params[0].grad[[0, ch]] = sum_dy_xh;
            self.params[1].grad[[0, ch]] = sum_dy;
            if let Some(dx) = grad_inputs.first_mut() {
                for bi in 0..b {
                    for k in 0..s {
                        let j = ch * s + k;
                        dx[[bi, j]] = grad_out[[bi, j]] * gamma[ch] * inv;
                    }
                }
            }
        }
    }
}

impl<F: Float> Layer<F> for BatchNorm<F> {
    fn kind(&self) -> &'static str {
        "BatchNorm"
    }

    fn output_len(&self) -> usize {
        self.c * self.s
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, ctx: &mut Ctx) {
        let Some(x) = inputs.first() else { return };
        let (b, c, s) = (x.nrows(), self.c, self.s);
        let x = x.as_standard_layout();
        let (Some(xs), Some(gamma), Some(beta)) = (
            x.as_slice(),
            self.params[0].value.as_slice(),
            self.params[1].value.as_slice(),
        ) else {
            return;
        };
        let Some(os) = out.as_slice_mut() else { return };
        let width = c * s;
        self.eval_last = ctx.mode == Mode::Eval || b == 0;
        if self.eval_last {
            for (row, o) in xs.chunks_exact(width).zip(os.chunks_exact_mut(width)) {
                for ch in 0..c {
                    let inv = F::one() / (self.running_var[ch] + F::of(self.eps)).sqrt();
                    let (g, bt, mean) = (gamma[ch], beta[ch], self.running_mean[ch]);
                    let span = ch * s..(ch + 1) * s;
                    for (o, &v) in o[span.clone()].iter_mut().zip(&row[span]) {
                        *o = g * (v - mean) * inv + bt;
                    }
                }
            }
            return;
        }
        if self.xhat.dim() != (b, width) {
            self.xhat = Array2::zeros((b, width));
        }
        let Some(xh) = self.xhat.as_slice_mut() else {
            return;
        };
        let n = (b * s) as f64;
        let m = F::of(self.momentum);
        for ch in 0..c {
            // Per-sample partial sums (16-lane, fixed order), then over
            // the batch in order.
            let span = ch * s..(ch + 1) * s;
            let mut sum = F::zero();
            for row in xs.chunks_exact(width) {
                sum += super::fastmath::sum(&row[span.clone()]);
            }
            let mean = sum / F::of(n);
            let mut var = F::zero();
            for row in xs.chunks_exact(width) {
                let mut acc = [F::zero(); 8];
                let part = &row[span.clone()];
                let mut chunks = part.chunks_exact(8);
                for ch8 in &mut chunks {
                    for (a, &v) in acc.iter_mut().zip(ch8) {
                        let d = v - mean;
                        *a += d * d;
                    }
                }
                let tail = chunks
                    .remainder()
                    .iter()
                    .fold(F::zero(), |a, &v| a + (v - mean) * (v - mean));
                var += acc.iter().fold(F::zero(), |a, &v| a + v) + tail;
            }
            let var = var / F::of(n);
            let inv = F::one() / (var + F::of(self.eps)).sqrt();
            self.inv_std[ch] = inv;
            let (g, bt) = (gamma[ch], beta[ch]);
            for ((row, o), h) in xs
                .chunks_exact(width)
                .zip(os.chunks_exact_mut(width))
                .zip(xh.chunks_exact_mut(width))
            {
                for ((o, h), &v) in o[span.clone()]
                    .iter_mut()
                    .zip(&mut h[span.clone()])
                    .zip(&row[span.clone()])
                {
                    let xn = (v - mean) * inv;
                    *h = xn;
                    *o = g * xn + bt;
                }
            }
            let unbiased = if n > 1.0 {
                var * F::of(n / (n - 1.0))
            } else {
                var
            };
            self.running_mean[ch] = (F::one() - m) * self.running_mean[ch] + m * mean;
            self.running_var[ch] = (F::one() - m) * self.running_var[ch] + m * unbiased;
        }
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        if self.eval_last {
            if let Some(x) = inputs.first() {
                self.backward_eval(x.view(), grad_out, grad_inputs);
            }
            return;
        }
        let (b, c, s) = (grad_out.nrows(), self.c, self.s);
        let width = c * s;
        let n = F::of((b * s) as f64);
        let grad_out = grad_out.as_standard_layout();
        let Some(dy) = grad_out.as_slice() else {
            return;
        };
        let Some(xh) = self.xhat.as_slice() else {
            return;
        };
        let [w, bias] = self.params.as_mut_slice() else {
            return;
        };
        let (Some(gamma), Some(dgamma), Some(dbeta)) = (
            w.value.as_slice(),
            w.grad.as_slice_mut(),
            bias.grad.as_slice_mut(),
        ) else {
            return;
        };
        let mut dx = grad_inputs
            .first_mut()
            .filter(|d| d.dim() == (b, width))
            .and_then(|d| d.as_slice_mut());
        for ch in 0..c {
            let span = ch * s..(ch + 1) * s;
            let (mut sum_dy, mut sum_dy_xh) = (F::zero(), F::zero());
            for (g, h) in dy.chunks_exact(width).zip(xh.chunks_exact(width)) {
                let (g, h) = (&g[span.clone()], &h[span.clone()]);
                sum_dy += super::fastmath::sum(g);
                let mut acc = [F::zero(); 8];
                let mut gc = g.chunks_exact(8);
                let mut hc = h.chunks_exact(8);
                for (g8, h8) in (&mut gc).zip(&mut hc) {
                    for ((a, &gv), &hv) in acc.iter_mut().zip(g8).zip(h8) {
                        *a += gv * hv;
                    }
                }
                let tail = gc
                    .remainder()
                    .iter()
                    .zip(hc.remainder())
                    .fold(F::zero(), |a, (&gv, &hv)| a + gv * hv);
                sum_dy_xh += acc.iter().fold(F::zero(), |a, &v| a + v) + tail;
            }
            dgamma[ch] = sum_dy_xh;
            dbeta[ch] = sum_dy;
            if let Some(dx) = dx.as_deref_mut() {
                let k0 = gamma[ch] * self.inv_std[ch] / n;
                for ((d, g), h) in dx
                    .chunks_exact_mut(width)
                    .zip(dy.chunks_exact(width))
                    .zip(xh.chunks_exact(width))
                {
                    for ((d, &gv), &hv) in d[span.clone()]
                        .iter_mut()
                        .zip(&g[span.clone()])
                        .zip(&h[span.clone()])
                    {
                        *d = k0 * (n * gv - sum_dy - hv * sum_dy_xh);
                    }
                }
            }
        }
    }

    fn params(&self) -> &[Param<F>] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param<F>] {
        &mut self.params
    }

    fn buffers(&self) -> Vec<(&'static str, Vec<F>)> {
        vec![
            ("running_mean", self.running_mean.clone()),
            ("running_var", self.running_var.clone()),
        ]
    }

    fn set_buffer(&mut self, name: &str, values: &[F]) {
        if values.len() != self.c {
            return;
        }
        match name {
            "running_mean" => self.running_mean = values.to_vec(),
            "running_var" => self.running_var = values.to_vec(),
            _ => {}
        }
    }
}

/// Layer normalisation over each sample's features, with a scale and shift
/// per feature.
///
/// # Shapes
/// Input and output `[batch, N]`; `weight` and `bias` `[N]`.
pub struct LayerNorm<F: Float> {
    n: usize,
    eps: f64,
    params: Vec<Param<F>>,
    xhat: Array2<F>,
    inv_std: Vec<F>,
}

impl<F: Float> LayerNorm<F> {
    /// Over `features` values per sample.
    pub fn new(features: usize, eps: f64) -> Self {
        Self {
            n: features,
            eps,
            params: vec![
                Param::new("weight", vec![features], Array2::ones((1, features)), false),
                Param::new("bias", vec![features], Array2::zeros((1, features)), false),
            ],
            xhat: Array2::zeros((0, features)),
            inv_std: Vec::new(),
        }
    }
}

impl<F: Float> Layer<F> for LayerNorm<F> {
    fn kind(&self) -> &'static str {
        "LayerNorm"
    }

    fn output_len(&self) -> usize {
        self.n
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let Some(x) = inputs.first() else { return };
        let n = self.n;
        if self.xhat.dim() != x.dim() {
            self.xhat = Array2::zeros(x.dim());
        }
        self.inv_std.resize(x.nrows(), F::one());
        let x = x.as_standard_layout();
        let (Some(xs), Some(gamma), Some(beta), Some(xh), Some(os)) = (
            x.as_slice(),
            self.params[0].value.as_slice(),
            self.params[1].value.as_slice(),
            self.xhat.as_slice_mut(),
            out.as_slice_mut(),
        ) else {
            return;
        };
        if n == 0 {
            return;
        }
        let nf = F::of(n as f64);
        for (((row, h), o), inv_std) in xs
            .chunks_exact(n)
            .zip(xh.chunks_exact_mut(n))
            .zip(os.chunks_exact_mut(n))
            .zip(self.inv_std.iter_mut())
        {
            let mean = super::fastmath::sum(row) / nf;
            // Deviations into `h` first, so the variance is a plain sum.
            for (h, &v) in h.iter_mut().zip(row) {
                *h = v - mean;
            }
            let mut acc = [F::zero(); 16];
            let mut chunks = h.chunks_exact(16);
            for c in &mut chunks {
                for (a, &d) in acc.iter_mut().zip(c) {
                    *a += d * d;
                }
            }
            let tail = chunks.remainder().iter().fold(F::zero(), |a, &d| a + d * d);
            let var = (acc.iter().fold(F::zero(), |a, &v| a + v) + tail) / nf;
            let inv = F::one() / (var + F::of(self.eps)).sqrt();
            *inv_std = inv;
            for (((h, o), &g), &b) in h.iter_mut().zip(o.iter_mut()).zip(gamma).zip(beta) {
                let xn = *h * inv;
                *h = xn;
                *o = g * xn + b;
            }
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let n = self.n;
        let b = grad_out.nrows();
        let grad_out = grad_out.as_standard_layout();
        let [w, bias] = self.params.as_mut_slice() else {
            return;
        };
        w.grad.fill(F::zero());
        bias.grad.fill(F::zero());
        let (Some(dy), Some(xh), Some(gamma), Some(dgamma), Some(dbeta)) = (
            grad_out.as_slice(),
            self.xhat.as_slice(),
            w.value.as_slice(),
            w.grad.as_slice_mut(),
            bias.grad.as_slice_mut(),
        ) else {
            return;
        };
        if n == 0 {
            return;
        }
        let nf = F::of(n as f64);
        let mut dx = grad_inputs
            .first_mut()
            .filter(|d| d.dim() == (b, n))
            .and_then(|d| d.as_slice_mut());
        for (bi, (g, h)) in dy.chunks_exact(n).zip(xh.chunks_exact(n)).enumerate() {
            let (mut s1, mut s2) = (F::zero(), F::zero());
            for ((((&gv, &hv), &gm), dg), db) in g
                .iter()
                .zip(h)
                .zip(gamma)
                .zip(dgamma.iter_mut())
                .zip(dbeta.iter_mut())
            {
                let gg = gv * gm;
                s1 += gg;
                s2 += gg * hv;
                *dg += gv * hv;
                *db += gv;
            }
            if let Some(dx) = dx.as_deref_mut() {
                let inv = self.inv_std.get(bi).copied().unwrap_or(F::one());
                let k = inv / nf;
                for (((d, &gv), &hv), &gm) in
                    dx[bi * n..(bi + 1) * n].iter_mut().zip(g).zip(h).zip(gamma)
                {
                    *d = k * (nf * gv * gm - s1 - hv * s2);
                }
            }
        }
    }

    fn params(&self) -> &[Param<F>] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param<F>] {
        &mut self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn run(l: &mut dyn Layer<f64>, x: &Array2<f64>, mode: Mode) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), l.output_len()));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        l.forward(
            &[x.view()],
            &mut out,
            &mut Ctx {
                mode,
                rng: &mut rng,
            },
        );
        out
    }

    #[test]
    fn batchnorm_train_and_eval_by_hand() {
        let mut bn = BatchNorm::<f64>::new(1, 1, 0.1, 0.0);
        let x = ndarray::array![[1.0], [3.0]];
        // mean 2, var 1 → xhat ∓1.
        assert_eq!(
            run(&mut bn, &x, Mode::Train),
            ndarray::array![[-1.0], [1.0]]
        );
        // running: mean 0.9·0 + 0.1·2 = 0.2; var 0.9·1 + 0.1·2 (unbiased) = 1.1.
        let y = run(&mut bn, &ndarray::array![[0.2]], Mode::Eval);
        assert!(y[[0, 0]].abs() < 1e-12);
        let y = run(&mut bn, &ndarray::array![[1.3]], Mode::Eval);
        assert!((y[[0, 0]] - 1.1 / 1.1f64.sqrt()).abs() < 1e-12);
        assert_eq!(bn.buffers()[1].1, vec![1.1]);
    }

    /// After an `Eval` forward pass, backward is the derivative of the
    /// running-statistics form (the one-sample trace): checked against
    /// central differences of `Σ g·y` for the input, γ and β.
    #[test]
    fn eval_gradients_by_finite_differences() {
        let mut bn = BatchNorm::<f64>::new(2, 3, 0.1, 1e-3);
        bn.params[0].value = ndarray::array![[0.7, -1.3]];
        bn.params[1].value = ndarray::array![[0.2, 0.4]];
        bn.running_mean = vec![0.3, -0.5];
        bn.running_var = vec![2.0, 0.6];
        let x = random(2, 6, 4);
        let g = random(2, 6, 5);
        let objective = |bn: &mut BatchNorm<f64>, x: &Array2<f64>| -> f64 {
            (run(bn, x, Mode::Eval) * &g).sum()
        };
        run(&mut bn, &x, Mode::Eval);
        let mut dx = vec![Array2::zeros(x.raw_dim())];
        bn.backward(&[x.view()], x.view(), g.view(), &mut dx);
        let h = 1e-6;
        for i in 0..x.nrows() {
            for j in 0..x.ncols() {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[[i, j]] += h;
                xm[[i, j]] -= h;
                let num = (objective(&mut bn, &xp) - objective(&mut bn, &xm)) / (2.0 * h);
                assert!((num - dx[0][[i, j]]).abs() < 1e-7, "dx[{i},{j}]");
            }
        }
        let analytic: Vec<Array2<f64>> = bn.params.iter().map(|p| p.grad.clone()).collect();
        for (k, a) in analytic.iter().enumerate() {
            for ch in 0..2 {
                let v = bn.params[k].value[[0, ch]];
                bn.params[k].value[[0, ch]] = v + h;
                let up = objective(&mut bn, &x);
                bn.params[k].value[[0, ch]] = v - h;
                let down = objective(&mut bn, &x);
                bn.params[k].value[[0, ch]] = v;
                let num = (up - down) / (2.0 * h);
                assert!((num - a[[0, ch]]).abs() < 1e-7, "param {k} channel {ch}");
            }
        }
    }

    #[test]
    fn gradients() {
        let mut bn = BatchNorm::<f64>::new(3, 1, 0.1, 1e-5);
        bn.params[0].value = ndarray::array![[0.5, 1.5, -1.0]];
        assert!(check(&mut bn, &[random(4, 3, 1)], 1e-6).is_ok());
        let mut bn2 = BatchNorm::<f64>::new(2, 6, 0.1, 1e-5);
        assert!(check(&mut bn2, &[random(3, 12, 2)], 1e-6).is_ok());
        let mut ln = LayerNorm::<f64>::new(5, 1e-5);
        ln.params[0].value = ndarray::array![[0.5, 1.5, -1.0, 2.0, 1.0]];
        ln.params[1].value = ndarray::array![[0.1, 0.0, 0.2, -0.3, 0.0]];
        let r = check(&mut ln, &[random(3, 5, 3)], 1e-6);
        assert!(r.is_ok(), "{:?}", r.err());
    }
}
