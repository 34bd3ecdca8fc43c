//! Recurrent layers: SimpleRNN, LSTM and GRU, with backpropagation through
//! time. Parameters follow PyTorch: `weight_ih [G·H, I]`, `weight_hh
//! [G·H, H]`, `bias_ih [G·H]`, `bias_hh [G·H]`; gate order LSTM i, f, g, o;
//! GRU r, z, n with `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`.
//!
//! The batch is split into shards ([`super::parallel`]) that run through
//! time independently, on several threads when allowed; within a shard the
//! input projections of all steps are one product, each step adds
//! `h·W_hhᵀ` onto its block in place, and the gate functions run
//! vectorised over contiguous rows ([`super::fastmath`]).

mod shard;
mod step;

use ndarray::{Array2, ArrayView2, s};
use rand_chacha::ChaCha8Rng;

use super::init::{InitKind, fill};
use super::parallel::{for_each_shard, shard_count, shard_rows};
use super::{Ctx, Float, Layer, Param};
use shard::{Dims, Shard, Weights};

/// Rows per shard at least: smaller shards make the per-step products too
/// small to be efficient.
const SHARD_ROWS: usize = 16;
/// Shards at most (the cores this can use).
const MAX_SHARDS: usize = 8;

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

/// A recurrent layer over a batch-first sequence.
///
/// # Shapes
/// Input `[batch, T·I]` (step-major: `x[b, t·I + i]`); output `[batch, T·H]`
/// with `return_sequences`, else `[batch, H]` (the last step).
pub struct Recurrent<F: Float> {
    dims: Dims,
    params: Vec<Param<F>>,
    /// The summed biases added to every step's pre-activation `[G·H]`
    /// (GRU: `b_hn` stays inside the reset gate's product).
    bias: Vec<F>,
    /// GRU's `b_hn` `[H]`.
    bhn: Vec<F>,
    /// `W_hhᵀ`, copied contiguously each forward pass `[H, G·H]`.
    whh_t: Array2<F>,
    /// The batch's shards with their buffers, for the last batch size.
    shards: Vec<Shard<F>>,
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
            dims: Dims {
                cell,
                t: steps.max(1),
                i: input,
                h: units,
                return_sequences,
            },
            params: vec![
                Param::new("weight_ih", vec![g, input], wih, true),
                Param::new("weight_hh", vec![g, units], whh, true),
                Param::new("bias_ih", vec![g], bih, false),
                Param::new("bias_hh", vec![g], bhh, false),
            ],
            bias: vec![F::zero(); g],
            bhn: Vec::new(),
            whh_t: Array2::zeros((units, g)),
            shards: Vec::new(),
        }
    }

    /// Shards for a batch of `b` rows (kept while the batch size stays).
    fn ensure(&mut self, b: usize) {
        let n = shard_count(b, SHARD_ROWS, MAX_SHARDS);
        let fits = self.shards.len() == n
            && (0..n).all(|k| self.shards[k].rows() == shard_rows(b, n, k).len());
        if !fits {
            self.shards = (0..n)
                .map(|k| Shard::new(&self.dims, shard_rows(b, n, k).len()))
                .collect();
        }
    }

    /// What the forward pass reads from the parameters: the summed biases
    /// and a contiguous `W_hhᵀ`.
    fn prepare_weights(&mut self) {
        let h = self.dims.h;
        let gru = self.dims.cell == Cell::Gru;
        let (bih, bhh) = (&self.params[2].value, &self.params[3].value);
        for (k, (s, (&bi, &bh))) in self
            .bias
            .iter_mut()
            .zip(bih.iter().zip(bhh.iter()))
            .enumerate()
        {
            *s = if gru && k >= 2 * h { bi } else { bi + bh };
        }
        self.bhn.clear();
        if gru {
            self.bhn.extend(bhh.iter().skip(2 * h).copied());
        }
        self.whh_t.assign(&self.params[1].value.t());
    }
}

/// The parameters as the shards read them (a free function, so the shards
/// can be borrowed mutably beside it).
fn weights<'a, F: Float>(
    params: &'a [Param<F>],
    whh_t: &'a Array2<F>,
    bias: &'a [F],
    bhn: &'a [F],
) -> Weights<'a, F> {
    Weights {
        wih: params[0].value.view(),
        whh: params[1].value.view(),
        whh_t: whh_t.view(),
        bias,
        bhn,
    }
}

