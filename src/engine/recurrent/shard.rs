//! One shard of a recurrent layer's batch: its buffers, and forward and
//! backward through time for its rows. Every per-step buffer is time-major
//! (rows `t·B + b`), so one step of the shard is one contiguous block.

use ndarray::{Array2, ArrayView2, s};

use super::{Cell, step};
use crate::engine::Float;
use crate::engine::linalg::gemm;

/// The layer's sizes.
#[derive(Clone, Copy)]
pub(super) struct Dims {
    pub cell: Cell,
    /// Steps.
    pub t: usize,
    /// Input features per step.
    pub i: usize,
    /// Units.
    pub h: usize,
    pub return_sequences: bool,
}

impl Dims {
    fn g(&self) -> usize {
        self.cell.gates() * self.h
    }
}

/// The parameters as a shard reads them.
pub(super) struct Weights<'a, F> {
    pub wih: ArrayView2<'a, F>,
    pub whh: ArrayView2<'a, F>,
    /// `W_hhᵀ` stored contiguously `[H, G·H]`, for the per-step products.
    pub whh_t: ArrayView2<'a, F>,
    /// Summed biases added to every pre-activation `[G·H]` (GRU: without
    /// `b_hn`).
    pub bias: &'a [F],
    /// GRU's `b_hn` `[H]` (empty for the other cells).
    pub bhn: &'a [F],
}

/// The buffers of one shard of `b` rows.
pub(super) struct Shard<F: Float> {
    b: usize,
    /// The input, time-major: `[T·B, I]`.
    xs: Array2<F>,
    /// Per step: pre-activations, then the activated gates `[T·B, G·H]`.
    gates: Array2<F>,
    /// Hidden states `[(T+1)·B, H]`; block 0 is the zero initial state.
    pub hs: Array2<F>,
    /// LSTM cell states, laid out like `hs`.
    cs: Array2<F>,
    /// LSTM `tanh(c_t)` per step `[T·B, H]`.
    tcs: Array2<F>,
    /// GRU `W_hn h + b_hn` per step `[T·B, H]`.
    hn: Array2<F>,
    /// GRU scratch `[B, G·H]`: `h·W_hhᵀ`.
    hw: Array2<F>,
    /// Gradients of the hidden projections `[T·B, G·H]` (SimpleRNN and
    /// LSTM: also those of the input projections).
    dhh: Array2<F>,
    /// GRU only: gradients of the input projections `[T·B, G·H]`.
    dxw: Array2<F>,
    /// The gradient reaching `h` (and `c`) of the current step, and GRU's
    /// direct path, `[B, H]`.
    dh: Array2<F>,
    dc: Array2<F>,
    dh_direct: Array2<F>,
    /// The input gradient, time-major `[T·B, I]`.
    pub dxs: Array2<F>,
    /// This shard's parameter gradients, shaped like the parameters.
    pub grads: [Array2<F>; 4],
}

/// The contiguous data of a buffer this module allocated (always standard
/// layout).
fn flat<F>(a: &Array2<F>) -> &[F] {
    a.as_slice().unwrap_or_default()
}

fn flat_mut<F>(a: &mut Array2<F>) -> &mut [F] {
    a.as_slice_mut().unwrap_or_default()
}

