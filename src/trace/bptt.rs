//! Back-propagation through time for one sample, recomputed in `f64` from a
//! recurrent layer's weights, its input and ∂L/∂(its output), for writing
//! out the working of its parameters. PyTorch's layout and gate order, as
//! the engine's: `weight_ih [G·H, I]`, `weight_hh [G·H, H]`, biases `[G·H]`;
//! LSTM `i, f, g, o`; GRU `r, z, n` with `n = tanh(W_in x + b_in + r ⊙
//! (W_hn h + b_hn))`. The recomputed states are checked against the
//! layer's own output; `None` when they differ (or sizes do not fit).

/// Which recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cell {
    /// `h = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    Rnn,
    /// Long short-term memory.
    Lstm,
    /// Gated recurrent unit.
    Gru,
}

impl Cell {
    /// The cell of a layer kind.
    pub(super) fn of(kind: &str) -> Option<Self> {
        match kind {
            "SimpleRNN" => Some(Self::Rnn),
            "LSTM" => Some(Self::Lstm),
            "GRU" => Some(Self::Gru),
            _ => None,
        }
    }

    /// Gate names, in the rows' order.
    pub(super) fn gates(self) -> &'static [&'static str] {
        match self {
            Self::Rnn => &[""],
            Self::Lstm => &["i", "f", "g", "o"],
            Self::Gru => &["r", "z", "n"],
        }
    }
}

/// The weights of a recurrent layer, flat in PyTorch's layout.
pub(super) struct Weights<'a> {
    pub wih: &'a [f64],
    pub whh: &'a [f64],
    pub bih: &'a [f64],
    pub bhh: &'a [f64],
}

