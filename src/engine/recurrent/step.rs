//! One time step of each recurrent cell for one sample, on contiguous
//! slices so the loops vectorise. `H` is the number of units; gate slices
//! hold the gates side by side (`[G·H]`).

use crate::engine::Float;
use crate::engine::fastmath::{sigmoid_inplace, tanh_inplace};

/// SimpleRNN forward: `g` holds the pre-activation `[H]` and becomes
/// `h = tanh(pre)`, which is also written to `h`.
pub(super) fn rnn_forward<F: Float>(g: &mut [F], h: &mut [F]) {
    tanh_inplace(g);
    h.copy_from_slice(g);
}

/// SimpleRNN backward: `d = dh ⊙ (1 − y²)`.
pub(super) fn rnn_backward<F: Float>(y: &[F], dh: &[F], d: &mut [F]) {
    for ((d, &y), &dh) in d.iter_mut().zip(y).zip(dh) {
        *d = dh * (F::one() - y * y);
    }
}

/// LSTM forward. `g` holds the pre-activations `[4H]` (gate order i, f, g,
/// o) and becomes the activated gates; writes the cell state `c`,
/// `tc = tanh(c)` and `h = o ⊙ tc`.
pub(super) fn lstm_forward<F: Float>(
    g: &mut [F],
    cprev: &[F],
    c: &mut [F],
    tc: &mut [F],
    h: &mut [F],
) {
    let n = c.len();
    let (ifg, o) = g.split_at_mut(3 * n);
    let (if_, gg) = ifg.split_at_mut(2 * n);
    sigmoid_inplace(if_);
    tanh_inplace(gg);
    sigmoid_inplace(o);
    let (i, f) = if_.split_at(n);
    for ((((c, &i), &f), &gg), &cp) in c.iter_mut().zip(i).zip(f).zip(gg.iter()).zip(cprev) {
        *c = f * cp + i * gg;
    }
    tc.copy_from_slice(c);
    tanh_inplace(tc);
    for ((h, &o), &t) in h.iter_mut().zip(o.iter()).zip(tc.iter()) {
        *h = o * t;
    }
}

/// LSTM backward for one step. `gate` `[4H]` are the activated gates,
/// `tc = tanh(c_t)`, `cprev = c_{t−1}`, `dh` the gradient reaching `h_t`.
/// `dc` holds the gradient reaching `c_t` from later steps and becomes the
/// one reaching `c_{t−1}`. Writes the pre-activation gradients to `d`
/// `[4H]`.
pub(super) fn lstm_backward<F: Float>(
    gate: &[F],
    tc: &[F],
    cprev: &[F],
    dh: &[F],
    dc: &mut [F],
    d: &mut [F],
) {
    let n = dh.len();
    let one = F::one();
    let (i, rest) = gate.split_at(n);
    let (f, rest) = rest.split_at(n);
    let (gg, o) = rest.split_at(n);
    let (di, rest) = d.split_at_mut(n);
    let (df, rest) = rest.split_at_mut(n);
    let (dg, do_) = rest.split_at_mut(n);
    for u in 0..n {
        let (i, f, gg, o, t, dhu) = (i[u], f[u], gg[u], o[u], tc[u], dh[u]);
        let dcu = dc[u] + dhu * o * (one - t * t);
        di[u] = dcu * gg * i * (one - i);
        df[u] = dcu * cprev[u] * f * (one - f);
        dg[u] = dcu * i * (one - gg * gg);
        do_[u] = dhu * t * o * (one - o);
        dc[u] = dcu * f;
    }
}

/// GRU forward. `g` holds `x·W_ihᵀ + b_ih` (+ `b_hh` for r and z) `[3H]`
/// with `h·W_hhᵀ` already added for r and z; `hw_n = h·W_hnᵀ + b_hn`
/// `[H]`. `g` becomes the gates r, z, n; writes `h`.
pub(super) fn gru_forward<F: Float>(g: &mut [F], hw_n: &[F], hprev: &[F], h: &mut [F]) {
    let n = h.len();
    let (rz, ng) = g.split_at_mut(2 * n);
    sigmoid_inplace(rz);
    let (r, z) = rz.split_at(n);
    for ((v, &r), &hn) in ng.iter_mut().zip(r).zip(hw_n) {
        *v += r * hn;
    }
    tanh_inplace(ng);
    for (((h, &z), &nv), &hp) in h.iter_mut().zip(z).zip(ng.iter()).zip(hprev) {
        *h = (F::one() - z) * nv + z * hp;
    }
}

/// GRU backward for one step: writes the input-projection gradients `dx`
/// `[3H]`, the hidden-projection gradients `dhh` `[3H]` and the direct
/// path `dh_direct = dh ⊙ z` `[H]`.
pub(super) fn gru_backward<F: Float>(
    gate: &[F],
    hw_n: &[F],
    hprev: &[F],
    dh: &[F],
    dx: &mut [F],
    dhh: &mut [F],
    dh_direct: &mut [F],
) {
    let n = dh.len();
    let one = F::one();
    for u in 0..n {
        let (r, z, nv) = (gate[u], gate[n + u], gate[2 * n + u]);
        let dhu = dh[u];
        let dn = dhu * (one - z) * (one - nv * nv);
        let dz = dhu * (hprev[u] - nv) * z * (one - z);
        let dr = dn * hw_n[u] * r * (one - r);
        dx[u] = dr;
        dx[n + u] = dz;
        dx[2 * n + u] = dn;
        dhh[u] = dr;
        dhh[n + u] = dz;
        dhh[2 * n + u] = dn * r;
        dh_direct[u] = dhu * z;
    }
}
