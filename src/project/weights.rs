//! Trained weights beside the project, as `.safetensors` (F32, little
//! endian), which PyTorch reads with `safetensors.torch.load_file`.

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::ProjectError;
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
    write_atomic(path, &weights_bytes(path, tensors)?)
}

/// The bytes of a `.safetensors` file of `tensors` (`path` names it in errors).
pub fn weights_bytes(path: &Path, tensors: &[NamedTensor]) -> Result<Vec<u8>, ProjectError> {
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
    safetensors::serialize(views, None).map_err(|e| bad(path, e.to_string()))
}

/// Largest safetensors header read (its JSON describes the tensors).
const MAX_HEADER_BYTES: u64 = 100 << 20;

/// Checks the header against the file's size before the data is read:
/// the header's length, every tensor F32 with data of exactly its shape's
/// size, and the data ending where the file ends.
fn check_header(path: &Path, file: &mut std::fs::File, len: u64) -> Result<(), ProjectError> {
    use std::io::Read;
    let mut n = [0u8; 8];
    file.read_exact(&mut n).map_err(|_| {
        bad(
            path,
            format!("not a valid safetensors file: {len} bytes is too short"),
        )
    })?;
    let n = u64::from_le_bytes(n);
    if n > MAX_HEADER_BYTES || n > len - 8 {
        return Err(bad(
            path,
            format!(
                "not a valid safetensors file: its header claims {n} bytes but the file has {len}"
            ),
        ));
    }
    let mut head = vec![0u8; n as usize];
    file.read_exact(&mut head)
        .map_err(|e| ProjectError::io(path, e))?;
    let json: serde_json::Value = serde_json::from_slice(&head).map_err(|e| {
        bad(
            path,
            format!("not a valid safetensors file: its header is not JSON ({e})"),
        )
    })?;
    let Some(map) = json.as_object() else {
        return Err(bad(
            path,
            "not a valid safetensors file: its header is not a JSON object",
        ));
    };
    let mut end = 0u64;
    for (name, t) in map.iter().filter(|(k, _)| *k != "__metadata__") {
        let dtype = t["dtype"].as_str().unwrap_or("?");
        if dtype != "F32" {
            return Err(bad(
                path,
                format!("tensor {name:?} is {dtype}; only F32 is supported"),
            ));
        }
        let shape: Option<Vec<u64>> = t["shape"]
            .as_array()
            .and_then(|a| a.iter().map(serde_json::Value::as_u64).collect());
        let offsets: Option<Vec<u64>> = t["data_offsets"]
            .as_array()
            .and_then(|a| a.iter().map(serde_json::Value::as_u64).collect());
        let (Some(shape), Some([a, b])) = (
            shape,
            offsets
                .as_deref()
                .and_then(|o| <[u64; 2]>::try_from(o).ok()),
        ) else {
            return Err(bad(
                path,
                format!("tensor {name:?}: the header gives no shape or data offsets"),
            ));
        };
        let bytes = shape.iter().try_fold(4u64, |acc, &d| acc.checked_mul(d));
        if b < a || bytes != Some(b - a) {
            return Err(bad(
                path,
                format!("tensor {name:?}: size does not match its shape {shape:?}"),
            ));
        }
        end = end.max(b);
    }
    if 8 + n + end != len {
        return Err(bad(
            path,
            format!(
                "the header describes {} bytes of data but the file holds {}; the file is damaged or cut short",
                end,
                len - 8 - n
            ),
        ));
    }
    Ok(())
}

/// Loads every tensor, sorted by name. The header and the sizes it states
/// are checked before the data is read; damaged files, other dtypes, files
/// over [`MAX_WEIGHTS_BYTES`], files that are not regular files, and
/// values that are not finite (named by tensor) are refused.
pub fn load_weights(path: &Path) -> Result<Vec<NamedTensor>, ProjectError> {
    use std::io::{Read, Seek};
    let not_regular = || {
        bad(
            path,
            "this is not a regular file; give the path of a .safetensors file",
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| ProjectError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    // Weights written with their metrics by a run killed between the two
    // renames: the pair is finished before the weights are read.
    if let Some(dir) = path.parent() {
        super::save::finish_interrupted_pairs(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        });
    }
    let mut file = std::fs::File::open(path).map_err(|e| ProjectError::io(path, e))?;
    let meta = file.metadata().map_err(|e| ProjectError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let len = meta.len();
    if len > MAX_WEIGHTS_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
            bytes: len,
            limit: MAX_WEIGHTS_BYTES,
        });
    }
    check_header(path, &mut file, len)?;
    file.rewind().map_err(|e| ProjectError::io(path, e))?;
    let mut buf = Vec::with_capacity(len as usize);
    file.take(len)
        .read_to_end(&mut buf)
        .map_err(|e| ProjectError::io(path, e))?;
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
        let values: Vec<f32> = data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(
                path,
                format!(
                    "tensor {name:?} holds {} at element {i}; weights must be finite numbers (was the run diverging when they were saved?)",
                    values[i]
                ),
            ));
        }
        out.push((name.to_owned(), view.shape().to_vec(), values));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
