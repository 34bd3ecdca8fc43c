//! Shape inference: each layer kind's output shape, parameters and FLOPs
//! from its input shapes, or the reason it cannot run on them.

use super::{Activation, LayerSpec, Padding, Units};

/// Formats a per-sample shape as `16×7×7`.
pub fn fmt_shape(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "a scalar".to_string();
    }
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

/// Number of elements of a per-sample shape (saturating).
pub fn numel(shape: &[usize]) -> u64 {
    shape
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(d as u64))
}

/// What one layer produces from its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerShape {
    /// Output shape per sample.
    pub out: Vec<usize>,
    /// Learnable parameters.
    pub params: u64,
    /// Forward FLOPs per sample.
    pub flops: u64,
}

/// Why a layer cannot run on its inputs: a message and a fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

fn err(message: impl Into<String>, fix: impl Into<String>) -> ShapeError {
    ShapeError {
        message: message.into(),
        fix: fix.into(),
    }
}

fn mul(a: u64, b: u64) -> u64 {
    a.saturating_mul(b)
}

/// Output side of a convolution or pooling window along one axis, or
/// `None` when the window does not fit.
pub fn conv_out(input: usize, kernel: usize, stride: usize, padding: Padding) -> Option<usize> {
    if stride == 0 || kernel == 0 {
        return None;
    }
    match padding {
        Padding::Same => Some(input.div_ceil(stride)),
        Padding::Valid => input.checked_sub(kernel).map(|d| d / stride + 1),
    }
}

/// Image shapes `[channels, height, width]` that hold exactly `n` values
/// with both sides at least `min_side`: square images first, fewest
/// channels first (at most `limit`). Used to suggest a Reshape that fits.
pub fn image_shapes_for(n: usize, min_side: usize, limit: usize) -> Vec<[usize; 3]> {
    let min_side = min_side.max(1);
    let mut square = Vec::new();
    let mut other = Vec::new();
    for c in (1..=n).filter(|c| n.is_multiple_of(*c)) {
        let plane = n / c;
        let side = plane.isqrt();
        if side * side == plane {
            if side >= min_side {
                square.push([c, side, side]);
            }
        } else if let Some(h) = (min_side..=side).rev().find(|h| plane.is_multiple_of(*h)) {
            other.push([c, h, plane / h]);
        }
        if square.len() >= limit {
            break;
        }
    }
    square.extend(other);
    square.truncate(limit);
    square
}

/// `kind` needs an image but gets a flat vector of `n`: the Reshape to
/// suggest, with shapes whose sides are at least `min_side` (the kernel
/// or window of a 'valid' layer).
fn flat_into_image(kind: &str, n: usize, min_side: usize) -> ShapeError {
    let shapes = image_shapes_for(n, min_side, 3);
    let fix = if shapes.is_empty() {
        format!(
            "{n} values cannot make an image with sides of at least {min_side} for this layer; \
             use a smaller kernel or window, or 'same' padding"
        )
    } else {
        let list: Vec<String> = shapes.iter().map(|s| fmt_shape(s)).collect();
        format!(
            "insert a Reshape before it to channels×height×width: {} holds {n} values",
            list.join(" or ")
        )
    };
    err(
        format!("{kind} expects images (channels×height×width) but gets a flat vector of {n}"),
        fix,
    )
}

fn image(
    kind: &str,
    input: &[usize],
    min_side: usize,
) -> Result<(usize, usize, usize), ShapeError> {
    match input {
        [c, h, w] => Ok((*c, *h, *w)),
        [n] => Err(flat_into_image(kind, *n, min_side)),
        other => Err(err(
            format!(
                "{kind} expects images (channels×height×width) but gets {}",
                fmt_shape(other)
            ),
            "insert a Reshape before it to channels×height×width",
        )),
    }
}

