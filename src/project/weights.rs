//! Trained weights beside the project, as `.safetensors` (F32, little
//! endian), which PyTorch reads with `safetensors.torch.load_file`.

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::ProjectError;
use super::load::read_bounded;
use super::save::write_atomic;

/// One tensor: name, shape, values in row-major order.
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Largest weights file read (2 GiB); checked before reading.
pub const MAX_WEIGHTS_BYTES: u64 = 2 << 30;

/// `dir/foo.ron` → `dir/foo.safetensors`.
pub fn weights_path_for(project_path: &Path) -> PathBuf {
    project_path.with_extension("safetensors")
}

fn bad(path: &Path, message: impl Into<String>) -> ProjectError {
    ProjectError::Weights {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Saves tensors atomically. Names must be unique and each shape's element
/// count must match its values.
pub fn save_weights(path: &Path, tensors: &[NamedTensor]) -> Result<(), ProjectError> {
    let mut names = std::collections::BTreeSet::new();
    let mut bytes: Vec<(&str, Vec<usize>, Vec<u8>)> = Vec::with_capacity(tensors.len());
    for (name, shape, values) in tensors {
        if !names.insert(name.as_str()) {
            return Err(bad(path, format!("two tensors are named {name:?}")));
        }
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| bad(path, format!("tensor {name:?}: shape {shape:?} overflows")))?;
        if n != values.len() {
            return Err(bad(
                path,
                format!(
                    "tensor {name:?}: shape {shape:?} has {n} elements but {} values were given",
                    values.len()
                ),
            ));
        }
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes.push((name, shape.clone(), data));
    }
    let mut views = Vec::with_capacity(bytes.len());
    for (name, shape, data) in &bytes {
        let view = TensorView::new(Dtype::F32, shape.clone(), data)
            .map_err(|e| bad(path, format!("tensor {name:?}: {e}")))?;
        views.push((*name, view));
    }
    let out = safetensors::serialize(views, None).map_err(|e| bad(path, e.to_string()))?;
    write_atomic(path, &out)
}

/// Loads every tensor, sorted by name. Damaged files, other dtypes and
/// files over [`MAX_WEIGHTS_BYTES`] are refused with a clear error.
pub fn load_weights(path: &Path) -> Result<Vec<NamedTensor>, ProjectError> {
    let buf = read_bounded(path, MAX_WEIGHTS_BYTES)?;
    let st = SafeTensors::deserialize(&buf)
        .map_err(|e| bad(path, format!("not a valid safetensors file: {e}")))?;
    let mut out = Vec::new();
    for (name, view) in st.iter() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(
                path,
                format!(
                    "tensor {name:?} is {:?}; only F32 is supported",
                    view.dtype()
                ),
            ));
        }
        let data = view.data();
        let n = view
            .shape()
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d));
        if n.and_then(|n| n.checked_mul(4)) != Some(data.len()) {
            return Err(bad(
                path,
                format!("tensor {name:?}: size does not match its shape"),
            ));
        }
        let values = data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push((name.to_owned(), view.shape().to_vec(), values));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
