//! Recurrent layers: SimpleRNN, LSTM and GRU, with backpropagation through
//! time. Parameters follow PyTorch: `weight_ih [G·H, I]`, `weight_hh
//! [G·H, H]`, `bias_ih [G·H]`, `bias_hh [G·H]`; gate order LSTM i, f, g, o;
//! GRU r, z, n with `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`.

use ndarray::{Array2, ArrayView2, Axis, s};
use rand_chacha::ChaCha8Rng;

use super::init::{InitKind, fill};
use super::linalg::gemm;
use super::{Ctx, Float, Layer, Param};

/// Which recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// `h = tanh(W x + U h + b)`.
    Rnn,
    /// Long short-term memory.
    Lstm,
    /// Gated recurrent unit.
    Gru,
}

impl Cell {
    fn gates(self) -> usize {
        match self {
            Self::Rnn => 1,
            Self::Lstm => 4,
            Self::Gru => 3,
        }
    }
}

fn sigmoid<F: Float>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

/// A recurrent layer over a batch-first sequence.
///
/// # Shapes
/// Input `[batch, T·I]` (step-major: `x[b, t·I + i]`); output `[batch, T·H]`
/// with `return_sequences`, else `[batch, H]` (the last step).
pub struct Recurrent<F: Float> {
    cell: Cell,
    t: usize,
    i: usize,
    h: usize,
    return_sequences: bool,
    params: Vec<Param<F>>,
    /// `x·W_ihᵀ + b_ih` for all steps, rows `b·T + t`: `[B·T, G·H]`.
    xw: Array2<F>,
    /// Hidden states, rows `b·(T+1) + t` (t = 0 is the zero state).
    hs: Array2<F>,
    /// LSTM cell states likewise; unused otherwise.
    cs: Array2<F>,
    /// Activated gates per step, rows `b·T + t`: `[B·T, G·H]`; for GRU the
    /// last third holds `W_hn h + b_hn` after the n gate values.
    gates: Array2<F>,
    /// GRU: `W_hn h + b_hn` per step `[B·T, H]`.
    hn: Array2<F>,
}

impl<F: Float> Recurrent<F> {
    /// A layer reading `steps` steps of `input` features into `units` units.
    pub fn new(
        cell: Cell,
        steps: usize,
        input: usize,
        units: usize,
        return_sequences: bool,
        init: Option<InitKind>,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let g = cell.gates() * units;
        let bound = 1.0 / (units.max(1) as f64).sqrt();
        let kind = init.unwrap_or(InitKind::Uniform(bound));
        let mut wih = Array2::zeros((g, input));
        fill(&mut wih, kind, input, g, rng);
        let mut whh = Array2::zeros((g, units));
        fill(&mut whh, kind, units, g, rng);
        let mut bih = Array2::zeros((1, g));
        let mut bhh = Array2::zeros((1, g));
        if !matches!(kind, InitKind::Zeros | InitKind::Constant(_)) {
            fill(&mut bih, InitKind::Uniform(bound), units, g, rng);
            fill(&mut bhh, InitKind::Uniform(bound), units, g, rng);
        }
        Self {
            cell,
            t: steps.max(1),
            i: input,
            h: units,
            return_sequences,
            params: vec![
                Param::new("weight_ih", vec![g, input], wih, true),
                Param::new("weight_hh", vec![g, units], whh, true),
                Param::new("bias_ih", vec![g], bih, false),
                Param::new("bias_hh", vec![g], bhh, false),
            ],
            xw: Array2::zeros((0, g)),
            hs: Array2::zeros((0, units)),
            cs: Array2::zeros((0, units)),
            gates: Array2::zeros((0, g)),
            hn: Array2::zeros((0, units)),
        }
    }

    fn ensure(&mut self, b: usize) {
        let g = self.cell.gates() * self.h;
        if self.xw.nrows() != b * self.t {
            self.xw = Array2::zeros((b * self.t, g));
            self.gates = Array2::zeros((b * self.t, g));
            self.hs = Array2::zeros((b * (self.t + 1), self.h));
            self.cs = Array2::zeros((b * (self.t + 1), self.h));
            if self.cell == Cell::Gru {
                self.hn = Array2::zeros((b * self.t, self.h));
            }
        }
    }
}

