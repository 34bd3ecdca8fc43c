//! "Show the working": the chain rule for one parameter element written
//! out with a trace's numbers. A Dense weight or bias is one product, e.g.
//! `∂L/∂w₂,₁ = ∂L/∂a₂ · ReLU′(z₂) · x₁ = 0.31 · 1 · (−1.2) = −0.37`; a
//! convolution's, a normalisation's and a recurrent layer's parameters are
//! sums of such products over positions or time steps ([`super::sums`]),
//! shown with their largest terms.

use crate::model::NodeId;
use crate::numfmt::sig;

use super::{NodeTrace, Trace};

/// One factor of the product.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// Its symbol, e.g. `∂L/∂a₂`, `σ′(z₂)`, `x₁`.
    pub symbol: String,
    /// Its value for the traced sample.
    pub value: f64,
    /// Where it comes from, in words.
    pub meaning: String,
}

/// One term of a sum: where it is and its factors' values.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// Its place, e.g. `(p, q) = (3, 4)` or `t = 5`.
    pub at: String,
    /// The values of the sum's factors here, in the order of
    /// [`Sum::symbols`].
    pub values: Vec<f64>,
}

impl Term {
    /// The product of its values.
    pub fn product(&self) -> f64 {
        self.values.iter().product()
    }
}

/// A gradient that is a sum of products, e.g. over a convolution's
/// positions or a recurrent layer's time steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Sum {
    /// What the sum runs over, in words.
    pub over: String,
    /// The sum's index as written under Σ, e.g. `p,q` or `t`.
    pub index: String,
    /// Each factor's symbol with the index, e.g. `∂L/∂z₁(p,q)`.
    pub symbols: Vec<String>,
    /// What each factor is, in words.
    pub meanings: Vec<String>,
    /// Every non-zero term, largest |product| first.
    pub terms: Vec<Term>,
}

/// Terms written out in [`Working::text`]; the rest are counted.
pub const TERMS_SHOWN: usize = 3;

/// The chain rule for one parameter element.
#[derive(Clone, Debug, PartialEq)]
pub struct Working {
    /// The parameter element's symbol, e.g. `w₂,₁` or `b₂`.
    pub symbol: String,
    /// The factors whose product is its gradient (empty when the gradient
    /// is a sum, e.g. over a convolution's positions or time steps).
    pub factors: Vec<Factor>,
    /// The sum of products that is its gradient, when it is one.
    pub sum: Option<Sum>,
    /// The product of the factors, or the sum of the terms, computed here
    /// from the trace's numbers (the gradient itself with neither).
    pub product: f64,
    /// The gradient the backward pass computed.
    pub grad: f64,
    /// The parameter's value now.
    pub value: f64,
    /// Why there is no product, if there is none.
    pub note: Option<String>,
}

impl Working {
    /// The change one plain gradient step on this sample alone would make
    /// at learning rate `lr`: `−lr · ∂L/∂θ`.
    pub fn change(&self, lr: f64) -> f64 {
        -lr * self.grad
    }

