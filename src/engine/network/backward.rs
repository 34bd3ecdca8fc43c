//! The backward pass through the nodes in reverse order.

use std::time::Instant;

use super::buffers::{Buffers, with_inputs};
use super::{Network, Source};
use crate::engine::Float;

impl<F: Float> Network<F> {
    /// The backward pass from `grads[output]`, which the caller has set. With
    /// `skip_output`, `grads[output]` is taken to be the gradient with
    /// respect to the output node's (single) input, and the output node's
    /// own backward is skipped (fused softmax + cross-entropy).
    pub(super) fn backward_from_output(&mut self, skip_output: bool) {
        let Self {
            nodes,
            bufs,
            touched,
            needed,
            needs_grad,
            output,
            want_input_grad,
            timing,
            ..
        } = self;
        let output = *output;
        let Buffers {
            input,
            outs,
            grads,
            grad_in,
            input_grad,
            ..
        } = bufs;
        touched.fill(false);
        if let Some(t) = touched.get_mut(output) {
            *t = true;
        }
        let mut input_touched = false;
        for i in (0..nodes.len()).rev() {
            let (Some(node), Some(gin), Some(g_out), Some(out)) = (
                nodes.get_mut(i),
                grad_in.get_mut(i),
                grads.get(i),
                outs.get(i),
            ) else {
                continue;
            };
            if !needed.get(i).copied().unwrap_or(false) || !touched.get(i).copied().unwrap_or(false)
            {
                for p in node.layer.params_mut() {
                    p.grad.fill(F::zero());
                }
                continue;
            }
            if !needs_grad.get(i).copied().unwrap_or(true) {
                continue;
            }
            let t0 = timing.is_some().then(Instant::now);
            if skip_output && i == output {
                if let Some(g0) = gin.first_mut() {
                    g0.assign(g_out);
                }
            } else {
                with_inputs(&node.inputs, input, outs, |views| {
                    node.layer.backward(views, out.view(), g_out.view(), gin);
                });
            }
            for (src, g) in node.inputs.iter().zip(gin.iter_mut()) {
                let (target, seen) = match *src {
                    Source::Input if *want_input_grad => {
                        (Some(&mut *input_grad), &mut input_touched)
                    }
                    Source::Input => continue,
                    Source::Node(j) if needs_grad.get(j).copied().unwrap_or(true) => {
                        match touched.get_mut(j) {
                            Some(t) => (grads.get_mut(j), t),
                            None => continue,
                        }
                    }
                    Source::Node(_) => continue,
                };
                let Some(target) = target else { continue };
                if target.dim() != g.dim() {
                    continue;
                }
                if *seen {
                    *target += &*g;
                } else {
                    // `g` is scratch that the next backward overwrites, so
                    // the buffers can trade places instead of copying.
                    std::mem::swap(target, g);
                    *seen = true;
                }
            }
            if let (Some(t0), Some(t)) = (t0, timing.as_mut().and_then(|t| t.nodes.get_mut(i))) {
                t.backward += t0.elapsed().as_secs_f64();
            }
        }
        if !input_touched {
            input_grad.fill(F::zero());
        }
    }
}
