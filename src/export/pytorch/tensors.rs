//! Writing `.safetensors` files with the dtypes PyTorch needs (`F32` and
//! `F64` values, `I64` labels and counters), and the data file.

use std::collections::HashMap;
use std::path::Path;

use safetensors::Dtype;
use safetensors::tensor::TensorView;

use crate::data::Target;
use crate::data::prepare::Prepared;
use crate::project::write_atomic;

use super::ExportError;

/// The values of one tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 64-bit integers (class labels, counters).
    I64(Vec<i64>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::I64(v) => v.len(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            Self::F32(_) => Dtype::F32,
            Self::F64(_) => Dtype::F64,
            Self::I64(_) => Dtype::I64,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// One named tensor to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Its name in the file.
    pub name: String,
    /// Its shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: Values,
}

impl Tensor {
    /// A tensor; the shape's element count must match the values (checked
    /// when written).
    pub fn new(name: impl Into<String>, shape: Vec<usize>, values: Values) -> Self {
        Self {
            name: name.into(),
            shape,
            values,
        }
    }
}

/// Writes `tensors` to `path` atomically, with `metadata` in the header.
///
/// # Errors
/// Duplicate names, a shape that does not match its values, or a failed
/// write.
pub fn write_safetensors(
    path: &Path,
    tensors: &[Tensor],
    metadata: &[(&str, String)],
) -> Result<(), ExportError> {
    let bad = |m: String| ExportError::Write(format!("{}: {m}", path.display()));
    let mut names = std::collections::BTreeSet::new();
    let mut bytes = Vec::with_capacity(tensors.len());
    for t in tensors {
        if !names.insert(t.name.as_str()) {
            return Err(bad(format!("two tensors are named {:?}", t.name)));
        }
        let n = t.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if n != Some(t.values.len()) {
            return Err(bad(format!(
                "tensor {:?}: shape {:?} does not hold {} values",
                t.name,
                t.shape,
                t.values.len()
            )));
        }
        bytes.push(t.values.bytes());
    }
    let mut views = Vec::with_capacity(tensors.len());
    for (t, b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(t.values.dtype(), t.shape.clone(), b)
            .map_err(|e| bad(format!("tensor {:?}: {e}", t.name)))?;
        views.push((t.name.as_str(), view));
    }
    let mut meta: HashMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    meta.insert("format".into(), "pt".into());
    let out = safetensors::serialize(views, Some(meta)).map_err(|e| bad(e.to_string()))?;
    write_atomic(path, &out).map_err(|e| ExportError::Write(e.to_string()))
}

/// Inputs `(N, *input_shape)` and targets — class labels as `I64 (N,)`,
/// values as `F32 (N, targets)` — of one split, named `{prefix}_x` and
/// `{prefix}_y`.
fn split(prefix: &str, d: &crate::data::Dataset, input_shape: &[usize]) -> [Tensor; 2] {
    let mut shape = vec![d.x.nrows()];
    shape.extend_from_slice(input_shape);
    let x = Tensor::new(
        format!("{prefix}_x"),
        shape,
        Values::F32(d.x.iter().copied().collect()),
    );
    let y = match &d.target {
        Target::Classes { labels, .. } => Tensor::new(
            format!("{prefix}_y"),
            vec![labels.len()],
            Values::I64(labels.iter().map(|&l| i64::from(l)).collect()),
        ),
        Target::Values { y, .. } => Tensor::new(
            format!("{prefix}_y"),
            vec![y.nrows(), y.ncols()],
            Values::F32(y.iter().copied().collect()),
        ),
    };
    [x, y]
}

/// The prepared data as tensors: `train_x`, `train_y`, `val_x`, `val_y`,
/// and the normalisation fitted on the training part, `norm_shift` and
/// `norm_scale` per feature (raw features become `(raw − shift) / scale`).
pub fn data_tensors(p: &Prepared) -> Vec<Tensor> {
    let shape = &p.train.input_shape;
    let mut v = Vec::with_capacity(6);
    v.extend(split("train", &p.train, shape));
    v.extend(split("val", &p.validation, shape));
    let n = p.normalizer.shift.len();
    v.push(Tensor::new(
        "norm_shift",
        vec![n],
        Values::F32(p.normalizer.shift.clone()),
    ));
    v.push(Tensor::new(
        "norm_scale",
        vec![p.normalizer.scale.len()],
        Values::F32(p.normalizer.scale.clone()),
    ));
    v
}