    /// The whole line: `∂L/∂w₂,₁ = ∂L/∂a₂ · σ′(z₂) · x₁ = 0.31 · 0.19 · (−1.2) = −0.071`.
    pub fn text(&self) -> String {
        let lhs = format!("∂L/∂{}", self.symbol);
        if let Some(s) = &self.sum {
            let shown: Vec<String> = s
                .terms
                .iter()
                .take(TERMS_SHOWN)
                .map(|t| {
                    let v: Vec<String> = t.values.iter().map(|&v| paren(v)).collect();
                    v.join("·")
                })
                .collect();
            let more = s.terms.len().saturating_sub(TERMS_SHOWN);
            let rest = if more > 0 {
                format!(
                    " + … ({more} more term{})",
                    if more == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            let written = if shown.is_empty() {
                "0".to_string()
            } else {
                shown.join(" + ")
            };
            return format!(
                "{lhs} = Σ_{} {} = {written}{rest} = {}",
                s.index,
                s.symbols.join(" · "),
                sig(self.product, 4)
            );
        }
        if self.factors.is_empty() {
            return format!("{lhs} = {}", sig(self.grad, 4));
        }
        let symbols: Vec<&str> = self.factors.iter().map(|f| f.symbol.as_str()).collect();
        let values: Vec<String> = self
            .factors
            .iter()
            .map(|f| {
                let s = sig(f.value, 3);
                if f.value < 0.0 { format!("({s})") } else { s }
            })
            .collect();
        format!(
            "{lhs} = {} = {} = {}",
            symbols.join(" · "),
            values.join(" · "),
            sig(self.product, 4)
        )
    }
}

/// A value for a product: in parentheses when negative.
fn paren(v: f64) -> String {
    let s = sig(v, 3);
    if v < 0.0 { format!("({s})") } else { s }
}

/// `n` in subscript digits.
pub fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x2080 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// The nodes reading `id`'s output.
fn consumers(t: &Trace, id: NodeId) -> Vec<&NodeTrace> {
    t.nodes.iter().filter(|n| n.inputs.contains(&id)).collect()
}

/// The chain rule for element `index` (flat, C order) of parameter `name`
/// of node `node`. Dense weights and biases get their factors (units and
/// inputs numbered from 1): `∂L/∂z_j` — split into `∂L/∂a_j · f′(z_j)` when
/// one element-wise activation alone reads the layer — and `x_i` for a
/// weight. Conv2D, BatchNorm, LayerNorm, SimpleRNN, LSTM and GRU parameters
/// get their sum of products ([`super::sums`]); anything else its gradient
/// with a note. `None` if the trace has no such element.
pub fn working(t: &Trace, node: NodeId, name: &str, index: usize) -> Option<Working> {
    let p = t.params_of(node).find(|p| p.name == name)?;
    let grad = *p.grad.get(index)?;
    let value = *p.value.get(index)?;
    let layer = t.node(node)?;
    let dense = layer.kind == "Dense";
    let (j, i) = match (dense, p.shape.as_slice(), name) {
        (true, [_, cols], "weight") if *cols > 0 => (index / cols, Some(index % cols)),
        (true, [_], "bias") => (index, None),
        _ => {
            if let Some(w) = super::sums::working(t, layer, p, index) {
                return Some(w);
            }
            let note = match layer.kind {
                "Conv2D" => "a sum over every position the filter visits",
                "SimpleRNN" | "LSTM" | "GRU" => "a sum over the time steps",
                _ => "a sum over the values it scales or shifts",
            };
            return Some(Working {
                symbol: format!("{}{}", p.name, subscript(index + 1)),
                factors: Vec::new(),
                sum: None,
                product: grad,
                grad,
                value,
                note: Some(format!("For a {} the gradient is {note}.", layer.kind)),
            });
        }
    };
    let z = *layer.output.get(j)?;
    let gz = *layer.grad.get(j)?;
    let uj = subscript(j + 1);
    let mut factors = Vec::new();
    let readers = consumers(t, node);
    let act = match readers.as_slice() {
        [c] if c.inputs.len() == 1 => c.act.map(|a| (a, *c)),
        _ => None,
    };
    match act.and_then(|(a, c)| {
        let y = *c.output.get(j)?;
        Some((a.derivative(z, y)?, a, c, y))
    }) {
        Some((d, a, c, _)) => {
            factors.push(Factor {
                symbol: format!("∂L/∂a{uj}"),
                value: *c.grad.get(j)?,
                meaning: format!("how the loss changes with unit {} after {}", j + 1, c.name),
            });
            factors.push(Factor {
                symbol: format!("{}′(z{uj})", a.name()),
                value: d,
                meaning: format!("the slope of {} at z{uj} = {}", a.name(), sig(z, 3)),
            });
        }
        None => factors.push(Factor {
            symbol: format!("∂L/∂z{uj}"),
            value: gz,
            meaning: format!("how the loss changes with unit {} of {}", j + 1, layer.name),
        }),
    }
    let symbol = match i {
        Some(i) => {
            let input = layer.inputs.first().and_then(|id| t.node(*id))?;
            let ui = subscript(i + 1);
            factors.push(Factor {
                symbol: format!("x{ui}"),
                value: *input.output.get(i)?,
                meaning: format!("input {} of {}, from {}", i + 1, layer.name, input.name),
            });
            format!("w{uj},{ui}")
        }
        None => format!("b{uj}"),
    };
    let product = factors.iter().map(|f| f.value).product();
    Some(Working {
        symbol,
        factors,
        sum: None,
        product,
        grad,
        value,
        note: None,
    })
}