impl<F: Float> Layer<F> for Recurrent<F> {
    fn kind(&self) -> &'static str {
        match self.dims.cell {
            Cell::Rnn => "SimpleRNN",
            Cell::Lstm => "LSTM",
            Cell::Gru => "GRU",
        }
    }

    fn parallel_work(&self, batch: usize) -> usize {
        // Multiply-adds of the forward pass (the shards run in parallel).
        let d = &self.dims;
        if shard_count(batch, SHARD_ROWS, MAX_SHARDS) < 2 {
            return 0;
        }
        batch * d.t * d.cell.gates() * d.h * (d.i + d.h)
    }

    fn flops(&self) -> u64 {
        let d = &self.dims;
        2 * (d.t * d.cell.gates() * d.h * (d.i + d.h)) as u64
    }

    fn output_len(&self) -> usize {
        if self.dims.return_sequences {
            self.dims.t * self.dims.h
        } else {
            self.dims.h
        }
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let x = &inputs[0];
        let b = x.nrows();
        self.ensure(b);
        self.prepare_weights();
        let d = self.dims;
        let n = self.shards.len();
        let w = weights(&self.params, &self.whh_t, &self.bias, &self.bhn);
        for_each_shard(&mut self.shards, |k, sh| {
            sh.forward(&d, x.slice(s![shard_rows(b, n, k), ..]), &w);
        });
        let (t_len, h) = (d.t, d.h);
        for (k, sh) in self.shards.iter().enumerate() {
            let sb = sh.rows();
            for (j, bi) in shard_rows(b, n, k).enumerate() {
                let mut o = out.row_mut(bi);
                if d.return_sequences {
                    for t in 0..t_len {
                        o.slice_mut(s![t * h..(t + 1) * h])
                            .assign(&sh.hs.row((t + 1) * sb + j));
                    }
                } else {
                    o.assign(&sh.hs.row(t_len * sb + j));
                }
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
        let d = self.dims;
        let n = self.shards.len();
        let want_dx = grad_inputs.first().is_some_and(|dx| dx.ncols() > 0);
        let w = weights(&self.params, &self.whh_t, &self.bias, &self.bhn);
        for_each_shard(&mut self.shards, |k, sh| {
            sh.backward(&d, grad_out.slice(s![shard_rows(b, n, k), ..]), &w, want_dx);
        });
        // The shards' gradients, added in shard order.
        for (j, p) in self.params.iter_mut().enumerate() {
            p.grad.fill(F::zero());
            for sh in &self.shards {
                p.grad.zip_mut_with(&sh.grads[j], |a, &g| *a += g);
            }
        }
        if let Some(dx) = grad_inputs.first_mut()
            && want_dx
        {
            let ni = d.i;
            for (k, sh) in self.shards.iter().enumerate() {
                let sb = sh.rows();
                let dxs = sh.dxs.as_slice().unwrap_or_default();
                for (j, bi) in shard_rows(b, n, k).enumerate() {
                    let mut row = dx.row_mut(bi);
                    for t in 0..d.t {
                        for q in 0..ni {
                            row[t * ni + q] = dxs[(t * sb + j) * ni + q];
                        }
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
    fn gradients_hold_across_several_shards() {
        // 40 rows make two shards of 20.
        for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
            let mut l = Recurrent::<f64>::new(
                cell,
                3,
                2,
                3,
                true,
                Some(InitKind::Uniform(0.8)),
                &mut ChaCha8Rng::seed_from_u64(2),
            );
            let x = random(40, 6, 4);
            let r = check(&mut l, &[x], 1e-6);
            assert!(r.is_ok(), "{cell:?}: {:?}", r.err());
            assert_eq!(l.shards.len(), 2);
        }
    }

    /// Forward output and every gradient, for one batch.
    fn run_once(cell: Cell, threads: usize) -> Vec<Vec<f32>> {
        let mut l = Recurrent::<f32>::new(
            cell,
            5,
            2,
            8,
            false,
            None,
            &mut ChaCha8Rng::seed_from_u64(9),
        );
        let x = Array2::from_shape_fn((48, 10), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1 - 0.5);
        let mut out = Array2::zeros((48, 8));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut ctx = Ctx {
            mode: Mode::Train,
            rng: &mut rng,
        };
        let dx = crate::engine::parallel::with_threads(threads, || {
            l.forward(&[x.view()], &mut out, &mut ctx);
            let dy = out.mapv(|v| v * 0.5 + 0.1);
            let mut dx = [Array2::zeros((48, 10))];
            l.backward(&[x.view()], out.view(), dy.view(), &mut dx);
            dx
        });
        let mut all = vec![
            out.into_raw_vec_and_offset().0,
            dx[0].iter().copied().collect(),
        ];
        all.extend(l.params.iter().map(|p| p.grad.iter().copied().collect()));
        all
    }

    #[test]
    fn one_and_two_threads_give_identical_bits() {
        for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
            assert_eq!(run_once(cell, 1), run_once(cell, 2), "{cell:?}");
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
