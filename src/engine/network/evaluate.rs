//! Running a [`Network`] over many rows in evaluation mode, a chunk at a
//! time: predictions and the mean loss.

use ndarray::{Array2, ArrayView2, s};

use super::Network;
use crate::engine::loss::{Loss, Targets};
use crate::engine::{EngineError, Float, Mode};

impl<F: Float> Network<F> {
    /// Outputs for all rows of `x`, in `Eval` mode, `chunk` rows at a time.
    ///
    /// # Errors
    /// `x` has the wrong number of features.
    pub fn predict(&mut self, x: ArrayView2<F>, chunk: usize) -> Result<Array2<F>, EngineError> {
        let n = x.nrows();
        let chunk = chunk.max(1);
        let mut result = Array2::zeros((n, self.output_len()));
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            let out = self.forward(x.slice(s![start..end, ..]), Mode::Eval)?;
            result.slice_mut(s![start..end, ..]).assign(&out);
            start = end;
        }
        Ok(result)
    }

    /// The mean loss over all rows of `x` in `Eval` mode, and the outputs,
    /// `chunk` rows at a time. `loss` is adapted like in
    /// [`Network::train_step`].
    ///
    /// # Errors
    /// As [`Network::train_step`].
    pub fn evaluate(
        &mut self,
        x: ArrayView2<F>,
        targets: &Targets<F>,
        loss: Loss,
        chunk: usize,
    ) -> Result<(f64, Array2<F>), EngineError> {
        let n = x.nrows();
        if targets.len() != n {
            return Err(EngineError::Targets {
                loss: loss.name(),
                reason: format!("{n} samples but {} targets", targets.len()),
            });
        }
        let loss = loss.for_output(self.ends_in_softmax());
        let chunk = chunk.max(1);
        let mut result = Array2::zeros((n, self.output_len()));
        let mut scratch = Array2::zeros((0, 0));
        let mut total = 0.0;
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            let out = self.forward(x.slice(s![start..end, ..]), Mode::Eval)?;
            if scratch.dim() != out.dim() {
                scratch = Array2::zeros(out.dim());
            }
            let l = loss.value_and_grad(out, &targets.rows(start, end), &mut scratch)?;
            total += l.f64() * (end - start) as f64;
            result.slice_mut(s![start..end, ..]).assign(&out);
            start = end;
        }
        Ok((if n == 0 { 0.0 } else { total / n as f64 }, result))
    }
}
