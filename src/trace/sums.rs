//! The working of gradients that are sums of products, with a trace's
//! numbers: a convolution's weight (over every output position the filter
//! visits) and bias, a BatchNorm's or LayerNorm's γ and β (over the
//! positions of a channel; one product for a flat feature), and a
//! SimpleRNN's, LSTM's or GRU's weights and biases (over the time steps,
//! with the deltas of back-propagation through time recomputed from the
//! weights, the input and ∂L/∂(output) by [`super::bptt`] — checked
//! against the layer's own output).
//!
//! Every term comes from the trace's numbers; the sum is computed here, so
//! comparing it with the backward pass's gradient checks the formula.

use super::bptt::{self, Cell, Weights};
use super::working::{Factor, Sum, Term, Working, subscript};
use super::{NodeTrace, ParamTrace, Trace};

/// The working of element `index` of `p`, a parameter of `layer`, when its
/// kind is one this module writes out.
pub(super) fn working(
    t: &Trace,
    layer: &NodeTrace,
    p: &ParamTrace,
    index: usize,
) -> Option<Working> {
    match layer.kind {
        "Conv2D" => conv(t, layer, p, index),
        "BatchNorm" | "LayerNorm" => norm(t, layer, p, index),
        "SimpleRNN" | "LSTM" | "GRU" => rnn(t, layer, p, index),
        _ => None,
    }
}

/// A working made of `terms` (sorted here, zero products dropped).
fn summed(
    symbol: String,
    p: &ParamTrace,
    index: usize,
    mut sum: Sum,
    note: Option<String>,
) -> Option<Working> {
    sum.terms.retain(|t| t.product() != 0.0);
    // Largest first; ties keep their place order (a stable sort).
    sum.terms
        .sort_by(|a, b| b.product().abs().total_cmp(&a.product().abs()));
    let product = sum.terms.iter().map(Term::product).sum();
    Some(Working {
        symbol,
        factors: Vec::new(),
        sum: Some(sum),
        product,
        grad: *p.grad.get(index)?,
        value: *p.value.get(index)?,
        note,
    })
}

/// `s·p+o` written shortly: `p`, `p+2`, `2p−1`.
fn place(stride: usize, var: &str, offset: isize) -> String {
    let base = if stride == 1 {
        var.to_string()
    } else {
        format!("{stride}{var}")
    };
    match offset {
        0 => base,
        o if o > 0 => format!("{base}+{o}"),
        o => format!("{base}−{}", -o),
    }
}

/// Conv2D: `∂L/∂W[o,c,u,v] = Σ_{p,q} ∂L/∂z[o,p,q] · x[c, s·p+u−pt, s·q+v−pl]`
/// (zero where the window is over the padding), `∂L/∂b[o] = Σ ∂L/∂z[o,p,q]`.
fn conv(t: &Trace, layer: &NodeTrace, p: &ParamTrace, index: usize) -> Option<Working> {
    let g = layer.geometry?;
    let input = layer.inputs.first().and_then(|id| t.node(*id))?;
    let positions = g.oh * g.ow;
    let dz = |o: usize, pp: usize, q: usize| layer.grad.get(o * positions + pp * g.ow + q);
    let over = format!(
        "every position (p, q) of the {}×{} output, from 0",
        g.oh, g.ow
    );
    match p.name {
        "weight" => {
            let k2 = g.k * g.k;
            let per_filter = g.c * k2;
            let (o, rest) = (index / per_filter, index % per_filter);
            let (c, u, v) = (rest / k2, (rest % k2) / g.k, rest % g.k);
            let (ro, co) = (
                u as isize - g.pad_top as isize,
                v as isize - g.pad_left as isize,
            );
            let mut terms = Vec::new();
            for pp in 0..g.oh {
                for q in 0..g.ow {
                    let r = (g.stride * pp) as isize + ro;
                    let col = (g.stride * q) as isize + co;
                    if r < 0 || col < 0 || r as usize >= g.h || col as usize >= g.w {
                        continue;
                    }
                    let x = *input
                        .output
                        .get(c * g.h * g.w + r as usize * g.w + col as usize)?;
                    terms.push(Term {
                        at: format!("(p, q) = ({pp}, {q})"),
                        values: vec![*dz(o, pp, q)?, x],
                    });
                }
            }
            let (so, sc) = (subscript(o + 1), subscript(c + 1));
            let sum = Sum {
                over,
                index: "p,q".into(),
                symbols: vec![
                    format!("∂L/∂z{so}(p,q)"),
                    format!(
                        "x{sc}({},{})",
                        place(g.stride, "p", ro),
                        place(g.stride, "q", co)
                    ),
                ],
                meanings: vec![
                    format!(
                        "how the loss changes with filter {}'s output at (p, q)",
                        o + 1
                    ),
                    format!(
                        "input channel {} under the kernel's row {}, column {} there, from {}",
                        c + 1,
                        u + 1,
                        v + 1,
                        input.name
                    ),
                ],
                terms,
            };
            let symbol = format!("w{so},{sc},{},{}", subscript(u + 1), subscript(v + 1));
            summed(symbol, p, index, sum, None)
        }
        "bias" => {
            let o = index;
            let mut terms = Vec::new();
            for pp in 0..g.oh {
                for q in 0..g.ow {
                    terms.push(Term {
                        at: format!("(p, q) = ({pp}, {q})"),
                        values: vec![*dz(o, pp, q)?],
                    });
                }
            }
            let so = subscript(o + 1);
            let sum = Sum {
                over,
                index: "p,q".into(),
                symbols: vec![format!("∂L/∂z{so}(p,q)")],
                meanings: vec![format!(
                    "how the loss changes with filter {}'s output at (p, q); the bias adds to every one",
                    o + 1
                )],
                terms,
            };
            summed(format!("b{so}"), p, index, sum, None)
        }
        _ => None,
    }
}

