//! The sample a trace runs: its features and target, taken from the
//! prepared data.

use crate::data::Target;
use crate::data::prepare::Prepared;

use super::TraceError;

/// What a sample should give.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleTarget {
    /// A class index.
    Class(u32),
    /// One value per output.
    Values(Vec<f64>),
}

/// Validation sample `index` — in the order of `val_x` in the PyTorch
/// export's `data.safetensors` — as its features and target.
///
/// # Errors
/// [`TraceError::NoSample`] when `index` is past the validation set.
pub fn validation_sample(
    prepared: &Prepared,
    index: usize,
) -> Result<(Vec<f32>, SampleTarget), TraceError> {
    let set = &prepared.validation;
    let count = set.len();
    let no_sample = TraceError::NoSample { index, count };
    if index >= count || index >= set.x.nrows() {
        return Err(no_sample);
    }
    let x = set.x.row(index);
    let target = match &set.target {
        Target::Classes { labels, .. } => match labels.get(index) {
            Some(&c) => SampleTarget::Class(c),
            None => return Err(no_sample),
        },
        Target::Values { y, .. } if index < y.nrows() => {
            SampleTarget::Values(y.row(index).iter().map(|&v| f64::from(v)).collect())
        }
        Target::Values { .. } => return Err(no_sample),
    };
    Ok((x.to_vec(), target))
}
