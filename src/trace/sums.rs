//! The working of gradients that are sums of products, with a trace's
//! numbers: a convolution's weight (over every output position the filter
//! visits) and bias, a BatchNorm's or LayerNorm's γ and β (over the
//! positions of a channel; one product for a flat feature), and a
//! SimpleRNN's weights and biases (over the time steps, with the deltas of
//! back-propagation through time recomputed here from the weights, the
//! input and ∂L/∂(output) — checked against the layer's own output).
//!
//! Every term comes from the trace's numbers; the sum is computed here, so
//! comparing it with the backward pass's gradient checks the formula.

use super::working::{Factor, Sum, Term, Working, subscript};
use super::{NodeTrace, ParamTrace, Trace};
use crate::numfmt::sig;

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
        "SimpleRNN" => rnn(t, layer, p, index),
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

/// SimpleRNN, `h(t) = tanh(W_ih x(t) + b_ih + W_hh h(t−1) + b_hh)` from
/// `h(−1) = 0`: with `δ(t) = ∂L/∂(pre-activation at t)` — by
/// back-propagation through time `δ(t) = (∂L/∂h(t) + W_hhᵀ δ(t+1)) ⊙ (1 −
/// h(t)²)` — `∂L/∂W_ih[j,i] = Σ_t δ_j(t) x_i(t)`, `∂L/∂W_hh[j,k] = Σ_t
/// δ_j(t) h_k(t−1)`, `∂L/∂b[j] = Σ_t δ_j(t)`. `None` when the recomputed
/// states do not match the layer's output.
fn rnn(t: &Trace, layer: &NodeTrace, p: &ParamTrace, index: usize) -> Option<Working> {
    let par = |name: &str| t.params_of(layer.id).find(|q| q.name == name);
    let (wih, whh, bih, bhh) = (
        par("weight_ih")?,
        par("weight_hh")?,
        par("bias_ih")?,
        par("bias_hh")?,
    );
    let (h, i) = match wih.shape.as_slice() {
        [h, i] if *h > 0 && *i > 0 => (*h, *i),
        _ => return None,
    };
    let input = layer.inputs.first().and_then(|id| t.node(*id))?;
    let x = &input.output;
    if x.len() % i != 0
        || wih.value.len() != h * i
        || whh.value.len() != h * h
        || bih.value.len() != h
        || bhh.value.len() != h
    {
        return None;
    }
    let steps = x.len() / i;
    // Forward again, in f64 as the trace ran it.
    let mut hs: Vec<Vec<f64>> = Vec::with_capacity(steps);
    for s in 0..steps {
        let prev = s.checked_sub(1).map(|k| hs[k].clone());
        let row: Vec<f64> = (0..h)
            .map(|j| {
                let mut a = bih.value[j] + bhh.value[j];
                for ii in 0..i {
                    a += wih.value[j * i + ii] * x[s * i + ii];
                }
                if let Some(prev) = &prev {
                    let row = &whh.value[j * h..(j + 1) * h];
                    a += row.iter().zip(prev).map(|(w, v)| w * v).sum::<f64>();
                }
                a.tanh()
            })
            .collect();
        hs.push(row);
    }
    let sequences = layer.output.len() == steps * h;
    let shown = if sequences {
        hs.concat()
    } else {
        hs.last()?.clone()
    };
    let agrees = shown.len() == layer.output.len()
        && shown
            .iter()
            .zip(&layer.output)
            .all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + b.abs()));
    if !agrees {
        return None;
    }
    // Backward through time.
    let dh_out = |s: usize, j: usize| -> f64 {
        if sequences {
            layer.grad.get(s * h + j).copied().unwrap_or(0.0)
        } else if s + 1 == steps {
            layer.grad.get(j).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    };
    let mut delta = vec![vec![0.0; h]; steps];
    for s in (0..steps).rev() {
        for j in 0..h {
            let mut dh = dh_out(s, j);
            if s + 1 < steps {
                // (W_hhᵀ δ(t+1))_j: column j of W_hh.
                dh += delta[s + 1]
                    .iter()
                    .enumerate()
                    .map(|(k, d)| whh.value[k * h + j] * d)
                    .sum::<f64>();
            }
            delta[s][j] = dh * (1.0 - hs[s][j] * hs[s][j]);
        }
    }
    let cols = p.shape.get(1).copied().unwrap_or(1).max(1);
    let (j, col) = (index / cols, index % cols);
    if j >= h {
        return None;
    }
    let sj = subscript(j + 1);
    let delta_symbol = format!("δ{sj}(t)");
    let delta_meaning = format!(
        "how the loss changes with unit {}'s sum before tanh at step t: (∂L/∂h{sj}(t) + Σₖ W_hh,ₖ{sj} δₖ(t+1)) · (1 − h{sj}(t)²), back through time",
        j + 1
    );
    let (symbol, second): (String, Option<(String, String, Vec<f64>)>) = match p.name {
        "weight_ih" if col < i => {
            let si = subscript(col + 1);
            (
                format!("W_ih,{sj},{si}"),
                Some((
                    format!("x{si}(t)"),
                    format!("input {} at step t, from {}", col + 1, input.name),
                    (0..steps).map(|s| x[s * i + col]).collect(),
                )),
            )
        }
        "weight_hh" if col < h => {
            let sk = subscript(col + 1);
            (
                format!("W_hh,{sj},{sk}"),
                Some((
                    format!("h{sk}(t−1)"),
                    format!(
                        "unit {}'s state one step earlier (0 before the first)",
                        col + 1
                    ),
                    (0..steps)
                        .map(|s| s.checked_sub(1).map_or(0.0, |k| hs[k][col]))
                        .collect(),
                )),
            )
        }
        "bias_ih" => (format!("b_ih,{sj}"), None),
        "bias_hh" => (format!("b_hh,{sj}"), None),
        _ => return None,
    };
    let terms = delta
        .iter()
        .enumerate()
        .map(|(s, d)| {
            let mut values = vec![d[j]];
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
        over: format!("the {steps} time steps t, from 0"),
        index: "t".into(),
        symbols,
        meanings,
        terms,
    };
    let note = Some(format!(
        "δ(t) recomputed here from {}'s weights, its input and ∂L/∂(output) (final δ at the last step: {})",
        layer.name,
        sig(delta.last().map_or(0.0, |d| d[j]), 3)
    ));
    summed(symbol, p, index, sum, note)
}