/// BatchNorm and LayerNorm in evaluation: `y = γ·x̂ + β`, so
/// `∂L/∂γ = Σ ∂L/∂y · x̂` and `∂L/∂β = Σ ∂L/∂y` over the values γ and β
/// scale and shift (one for a flat feature, every position of an image's
/// channel); `x̂ = (y − β)/γ` from the layer's own output.
fn norm(t: &Trace, layer: &NodeTrace, p: &ParamTrace, index: usize) -> Option<Working> {
    let gamma = t.params_of(layer.id).find(|q| q.name == "weight")?;
    let beta = t.params_of(layer.id).find(|q| q.name == "bias")?;
    let channels = gamma.value.len();
    let len = layer.output.len();
    if channels == 0 || !len.is_multiple_of(channels) || index >= channels {
        return None;
    }
    let per = len / channels;
    // BatchNorm over images: channel-major; LayerNorm: one γ per value.
    if layer.kind == "LayerNorm" && per != 1 {
        return None;
    }
    let (gc, bc) = (*gamma.value.get(index)?, *beta.value.get(index)?);
    if gc == 0.0 || !gc.is_finite() {
        return None;
    }
    let c = subscript(index + 1);
    let is_gamma = p.name == "weight";
    let symbol = if is_gamma {
        format!("γ{c}")
    } else {
        format!("β{c}")
    };
    let xhat = |e: usize| layer.output.get(e).map(|y| (y - bc) / gc);
    let hat_meaning = format!(
        "the normalised input, (y − β{c})/γ{c} from {}'s output (running statistics)",
        layer.name
    );
    if per == 1 {
        let mut factors = vec![Factor {
            symbol: format!("∂L/∂y{c}"),
            value: *layer.grad.get(index)?,
            meaning: format!(
                "how the loss changes with value {} of {}",
                index + 1,
                layer.name
            ),
        }];
        if is_gamma {
            factors.push(Factor {
                symbol: format!("x̂{c}"),
                value: xhat(index)?,
                meaning: hat_meaning,
            });
        }
        return Some(Working {
            symbol,
            product: factors.iter().map(|f| f.value).product(),
            factors,
            sum: None,
            grad: *p.grad.get(index)?,
            value: *p.value.get(index)?,
            note: None,
        });
    }
    let mut terms = Vec::with_capacity(per);
    for k in 0..per {
        let e = index * per + k;
        let dy = *layer.grad.get(e)?;
        terms.push(Term {
            at: format!("position {k}"),
            values: if is_gamma {
                vec![dy, xhat(e)?]
            } else {
                vec![dy]
            },
        });
    }
    let mut symbols = vec![format!("∂L/∂y{c}(k)")];
    let mut meanings = vec![format!(
        "how the loss changes with channel {} of {} at position k",
        index + 1,
        layer.name
    )];
    if is_gamma {
        symbols.push(format!("x̂{c}(k)"));
        meanings.push(hat_meaning);
    }
    let sum = Sum {
        over: format!("the {per} positions k of channel {}, from 0", index + 1),
        index: "k".into(),
        symbols,
        meanings,
        terms,
    };
    summed(symbol, p, index, sum, None)
}

