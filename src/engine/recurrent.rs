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
    /// `x·W_ihᵀ + b_ih` for all steps, rows `b·T + t` (batch-major):
    /// `[B·T, G·H]`.
    xw: Array2<F>,
    /// Hidden states, time-major: rows `t·B + b` for t = 0..=T (t = 0 is
    /// the zero state), so each step's block is contiguous.
    hs: Array2<F>,
    /// LSTM cell states, laid out like `hs`.
    cs: Array2<F>,
    /// Activated gates per step, time-major rows `t·B + b`: `[T·B, G·H]`.
    gates: Array2<F>,
    /// GRU: `W_hn h + b_hn` per step, time-major `[T·B, H]`.
    hn: Array2<F>,
    /// Scratch `[B, G·H]`: `h·W_hhᵀ` in forward.
    hw: Array2<F>,
    /// Backward: gradients of the input projections, batch-major `[B·T, G·H]`.
    dxw: Array2<F>,
    /// Backward: gradients of the hidden projections, time-major `[T·B, G·H]`.
    dhh: Array2<F>,
    /// Backward scratch `[B, H]`: gradient reaching h (and c for LSTM).
    dh: Array2<F>,
    dc: Array2<F>,
    dh_direct: Array2<F>,
    /// The input as `[B·T, I]`.
    xs: Array2<F>,
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
        let z = |c| Array2::zeros((0, c));
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
            xw: z(g),
            hs: z(units),
            cs: z(units),
            gates: z(g),
            hn: z(units),
            hw: z(g),
            dxw: z(g),
            dhh: z(g),
            dh: z(units),
            dc: z(units),
            dh_direct: z(units),
            xs: z(input),
        }
    }

    fn ensure(&mut self, b: usize) {
        let (t, h, g) = (self.t, self.h, self.cell.gates() * self.h);
        if self.xw.nrows() != b * t {
            self.xw = Array2::zeros((b * t, g));
            self.gates = Array2::zeros((t * b, g));
            self.hs = Array2::zeros(((t + 1) * b, h));
            self.cs = Array2::zeros(((t + 1) * b, h));
            self.hn = Array2::zeros((t * b, h));
            self.hw = Array2::zeros((b, g));
            self.dxw = Array2::zeros((b * t, g));
            self.dhh = Array2::zeros((t * b, g));
            self.dh = Array2::zeros((b, h));
            self.dc = Array2::zeros((b, h));
            self.dh_direct = Array2::zeros((b, h));
            self.xs = Array2::zeros((b * t, self.i));
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
        for (mut dst, src) in self
            .xs
            .exact_chunks_mut((t_len, self.i))
            .into_iter()
            .zip(x.outer_iter())
        {
            for (d, v) in dst.iter_mut().zip(src.iter()) {
                *d = *v;
            }
        }
        let [wih, whh, bih, bhh] = &self.params[..] else {
            return;
        };
        gemm(
            F::one(),
            self.xs.view(),
            wih.value.t(),
            F::zero(),
            &mut self.xw.view_mut(),
        );
        let bhh_v: Vec<F> = bhh.value.iter().copied().collect();
        for mut row in self.xw.outer_iter_mut() {
            row.iter_mut()
                .zip(bih.value.iter())
                .for_each(|(v, bb)| *v += *bb);
        }
        self.hs.slice_mut(s![0..b, ..]).fill(F::zero());
        self.cs.slice_mut(s![0..b, ..]).fill(F::zero());
        for t in 0..t_len {
            let (done, rest) = self.hs.view_mut().split_at(Axis(0), (t + 1) * b);
            let hprev = done.slice(s![t * b.., ..]);
            let mut hnext = rest.slice_move(s![..b, ..]);
            gemm(
                F::one(),
                hprev.view(),
                whh.value.t(),
                F::zero(),
                &mut self.hw.view_mut(),
            );
            let (cdone, crest) = self.cs.view_mut().split_at(Axis(0), (t + 1) * b);
            let cprev = cdone.slice(s![t * b.., ..]);
            let mut cnext = crest.slice_move(s![..b, ..]);
            for bi in 0..b {
                let xw = self.xw.row(bi * t_len + t);
                let hw = self.hw.row(bi);
                let mut gate = self.gates.row_mut(t * b + bi);
                match self.cell {
                    Cell::Rnn => {
                        for u in 0..h {
                            let v = (xw[u] + hw[u] + bhh_v[u]).tanh();
                            gate[u] = v;
                            hnext[[bi, u]] = v;
                        }
                    }
                    Cell::Lstm => {
                        for u in 0..h {
                            let pre = |k: usize| xw[k * h + u] + hw[k * h + u] + bhh_v[k * h + u];
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
                            let c = f * cprev[[bi, u]] + i * gg;
                            cnext[[bi, u]] = c;
                            hnext[[bi, u]] = o * c.tanh();
                        }
                    }
                    Cell::Gru => {
                        for u in 0..h {
                            let r = sigmoid(xw[u] + hw[u] + bhh_v[u]);
                            let z = sigmoid(xw[h + u] + hw[h + u] + bhh_v[h + u]);
                            let hn = hw[2 * h + u] + bhh_v[2 * h + u];
                            let n = (xw[2 * h + u] + r * hn).tanh();
                            gate[u] = r;
                            gate[h + u] = z;
                            gate[2 * h + u] = n;
                            self.hn[[t * b + bi, u]] = hn;
                            hnext[[bi, u]] = (F::one() - z) * n + z * hprev[[bi, u]];
                        }
                    }
                }
            }
        }
        let _ = g;
        for (bi, mut o) in out.outer_iter_mut().enumerate() {
            if self.return_sequences {
                for t in 0..t_len {
                    o.slice_mut(s![t * h..(t + 1) * h])
                        .assign(&self.hs.row((t + 1) * b + bi));
                }
            } else {
                o.assign(&self.hs.row(t_len * b + bi));
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
        let b = grad_out.nrows();
        let (t_len, h) = (self.t, self.h);
        self.dh.fill(F::zero());
        self.dc.fill(F::zero());
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
                    self.dh[[bi, u]] += from_out;
                }
            }
            for bi in 0..b {
                let row = bi * t_len + t;
                let trow = t * b + bi;
                let gate = self.gates.row(trow);
                let mut dhh = self.dhh.row_mut(trow);
                let mut dxw = self.dxw.row_mut(row);
                for u in 0..h {
                    let dhu = self.dh[[bi, u]];
                    match self.cell {
                        Cell::Rnn => {
                            let y = gate[u];
                            let d = dhu * (F::one() - y * y);
                            dhh[u] = d;
                            dxw[u] = d;
                        }
                        Cell::Lstm => {
                            let (i, f, gg, o) =
                                (gate[u], gate[h + u], gate[2 * h + u], gate[3 * h + u]);
                            let tc = self.cs[[(t + 1) * b + bi, u]].tanh();
                            let dcu = self.dc[[bi, u]] + dhu * o * (F::one() - tc * tc);
                            let cprev = self.cs[[t * b + bi, u]];
                            let vals = [
                                dcu * gg * i * (F::one() - i),
                                dcu * cprev * f * (F::one() - f),
                                dcu * i * (F::one() - gg * gg),
                                dhu * tc * o * (F::one() - o),
                            ];
                            for (k, v) in vals.into_iter().enumerate() {
                                dhh[k * h + u] = v;
                                dxw[k * h + u] = v;
                            }
                            self.dc[[bi, u]] = dcu * f;
                        }
                        Cell::Gru => {
                            let (r, z, n) = (gate[u], gate[h + u], gate[2 * h + u]);
                            let hn = self.hn[[trow, u]];
                            let hprev = self.hs[[t * b + bi, u]];
                            let dn = dhu * (F::one() - z) * (F::one() - n * n);
                            let dz = dhu * (hprev - n) * z * (F::one() - z);
                            let dr = dn * hn * r * (F::one() - r);
                            dxw[u] = dr;
                            dxw[h + u] = dz;
                            dxw[2 * h + u] = dn;
                            dhh[u] = dr;
                            dhh[h + u] = dz;
                            dhh[2 * h + u] = dn * r;
                            self.dh_direct[[bi, u]] = dhu * z;
                        }
                    }
                }
            }
            // dh_{t−1} = dpre·W_hh (+ GRU's direct path).
            let dpre = self.dhh.slice(s![t * b..(t + 1) * b, ..]);
            gemm(
                F::one(),
                dpre,
                self.params[1].value.view(),
                F::zero(),
                &mut self.dh.view_mut(),
            );
            if self.cell == Cell::Gru {
                self.dh += &self.dh_direct;
            }
        }
        // Weight gradients in one product each over all steps.
        let hprev_all = self.hs.slice(s![..t_len * b, ..]);
        gemm(
            F::one(),
            self.dhh.t(),
            hprev_all,
            F::zero(),
            &mut self.params[1].grad.view_mut(),
        );
        let dbhh = self.dhh.sum_axis(Axis(0));
        self.params[3].grad.row_mut(0).assign(&dbhh);
        gemm(
            F::one(),
            self.dxw.t(),
            self.xs.view(),
            F::zero(),
            &mut self.params[0].grad.view_mut(),
        );
        let dbih = self.dxw.sum_axis(Axis(0));
        self.params[2].grad.row_mut(0).assign(&dbih);
        if let Some(dx) = grad_inputs.first_mut()
            && dx.ncols() > 0
        {
            for (mut dst, src) in dx
                .outer_iter_mut()
                .zip(self.dxw.exact_chunks((t_len, self.dxw.ncols())))
            {
                // dx for sample b = dxw_b [T, G] · W_ih [G, I], flattened.
                if let Some(d) = dst.as_slice_mut()
                    && let Ok(mut dm) = ndarray::ArrayViewMut2::from_shape((t_len, self.i), d)
                {
                    gemm(
                        F::one(),
                        src,
                        self.params[0].value.view(),
                        F::zero(),
                        &mut dm,
                    );
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
