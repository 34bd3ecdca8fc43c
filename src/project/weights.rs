//! Trained weights beside the project, as `.safetensors` (PyTorch and
//! most tools read it directly): little-endian `f32`, one tensor per
//! parameter or buffer, named `{layer}.{parameter}`.

use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::ProjectError;
use super::save::write_atomic;

/// A named tensor: `(name, shape, row-major values)`.
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Largest weights file read.
pub const MAX_BYTES: u64 = 4 << 30;

/// `foo.safetensors` beside `foo.ron`.
pub fn weights_path_for(project: &Path) -> PathBuf {
    project.with_extension("safetensors")
}

/// Writes tensors atomically.
///
/// # Errors
/// The file cannot be written, or a tensor's values disagree with its shape.
pub fn save_weights(path: &Path, tensors: &[NamedTensor]) -> Result<(), ProjectError> {
    let invalid = |message: String| ProjectError::Invalid {
        origin: path.display().to_string(),
        message,
    };
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((name, shape, _), b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(Dtype::F32, shape.clone(), b)
            .map_err(|e| invalid(format!("tensor `{name}`: {e}")))?;
        views.push((name.clone(), view));
    }
    let data = safetensors::serialize(views, None).map_err(|e| invalid(e.to_string()))?;
    write_atomic(path, &data)
}

/// Reads tensors written by [`save_weights`] (or by PyTorch, if `f32`).
///
/// # Errors
/// The file cannot be read, is too large, corrupt, or holds non-`f32` data.
pub fn load_weights(path: &Path) -> Result<Vec<NamedTensor>, ProjectError> {
    let origin = path.display().to_string();
    let io = |source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
            bytes: len,
            limit: MAX_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| ProjectError::Invalid {
        origin: origin.clone(),
        message: format!("not a valid .safetensors file: {e}"),
    })?;
    let mut out = Vec::new();
    let mut names = st.names();
    names.sort();
    for name in names {
        let t = st.tensor(name).map_err(|e| ProjectError::Invalid {
            origin: origin.clone(),
            message: e.to_string(),
        })?;
        if t.dtype() != Dtype::F32 {
            return Err(ProjectError::Invalid {
                origin,
                message: format!(
                    "tensor `{name}` is {:?}; Neuroglass reads F32 weights",
                    t.dtype()
                ),
            });
        }
        let values = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push((name.to_string(), t.shape().to_vec(), values));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let d = std::env::temp_dir().join(format!("ng-weights-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("w.safetensors");
        let t = vec![
            (
                "a.weight".to_string(),
                vec![2, 3],
                vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            ),
            ("a.bias".to_string(), vec![2], vec![-1.0, 0.5]),
        ];
        save_weights(&p, &t).unwrap();
        let mut back = load_weights(&p).unwrap();
        back.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want = t.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(back, want);
        assert!(save_weights(&p, &[("bad".into(), vec![5], vec![1.0])]).is_err());
        std::fs::write(&p, b"\xff\xff\xff\xff\xff\xff\xff\x7f garbage").unwrap();
        assert!(load_weights(&p).is_err());
        std::fs::write(&p, b"").unwrap();
        assert!(load_weights(&p).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