/// What the gradients of the parameters are sums over.
pub(super) struct Bptt {
    /// Steps.
    pub steps: usize,
    /// The input at each step `[I]`.
    pub x: Vec<Vec<f64>>,
    /// The state before each step `[H]` (zeros before the first).
    pub h_prev: Vec<Vec<f64>>,
    /// ∂L/∂(the input side's pre-activations) per step `[G·H]`: what
    /// `weight_ih` and `bias_ih` are multiplied by.
    pub ga: Vec<Vec<f64>>,
    /// ∂L/∂(the hidden side's pre-activations) per step `[G·H]` (GRU's `n`
    /// rows: times `r`): what `weight_hh` and `bias_hh` are multiplied by.
    pub gh: Vec<Vec<f64>>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `b + W v` for `W` of `rows × v.len()`.
fn affine(w: &[f64], b: &[f64], v: &[f64]) -> Vec<f64> {
    b.iter()
        .enumerate()
        .map(|(r, b)| {
            b + w[r * v.len()..(r + 1) * v.len()]
                .iter()
                .zip(v)
                .map(|(a, x)| a * x)
                .sum::<f64>()
        })
        .collect()
}

/// Runs the cell forward over `x` (`steps × i`, step-major) and back from
/// `grad` (∂L/∂output: every step's state, or the last one's), checking
/// the states against `out`.
pub(super) fn run(
    cell: Cell,
    w: &Weights<'_>,
    hidden: usize,
    x: &[f64],
    out: &[f64],
    grad: &[f64],
) -> Option<Bptt> {
    let h = hidden;
    let g = cell.gates().len() * h;
    if h == 0 || w.bih.len() != g || w.bhh.len() != g || w.whh.len() != g * h {
        return None;
    }
    let i = w.wih.len() / g;
    if i == 0 || w.wih.len() != g * i || !x.len().is_multiple_of(i) {
        return None;
    }
    let steps = x.len() / i;
    let xs: Vec<Vec<f64>> = x.chunks_exact(i).map(<[f64]>::to_vec).collect();
    // Forward, keeping what the backward pass needs.
    let (mut hp, mut cp) = (vec![0.0; h], vec![0.0; h]);
    let (mut h_prev, mut c_prev, mut acts, mut hidden_n, mut hs, mut cs) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for xt in &xs {
        let gi = affine(w.wih, w.bih, xt);
        let gh = affine(w.whh, w.bhh, &hp);
        let (hn, cn, a): (Vec<f64>, Vec<f64>, Vec<f64>) = match cell {
            Cell::Rnn => {
                let hn: Vec<f64> = (0..h).map(|j| (gi[j] + gh[j]).tanh()).collect();
                (hn.clone(), vec![0.0; h], hn)
            }
            Cell::Lstm => {
                let mut a = vec![0.0; g];
                let (mut hn, mut cn) = (vec![0.0; h], vec![0.0; h]);
                for j in 0..h {
                    let ig = sigmoid(gi[j] + gh[j]);
                    let fg = sigmoid(gi[h + j] + gh[h + j]);
                    let gg = (gi[2 * h + j] + gh[2 * h + j]).tanh();
                    let og = sigmoid(gi[3 * h + j] + gh[3 * h + j]);
                    cn[j] = fg * cp[j] + ig * gg;
                    hn[j] = og * cn[j].tanh();
                    (a[j], a[h + j], a[2 * h + j], a[3 * h + j]) = (ig, fg, gg, og);
                }
                (hn, cn, a)
            }
            Cell::Gru => {
                let mut a = vec![0.0; g];
                let mut hn = vec![0.0; h];
                for j in 0..h {
                    let r = sigmoid(gi[j] + gh[j]);
                    let z = sigmoid(gi[h + j] + gh[h + j]);
                    let n = (gi[2 * h + j] + r * gh[2 * h + j]).tanh();
                    hn[j] = (1.0 - z) * n + z * hp[j];
                    (a[j], a[h + j], a[2 * h + j]) = (r, z, n);
                }
                (hn, vec![0.0; h], a)
            }
        };
        h_prev.push(std::mem::replace(&mut hp, hn.clone()));
        c_prev.push(std::mem::replace(&mut cp, cn.clone()));
        hidden_n.push(if cell == Cell::Gru {
            gh[2 * h..3 * h].to_vec()
        } else {
            Vec::new()
        });
        acts.push(a);
        hs.push(hn);
        cs.push(cn);
    }
    let sequences = out.len() == steps * h;
    let shown = if sequences {
        hs.concat()
    } else {
        hs.last()?.clone()
    };
    let agrees = shown.len() == out.len()
        && shown
            .iter()
            .zip(out)
            .all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + b.abs()));
    if !agrees || grad.len() != out.len() {
        return None;
    }
    // Backward through time.
    let (mut ga, mut gh) = (vec![vec![0.0; g]; steps], vec![vec![0.0; g]; steps]);
    let (mut carry_h, mut carry_c) = (vec![0.0; h], vec![0.0; h]);
    for s in (0..steps).rev() {
        let dh: Vec<f64> = (0..h)
            .map(|j| {
                let outside = if sequences {
                    grad[s * h + j]
                } else if s + 1 == steps {
                    grad[j]
                } else {
                    0.0
                };
                outside + carry_h[j]
            })
            .collect();
        let a = &acts[s];
        let mut direct = vec![0.0; h];
        match cell {
            Cell::Rnn => {
                for j in 0..h {
                    ga[s][j] = dh[j] * (1.0 - a[j] * a[j]);
                }
                gh[s] = ga[s].clone();
            }
            Cell::Lstm => {
                for j in 0..h {
                    let (ig, fg, gg, og) = (a[j], a[h + j], a[2 * h + j], a[3 * h + j]);
                    let tc = cs[s][j].tanh();
                    let dc = dh[j] * og * (1.0 - tc * tc) + carry_c[j];
                    ga[s][j] = dc * gg * ig * (1.0 - ig);
                    ga[s][h + j] = dc * c_prev[s][j] * fg * (1.0 - fg);
                    ga[s][2 * h + j] = dc * ig * (1.0 - gg * gg);
                    ga[s][3 * h + j] = dh[j] * tc * og * (1.0 - og);
                    carry_c[j] = dc * fg;
                }
                gh[s] = ga[s].clone();
            }
            Cell::Gru => {
                for j in 0..h {
                    let (r, z, n) = (a[j], a[h + j], a[2 * h + j]);
                    let an = dh[j] * (1.0 - z) * (1.0 - n * n);
                    ga[s][j] = an * hidden_n[s][j] * r * (1.0 - r);
                    ga[s][h + j] = dh[j] * (h_prev[s][j] - n) * z * (1.0 - z);
                    ga[s][2 * h + j] = an;
                    direct[j] = dh[j] * z;
                }
                gh[s] = ga[s].clone();
                for j in 0..h {
                    gh[s][2 * h + j] *= a[j];
                }
            }
        }
        // ∂L/∂h(t−1) = W_hhᵀ · gh(t) (+ GRU's z ⊙ ∂L/∂h(t)).
        for (k, c) in carry_h.iter_mut().enumerate() {
            *c = direct[k]
                + gh[s]
                    .iter()
                    .enumerate()
                    .map(|(r, d)| w.whh[r * h + k] * d)
                    .sum::<f64>();
        }
    }
    Some(Bptt {
        steps,
        x: xs,
        h_prev,
        ga,
        gh,
    })
}