/// Infers one layer. `inputs` are the per-sample shapes of its input ports
/// (already checked to be the right count); `auto_units` resolves
/// [`Units::Auto`] when the data is known.
pub fn infer_layer(
    spec: &LayerSpec,
    inputs: &[Vec<usize>],
    auto_units: Option<usize>,
) -> Result<LayerShape, ShapeError> {
    let same = |input: &Vec<usize>, flops_per: u64| LayerShape {
        out: input.clone(),
        params: 0,
        flops: mul(numel(input), flops_per),
    };
    let first = inputs.first().cloned().unwrap_or_default();
    match spec {
        LayerSpec::Input => Ok(LayerShape {
            out: first,
            params: 0,
            flops: 0,
        }),
        LayerSpec::Dense(d) => {
            let n = match first.as_slice() {
                [n] => *n as u64,
                other => {
                    return Err(err(
                        format!("Dense expects a flat input but gets {}", fmt_shape(other)),
                        "insert a Flatten before it",
                    ));
                }
            };
            let units = match d.units {
                Units::Fixed(u) => u,
                Units::Auto => auto_units.ok_or_else(|| {
                    err(
                        "Auto units need to know the data, which is not loaded yet",
                        "load the data, or set a number of units",
                    )
                })?,
            };
            if units == 0 {
                return Err(err("Dense has 0 units", "give it at least 1 unit"));
            }
            let u = units as u64;
            Ok(LayerShape {
                out: vec![units],
                params: mul(n, u).saturating_add(if d.bias { u } else { 0 }),
                flops: mul(2, mul(n, u)),
            })
        }
        LayerSpec::Conv2D(c) => {
            let min_side = if c.padding == Padding::Valid {
                c.kernel
            } else {
                1
            };
            let (ch, h, w) = image("Conv2D", &first, min_side)?;
            if c.filters == 0 || c.kernel == 0 || c.stride == 0 {
                return Err(err(
                    "Conv2D needs at least 1 filter, a kernel of at least 1 and a stride of at least 1",
                    "fix the settings in the inspector",
                ));
            }
            if c.padding == Padding::Valid && (c.kernel > h || c.kernel > w) {
                return Err(err(
                    format!(
                        "the {k}×{k} kernel is larger than its {h}×{w} input",
                        k = c.kernel
                    ),
                    "use a smaller kernel or 'same' padding",
                ));
            }
            let oh = conv_out(h, c.kernel, c.stride, c.padding).unwrap_or(0);
            let ow = conv_out(w, c.kernel, c.stride, c.padding).unwrap_or(0);
            let k2 = mul(c.kernel as u64, c.kernel as u64);
            let f = c.filters as u64;
            let per_out = mul(ch as u64, k2);
            Ok(LayerShape {
                out: vec![c.filters, oh, ow],
                params: mul(f, per_out).saturating_add(if c.bias { f } else { 0 }),
                flops: mul(2, mul(mul(f, per_out), mul(oh as u64, ow as u64))),
            })
        }
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => {
            let kind = spec.kind_name();
            let (ch, h, w) = image(kind, &first, p.size)?;
            if p.size == 0 || p.stride == 0 {
                return Err(err(
                    format!("{kind} needs a size and stride of at least 1"),
                    "fix the settings in the inspector",
                ));
            }
            if p.size > h || p.size > w {
                return Err(err(
                    format!(
                        "the {s}×{s} window is larger than its {h}×{w} input",
                        s = p.size
                    ),
                    "use a smaller window, or remove this pooling layer",
                ));
            }
            let oh = conv_out(h, p.size, p.stride, Padding::Valid).unwrap_or(0);
            let ow = conv_out(w, p.size, p.stride, Padding::Valid).unwrap_or(0);
            let out = vec![ch, oh, ow];
            let flops = mul(numel(&out), mul(p.size as u64, p.size as u64));
            Ok(LayerShape {
                out,
                params: 0,
                flops,
            })
        }
        LayerSpec::GlobalAvgPool => {
            let (ch, h, w) = image("GlobalAvgPool", &first, 1)?;
            Ok(LayerShape {
                out: vec![ch],
                params: 0,
                flops: mul(ch as u64, mul(h as u64, w as u64)),
            })
        }
        LayerSpec::Flatten => Ok(LayerShape {
            out: vec![numel(&first).min(usize::MAX as u64) as usize],
            params: 0,
            flops: 0,
        }),
        LayerSpec::Reshape { shape } => {
            if shape.is_empty() || shape.contains(&0) {
                return Err(err(
                    "Reshape needs a target shape with no zero sides",
                    "set a shape such as 1×28×28",
                ));
            }
            if numel(shape) != numel(&first) {
                return Err(err(
                    format!(
                        "Reshape to {} needs {} values but gets {} ({})",
                        fmt_shape(shape),
                        numel(shape),
                        numel(&first),
                        fmt_shape(&first)
                    ),
                    "choose a shape whose sides multiply to the input size",
                ));
            }
            Ok(LayerShape {
                out: shape.clone(),
                params: 0,
                flops: 0,
            })
        }
        LayerSpec::Dropout { rate } => {
            if !(0.0..1.0).contains(rate) {
                return Err(err(
                    format!("dropout rate {rate} is outside [0, 1)"),
                    "use a rate such as 0.2 or 0.5",
                ));
            }
            Ok(same(&first, 1))
        }
        LayerSpec::BatchNorm(b) => {
            if !(b.eps > 0.0 && b.eps.is_finite() && (0.0..=1.0).contains(&b.momentum)) {
                return Err(err(
                    "BatchNorm needs eps > 0 and momentum in [0, 1]",
                    "use eps 1e-5 and momentum 0.1",
                ));
            }
            let features = match first.as_slice() {
                [n] | [n, _, _] => *n as u64,
                other => {
                    return Err(err(
                        format!(
                            "BatchNorm works on flat vectors or images but gets {}",
                            fmt_shape(other)
                        ),
                        "use LayerNorm for sequences, or Flatten first",
                    ));
                }
            };
            Ok(LayerShape {
                params: mul(2, features),
                ..same(&first, 4)
            })
        }
        LayerSpec::LayerNorm { eps } => {
            if !(*eps > 0.0 && eps.is_finite()) {
                return Err(err("LayerNorm needs eps > 0", "use eps 1e-5"));
            }
            Ok(LayerShape {
                params: mul(2, numel(&first)),
                ..same(&first, 5)
            })
        }
        LayerSpec::Activation(a) => {
            let flops = match a {
                Activation::Linear => 0,
                Activation::ReLU | Activation::LeakyReLU { .. } => 1,
                _ => 4,
            };
            Ok(same(&first, flops))
        }
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let kind = spec.kind_name();
            let (t, i) = match first.as_slice() {
                [t, i] => (*t, *i),
                [n] => {
                    return Err(err(
                        format!(
                            "{kind} expects a sequence (steps×features) but gets a flat vector of {n}"
                        ),
                        format!("insert a Reshape before it, e.g. to {n}×1"),
                    ));
                }
                other => {
                    return Err(err(
                        format!(
                            "{kind} expects a sequence (steps×features) but gets {}",
                            fmt_shape(other)
                        ),
                        "insert a Reshape to steps×features before it",
                    ));
                }
            };
            if r.units == 0 {
                return Err(err(
                    format!("{kind} has 0 units"),
                    "give it at least 1 unit",
                ));
            }
            let gates: u64 = match spec {
                LayerSpec::Lstm(_) => 4,
                LayerSpec::Gru(_) => 3,
                _ => 1,
            };
            let h = r.units as u64;
            let per_step = mul(gates, mul(h, (i as u64).saturating_add(h)));
            Ok(LayerShape {
                out: if r.return_sequences {
                    vec![t, r.units]
                } else {
                    vec![r.units]
                },
                params: per_step.saturating_add(mul(2, mul(gates, h))),
                flops: mul(2, mul(per_step, t as u64)),
            })
        }
        LayerSpec::Add => {
            if let Some(bad) = inputs.iter().find(|s| **s != first) {
                return Err(err(
                    format!(
                        "Add needs inputs of equal shape but gets {} and {}",
                        fmt_shape(&first),
                        fmt_shape(bad)
                    ),
                    "make the branches end in the same shape",
                ));
            }
            Ok(same(&first, inputs.len().saturating_sub(1) as u64))
        }
        LayerSpec::Concatenate => {
            let rest = first.get(1..).unwrap_or_default();
            let mut joined = 0usize;
            for s in inputs {
                if s.len() != first.len() || s.get(1..).unwrap_or_default() != rest {
                    return Err(err(
                        format!(
                            "Concatenate joins along the first axis, so the other sides must match; it gets {} and {}",
                            fmt_shape(&first),
                            fmt_shape(s)
                        ),
                        "make the branches agree on every side but the first (Flatten both for vectors)",
                    ));
                }
                joined = joined.saturating_add(s.first().copied().unwrap_or(0));
            }
            let mut out = first.clone();
            if let Some(f) = out.first_mut() {
                *f = joined;
            }
            Ok(LayerShape {
                out,
                params: 0,
                flops: 0,
            })
        }
    }
}