impl<F: Float> Layer<F> for Recurrent<F> {
    fn kind(&self) -> &'static str {
        match self.cell {
            Cell::Rnn => "SimpleRNN",
            Cell::Lstm => "LSTM",
            Cell::Gru => "GRU",
        }
    }

    fn output_len(&self) -> usize {
        if self.return_sequences {
            self.t * self.h
        } else {
            self.h
        }
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let x = &inputs[0];
        let b = x.nrows();
        self.ensure(b);
        let (t_len, h, g) = (self.t, self.h, self.cell.gates() * self.h);
        // All steps' input projections in one product: [B·T, I]·W_ihᵀ.
        let xs = x
            .to_shape((b * t_len, self.i))
            .map(|v| v.to_owned())
            .unwrap_or_else(|_| Array2::zeros((b * t_len, self.i)));
        gemm(
            F::one(),
            xs.view(),
            self.params[0].value.t(),
            F::zero(),
            &mut self.xw.view_mut(),
        );
        let bih = self.params[2].value.row(0).to_owned();
        self.xw.axis_iter_mut(Axis(0)).for_each(|mut r| r += &bih);
        let bhh = self.params[3].value.row(0).to_owned();
        let whh = self.params[1].value.clone();
        let mut hw = Array2::zeros((b, g));
        for bi in 0..b {
            self.hs.row_mut(bi * (t_len + 1)).fill(F::zero());
            self.cs.row_mut(bi * (t_len + 1)).fill(F::zero());
        }
        for t in 0..t_len {
            let hprev = self.hs.slice(s![t..;t_len + 1, ..]).to_owned();
            gemm(
                F::one(),
                hprev.view(),
                whh.t(),
                F::zero(),
                &mut hw.view_mut(),
            );
            for bi in 0..b {
                let row = bi * t_len + t;
                let xw = self.xw.row(row);
                let mut gate = self.gates.row_mut(row);
                let hw_b = hw.row(bi);
                let cprev = self.cs.row(bi * (t_len + 1) + t).to_owned();
                let mut hnew = vec![F::zero(); h];
                let mut cnew = vec![F::zero(); h];
                match self.cell {
                    Cell::Rnn => {
                        for u in 0..h {
                            let v = (xw[u] + hw_b[u] + bhh[u]).tanh();
                            gate[u] = v;
                            hnew[u] = v;
                        }
                    }
                    Cell::Lstm => {
                        for u in 0..h {
                            let pre = |k: usize| xw[k * h + u] + hw_b[k * h + u] + bhh[k * h + u];
                            let (i, f, gg, o) = (
                                sigmoid(pre(0)),
                                sigmoid(pre(1)),
                                pre(2).tanh(),
                                sigmoid(pre(3)),
                            );
                            gate[u] = i;
                            gate[h + u] = f;
                            gate[2 * h + u] = gg;
                            gate[3 * h + u] = o;
                            let c = f * cprev[u] + i * gg;
                            cnew[u] = c;
                            hnew[u] = o * c.tanh();
                        }
                    }
                    Cell::Gru => {
                        let mut hn_row = self.hn.row_mut(row);
                        for u in 0..h {
                            let r = sigmoid(xw[u] + hw_b[u] + bhh[u]);
                            let z = sigmoid(xw[h + u] + hw_b[h + u] + bhh[h + u]);
                            let hn = hw_b[2 * h + u] + bhh[2 * h + u];
                            let n = (xw[2 * h + u] + r * hn).tanh();
                            gate[u] = r;
                            gate[h + u] = z;
                            gate[2 * h + u] = n;
                            hn_row[u] = hn;
                            hnew[u] = (F::one() - z) * n + z * hprev[[bi, u]];
                        }
                    }
                }
                let base = bi * (t_len + 1) + t + 1;
                self.hs
                    .row_mut(base)
                    .iter_mut()
                    .zip(&hnew)
                    .for_each(|(d, v)| *d = *v);
                self.cs
                    .row_mut(base)
                    .iter_mut()
                    .zip(&cnew)
                    .for_each(|(d, v)| *d = *v);
            }
        }
        for (bi, mut o) in out.outer_iter_mut().enumerate() {
            if self.return_sequences {
                for t in 0..t_len {
                    o.slice_mut(s![t * h..(t + 1) * h])
                        .assign(&self.hs.row(bi * (t_len + 1) + t + 1));
                }
            } else {
                o.assign(&self.hs.row(bi * (t_len + 1) + t_len));
            }
        }
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let x = &inputs[0];
        let b = x.nrows();
        let (t_len, h, g) = (self.t, self.h, self.cell.gates() * self.h);
        let whh = self.params[1].value.clone();
        let mut dxw = Array2::<F>::zeros((b * t_len, g));
        let mut dwhh = Array2::<F>::zeros((g, h));
        let mut dbhh = Array2::<F>::zeros((1, g));
        let mut dh = Array2::<F>::zeros((b, h));
        let mut dc = Array2::<F>::zeros((b, h));
        let mut dpre = Array2::<F>::zeros((b, g));
        for t in (0..t_len).rev() {
            // Gradient arriving at h_t from the output.
            for bi in 0..b {
                for u in 0..h {
                    let from_out = if self.return_sequences {
                        grad_out[[bi, t * h + u]]
                    } else if t == t_len - 1 {
                        grad_out[[bi, u]]
                    } else {
                        F::zero()
                    };
                    dh[[bi, u]] += from_out;
                }
            }
            let mut dh_direct = Array2::<F>::zeros((b, h));
            for bi in 0..b {
                let row = bi * t_len + t;
                let gate = self.gates.row(row);
                let hprev = self.hs.row(bi * (t_len + 1) + t);
                let cprev = self.cs.row(bi * (t_len + 1) + t);
                let c = self.cs.row(bi * (t_len + 1) + t + 1);
                for u in 0..h {
                    let dhu = dh[[bi, u]];
                    match self.cell {
                        Cell::Rnn => {
                            let y = gate[u];
                            dpre[[bi, u]] = dhu * (F::one() - y * y);
                            dxw[[row, u]] = dpre[[bi, u]];
                        }
                        Cell::Lstm => {
                            let (i, f, gg, o) =
                                (gate[u], gate[h + u], gate[2 * h + u], gate[3 * h + u]);
                            let tc = c[u].tanh();
                            let dcu = dc[[bi, u]] + dhu * o * (F::one() - tc * tc);
                            let vals = [
                                dcu * gg * i * (F::one() - i),
                                dcu * cprev[u] * f * (F::one() - f),
                                dcu * i * (F::one() - gg * gg),
                                dhu * tc * o * (F::one() - o),
                            ];
                            for (k, v) in vals.into_iter().enumerate() {
                                dpre[[bi, k * h + u]] = v;
                                dxw[[row, k * h + u]] = v;
                            }
                            dc[[bi, u]] = dcu * f;
                        }
                        Cell::Gru => {
                            let (r, z, n) = (gate[u], gate[h + u], gate[2 * h + u]);
                            let hn = self.hn[[row, u]];
                            let dn = dhu * (F::one() - z) * (F::one() - n * n);
                            let dz = dhu * (hprev[u] - n) * z * (F::one() - z);
                            let dr = dn * hn * r * (F::one() - r);
                            dxw[[row, u]] = dr;
                            dxw[[row, h + u]] = dz;
                            dxw[[row, 2 * h + u]] = dn;
                            dpre[[bi, u]] = dr;
                            dpre[[bi, h + u]] = dz;
                            dpre[[bi, 2 * h + u]] = dn * r;
                            dh_direct[[bi, u]] = dhu * z;
                        }
                    }
                }
            }
            let hprev = self.hs.slice(s![t..;t_len + 1, ..]);
            gemm(F::one(), dpre.t(), hprev, F::one(), &mut dwhh.view_mut());
            dbhh.row_mut(0)
                .iter_mut()
                .zip(dpre.sum_axis(Axis(0)))
                .for_each(|(d, v)| *d += v);
            // dh_{t−1} = dpre·W_hh (+ GRU's direct path).
            gemm(
                F::one(),
                dpre.view(),
                whh.view(),
                F::zero(),
                &mut dh.view_mut(),
            );
            if self.cell == Cell::Gru {
                dh += &dh_direct;
            }
        }
        let xs = x
            .to_shape((b * t_len, self.i))
            .map(|v| v.to_owned())
            .unwrap_or_else(|_| Array2::zeros((b * t_len, self.i)));
        gemm(
            F::one(),
            dxw.t(),
            xs.view(),
            F::zero(),
            &mut self.params[0].grad.view_mut(),
        );
        self.params[1].grad.assign(&dwhh);
        let dbih = dxw.sum_axis(Axis(0));
        self.params[2].grad.row_mut(0).assign(&dbih);
        self.params[3].grad.assign(&dbhh);
        if let Some(dx) = grad_inputs.first_mut()
            && dx.ncols() > 0
        {
            let mut dxs = Array2::zeros((b * t_len, self.i));
            gemm(
                F::one(),
                dxw.view(),
                self.params[0].value.view(),
                F::zero(),
                &mut dxs.view_mut(),
            );
            if let Ok(v) = dxs.into_shape_with_order((b, t_len * self.i)) {
                dx.assign(&v);
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
    use crate::engine::Mode;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;

    #[test]
    fn gradients_for_every_cell_with_and_without_sequences() {
        for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
            for seq in [false, true] {
                for (t, i, h) in [(3, 2, 3), (4, 1, 2)] {
                    let mut l = Recurrent::<f64>::new(
                        cell,
                        t,
                        i,
                        h,
                        seq,
                        Some(InitKind::Uniform(0.8)),
                        &mut ChaCha8Rng::seed_from_u64(2),
                    );
                    let x = random(2, t * i, 4);
                    let r = check(&mut l, &[x], 1e-6);
                    assert!(
                        r.is_ok(),
                        "{cell:?} seq={seq} T{t} I{i} H{h}: {:?}",
                        r.err()
                    );
                }
            }
        }
    }

    #[test]
    fn lstm_one_step_by_hand() {
        // One unit, one input, all weights 0.5, biases 0: x = 1.
        let mut l = Recurrent::<f64>::new(
            Cell::Lstm,
            1,
            1,
            1,
            false,
            Some(InitKind::Constant(0.5)),
            &mut ChaCha8Rng::seed_from_u64(0),
        );
        let x = ndarray::array![[1.0]];
        let mut out = Array2::zeros((1, 1));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        l.forward(
            &[x.view()],
            &mut out,
            &mut Ctx {
                mode: Mode::Train,
                rng: &mut rng,
            },
        );
        let s = 1.0 / (1.0 + (-0.5f64).exp());
        let c = s * 0.5f64.tanh(); // f·0 + i·g
        let want = s * c.tanh();
        assert!(
            (out[[0, 0]] - want).abs() < 1e-12,
            "{} vs {want}",
            out[[0, 0]]
        );
    }
}