/// Column sums of `a` into `out`.
fn col_sums<F: Float>(a: &Array2<F>, out: &mut [F]) {
    out.fill(F::zero());
    for row in flat(a).chunks_exact(out.len().max(1)) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

impl<F: Float> Shard<F> {
    /// Buffers for `b` rows.
    pub fn new(d: &Dims, b: usize) -> Self {
        let (t, h, g, i) = (d.t, d.h, d.g(), d.i);
        let lstm = d.cell == Cell::Lstm;
        let gru = d.cell == Cell::Gru;
        let sized =
            |on: bool, rows: usize, cols: usize| Array2::zeros((if on { rows } else { 0 }, cols));
        Self {
            b,
            xs: Array2::zeros((t * b, i)),
            gates: Array2::zeros((t * b, g)),
            hs: Array2::zeros(((t + 1) * b, h)),
            cs: sized(lstm, (t + 1) * b, h),
            tcs: sized(lstm, t * b, h),
            hn: sized(gru, t * b, h),
            hw: sized(gru, b, g),
            dhh: Array2::zeros((t * b, g)),
            dxw: sized(gru, t * b, g),
            dh: Array2::zeros((b, h)),
            dc: sized(lstm, b, h),
            dh_direct: sized(gru, b, h),
            dxs: Array2::zeros((t * b, i)),
            grads: [
                Array2::zeros((g, i)),
                Array2::zeros((g, h)),
                Array2::zeros((1, g)),
                Array2::zeros((1, g)),
            ],
        }
    }

    /// Rows of this shard.
    pub fn rows(&self) -> usize {
        self.b
    }

    /// Runs the shard's rows `x` (`[B, T·I]`) through every step.
    pub fn forward(&mut self, d: &Dims, x: ArrayView2<F>, w: &Weights<F>) {
        let (b, t_len, h, ni, g) = (self.b, d.t, d.h, d.i, d.g());
        let xs = flat_mut(&mut self.xs);
        for (bi, row) in x.outer_iter().enumerate() {
            for t in 0..t_len {
                for k in 0..ni {
                    xs[(t * b + bi) * ni + k] = row[t * ni + k];
                }
            }
        }
        // All steps' input projections in one product, plus the biases.
        gemm(
            F::one(),
            self.xs.view(),
            w.wih.t(),
            F::zero(),
            &mut self.gates.view_mut(),
        );
        for row in flat_mut(&mut self.gates).chunks_exact_mut(g) {
            for (v, &bb) in row.iter_mut().zip(w.bias) {
                *v += bb;
            }
        }
        self.hs.slice_mut(s![0..b, ..]).fill(F::zero());
        self.cs.fill(F::zero());
        let gru = d.cell == Cell::Gru;
        for t in 0..t_len {
            let hprev = self.hs.slice(s![t * b..(t + 1) * b, ..]);
            if gru {
                gemm(F::one(), hprev, w.whh_t, F::zero(), &mut self.hw.view_mut());
            } else {
                gemm(
                    F::one(),
                    hprev,
                    w.whh_t,
                    F::one(),
                    &mut self.gates.slice_mut(s![t * b..(t + 1) * b, ..]),
                );
            }
            let (done, rest) = flat_mut(&mut self.hs).split_at_mut((t + 1) * b * h);
            let hprev = &done[t * b * h..];
            let hnext = &mut rest[..b * h];
            let gates = &mut flat_mut(&mut self.gates)[t * b * g..(t + 1) * b * g];
            match d.cell {
                Cell::Rnn => {
                    for (gr, hr) in gates.chunks_exact_mut(g).zip(hnext.chunks_exact_mut(h)) {
                        step::rnn_forward(gr, hr);
                    }
                }
                Cell::Lstm => {
                    let (cdone, crest) = flat_mut(&mut self.cs).split_at_mut((t + 1) * b * h);
                    let cprev = &cdone[t * b * h..];
                    let cnext = &mut crest[..b * h];
                    let tcs = &mut flat_mut(&mut self.tcs)[t * b * h..(t + 1) * b * h];
                    for bi in 0..b {
                        let u = bi * h..(bi + 1) * h;
                        step::lstm_forward(
                            &mut gates[bi * g..(bi + 1) * g],
                            &cprev[u.clone()],
                            &mut cnext[u.clone()],
                            &mut tcs[u.clone()],
                            &mut hnext[u],
                        );
                    }
                }
                Cell::Gru => {
                    let hw = flat(&self.hw);
                    let hn = &mut flat_mut(&mut self.hn)[t * b * h..(t + 1) * b * h];
                    for bi in 0..b {
                        let gr = &mut gates[bi * g..(bi + 1) * g];
                        let hwr = &hw[bi * g..(bi + 1) * g];
                        for (v, &x) in gr[..2 * h].iter_mut().zip(&hwr[..2 * h]) {
                            *v += x;
                        }
                        let hnr = &mut hn[bi * h..(bi + 1) * h];
                        for ((v, &x), &bb) in hnr.iter_mut().zip(&hwr[2 * h..]).zip(w.bhn) {
                            *v = x + bb;
                        }
                        let u = bi * h..(bi + 1) * h;
                        step::gru_forward(gr, hnr, &hprev[u.clone()], &mut hnext[u]);
                    }
                }
            }
        }
    }

    /// Backward through time for the shard's rows of `grad_out`; sets
    /// `grads` and, when `want_dx`, `dxs`.
    pub fn backward(&mut self, d: &Dims, grad_out: ArrayView2<F>, w: &Weights<F>, want_dx: bool) {
        let (b, t_len, h, g) = (self.b, d.t, d.h, d.g());
        self.dh.fill(F::zero());
        self.dc.fill(F::zero());
        for t in (0..t_len).rev() {
            // The gradient arriving at h_t from the output.
            if d.return_sequences || t == t_len - 1 {
                let off = if d.return_sequences { t * h } else { 0 };
                for (dhr, go) in flat_mut(&mut self.dh)
                    .chunks_exact_mut(h)
                    .zip(grad_out.outer_iter())
                {
                    for (k, v) in dhr.iter_mut().enumerate() {
                        *v += go[off + k];
                    }
                }
            }
            let rows = t * b * g..(t + 1) * b * g;
            let gates = &flat(&self.gates)[rows.clone()];
            let dhh = &mut flat_mut(&mut self.dhh)[rows.clone()];
            let dh = flat(&self.dh);
            let units = t * b * h..(t + 1) * b * h;
            match d.cell {
                Cell::Rnn => {
                    for ((gr, dr), dhr) in gates
                        .chunks_exact(g)
                        .zip(dhh.chunks_exact_mut(g))
                        .zip(dh.chunks_exact(h))
                    {
                        step::rnn_backward(gr, dhr, dr);
                    }
                }
                Cell::Lstm => {
                    let tcs = &flat(&self.tcs)[units.clone()];
                    let cprev = &flat(&self.cs)[units];
                    let dc = flat_mut(&mut self.dc);
                    for bi in 0..b {
                        let u = bi * h..(bi + 1) * h;
                        step::lstm_backward(
                            &gates[bi * g..(bi + 1) * g],
                            &tcs[u.clone()],
                            &cprev[u.clone()],
                            &dh[u.clone()],
                            &mut dc[u],
                            &mut dhh[bi * g..(bi + 1) * g],
                        );
                    }
                }
                Cell::Gru => {
                    let hn = &flat(&self.hn)[units.clone()];
                    let hprev = &flat(&self.hs)[units];
                    let dxw = &mut flat_mut(&mut self.dxw)[rows];
                    let direct = flat_mut(&mut self.dh_direct);
                    for bi in 0..b {
                        let u = bi * h..(bi + 1) * h;
                        let gr = bi * g..(bi + 1) * g;
                        step::gru_backward(
                            &gates[gr.clone()],
                            &hn[u.clone()],
                            &hprev[u.clone()],
                            &dh[u.clone()],
                            &mut dxw[gr.clone()],
                            &mut dhh[gr],
                            &mut direct[u],
                        );
                    }
                }
            }
            if t == 0 {
                break;
            }
            // dh_{t−1} = dpre·W_hh (+ GRU's direct path).
            gemm(
                F::one(),
                self.dhh.slice(s![t * b..(t + 1) * b, ..]),
                w.whh,
                F::zero(),
                &mut self.dh.view_mut(),
            );
            if d.cell == Cell::Gru {
                self.dh += &self.dh_direct;
            }
        }
        // Weight gradients in one product each over all steps.
        let [gih, ghh, gbih, gbhh] = &mut self.grads;
        gemm(
            F::one(),
            self.dhh.t(),
            self.hs.slice(s![..t_len * b, ..]),
            F::zero(),
            &mut ghh.view_mut(),
        );
        let dxw = if d.cell == Cell::Gru {
            &self.dxw
        } else {
            &self.dhh
        };
        gemm(
            F::one(),
            dxw.t(),
            self.xs.view(),
            F::zero(),
            &mut gih.view_mut(),
        );
        col_sums(&self.dhh, flat_mut(gbhh));
        col_sums(dxw, flat_mut(gbih));
        if want_dx {
            gemm(
                F::one(),
                dxw.view(),
                w.wih,
                F::zero(),
                &mut self.dxs.view_mut(),
            );
        }
    }
}