/// SimpleRNN, LSTM and GRU: with `δ_r(t)` the gradient of row `r`'s
/// pre-activation at step `t` (by back-propagation through time,
/// [`super::bptt`]), `∂L/∂W_ih[r,i] = Σ_t δ_r(t) x_i(t)`, `∂L/∂W_hh[r,k] =
/// Σ_t δ_r(t) h_k(t−1)` (GRU's `n` rows: `δ_r(t) r(t)`), and the biases
/// `Σ_t δ_r(t)`. `None` when the recomputed states do not match the
/// layer's output.
fn rnn(t: &Trace, layer: &NodeTrace, p: &ParamTrace, index: usize) -> Option<Working> {
    let cell = Cell::of(layer.kind)?;
    let par = |name: &str| t.params_of(layer.id).find(|q| q.name == name);
    let whh = par("weight_hh")?;
    let h = *whh.shape.get(1)?;
    let weights = Weights {
        wih: &par("weight_ih")?.value,
        whh: &whh.value,
        bih: &par("bias_ih")?.value,
        bhh: &par("bias_hh")?.value,
    };
    let input = layer.inputs.first().and_then(|id| t.node(*id))?;
    let b = bptt::run(cell, &weights, h, &input.output, &layer.output, &layer.grad)?;
    let cols = p.shape.get(1).copied().unwrap_or(1).max(1);
    let (row, col) = (index / cols, index % cols);
    let gates = cell.gates();
    let (gate, unit) = (gates.get(row / h)?, row % h);
    let su = subscript(unit + 1);
    let hidden_side = matches!(p.name, "weight_hh" | "bias_hh");
    let gru_n = cell == Cell::Gru && *gate == "n" && hidden_side;
    let delta_symbol = if gru_n {
        format!("δn{su}(t)·r{su}(t)")
    } else {
        format!("δ{gate}{su}(t)")
    };
    let what = if gate.is_empty() {
        format!("unit {}'s sum before tanh", unit + 1)
    } else {
        format!("gate {gate} of unit {}'s sum", unit + 1)
    };
    let mut delta_meaning = format!(
        "how the loss changes with {what} at step t, back through time from ∂L/∂(output) of {}",
        layer.name
    );
    if gru_n {
        delta_meaning.push_str(", times the reset gate r (W_hn h is inside r ⊙ (…))");
    }
    let deltas = if hidden_side { &b.gh } else { &b.ga };
    let rsub = subscript(row + 1);
    let (symbol, second): (String, Option<(String, String, Vec<f64>)>) = match p.name {
        "weight_ih" if col < b.x.first().map_or(0, Vec::len) => {
            let si = subscript(col + 1);
            (
                format!("W_ih,{rsub},{si}"),
                Some((
                    format!("x{si}(t)"),
                    format!("input {} at step t, from {}", col + 1, input.name),
                    b.x.iter().map(|x| x[col]).collect(),
                )),
            )
        }
        "weight_hh" if col < h => {
            let sk = subscript(col + 1);
            (
                format!("W_hh,{rsub},{sk}"),
                Some((
                    format!("h{sk}(t−1)"),
                    format!(
                        "unit {}'s state one step earlier (0 before the first)",
                        col + 1
                    ),
                    b.h_prev.iter().map(|v| v[col]).collect(),
                )),
            )
        }
        "bias_ih" => (format!("b_ih,{rsub}"), None),
        "bias_hh" => (format!("b_hh,{rsub}"), None),
        _ => return None,
    };
    let terms = (0..b.steps)
        .map(|s| {
            let mut values = vec![deltas[s][row]];
            if let Some((_, _, v)) = &second {
                values.push(v[s]);
            }
            Term {
                at: format!("t = {s}"),
                values,
            }
        })
        .collect();
    let mut symbols = vec![delta_symbol];
    let mut meanings = vec![delta_meaning];
    if let Some((sy, me, _)) = second {
        symbols.push(sy);
        meanings.push(me);
    }
    let sum = Sum {
        over: format!("the {} time steps t, from 0", b.steps),
        index: "t".into(),
        symbols,
        meanings,
        terms,
    };
    let note = Some(format!(
        "δ(t) recomputed here from {}'s weights, its input and ∂L/∂(output).",
        layer.name
    ));
    summed(symbol, p, index, sum, note)
}
