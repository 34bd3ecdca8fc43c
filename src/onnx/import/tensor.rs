//! Constant tensors of an ONNX file (initialisers and `Constant` nodes)
//! decoded to `f32` or `i64` values, with their sizes checked against the
//! data actually present and against a limit; external data read only
//! from files inside the model's folder.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::ImportError;
use crate::onnx::proto::{TensorProto, tensor_proto::DataLocation, tensor_proto::DataType};

/// Most values one tensor may have (256 M, 1 GiB of `f32`).
pub const MAX_VALUES: usize = 1 << 28;

/// A constant's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Floating point (float, double, float16 are converted).
    F32(Vec<f32>),
    /// Integers (int64, int32, …).
    I64(Vec<i64>),
}

/// A constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Values, row-major.
    pub values: Values,
}

impl Const {
    /// The values as floats (integers converted).
    pub fn floats(&self) -> Vec<f32> {
        match &self.values {
            Values::F32(v) => v.clone(),
            Values::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// The values as integers, if they are integers.
    pub fn ints(&self) -> Option<&[i64]> {
        match &self.values {
            Values::I64(v) => Some(v),
            Values::F32(_) => None,
        }
    }

    /// The one value of a tensor with exactly one element.
    pub fn scalar(&self) -> Option<f32> {
        let f = self.floats();
        (f.len() == 1).then(|| f[0])
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        }
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn half_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f32;
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 => {
            if frac == 0.0 {
                sign * f32::INFINITY
            } else {
                f32::NAN
            }
        }
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// Reads `length` bytes at `offset` of an external data file, which must
/// lie inside `dir` (no absolute path, no `..`, no symlink out).
fn external(
    t: &TensorProto,
    dir: Option<&Path>,
    need: usize,
    name: &str,
) -> Result<Vec<u8>, ImportError> {
    let bad = |m: String| ImportError::Hostile(format!("tensor {name:?}: {m}"));
    let get = |k: &str| {
        t.external_data
            .iter()
            .find(|e| e.key.as_deref() == Some(k))
            .and_then(|e| e.value.clone())
    };
    let location = get("location").ok_or_else(|| bad("external data without a location".into()))?;
    let dir =
        dir.ok_or_else(|| bad("external data, but the model's folder is not known".into()))?;
    let rel = Path::new(&location);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(bad(format!(
            "external data at {location:?} is outside the model's folder; refused"
        )));
    }
    let path = dir.join(rel);
    let (canon_dir, canon) = (
        std::fs::canonicalize(dir).map_err(|e| bad(format!("{}: {e}", dir.display())))?,
        std::fs::canonicalize(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?,
    );
    if !canon.starts_with(&canon_dir) {
        return Err(bad(format!(
            "external data at {location:?} leads outside the model's folder; refused"
        )));
    }
    let offset: u64 = get("offset")
        .map_or(Ok(0), |o| o.parse())
        .map_err(|_| bad("a bad offset".into()))?;
    if let Some(l) = get("length") {
        let l: usize = l.parse().map_err(|_| bad("a bad length".into()))?;
        if l != need {
            return Err(bad(format!(
                "external length {l} but the shape needs {need} bytes"
            )));
        }
    }
    let (mut file, size) = crate::data::file::open_regular(&canon, super::MAX_FILE_BYTES)
        .map_err(|e| bad(e.to_string()))?;
    if offset.checked_add(need as u64).is_none_or(|end| end > size) {
        return Err(bad(format!(
            "external data needs bytes {offset}..{} of a {size}-byte file",
            offset.saturating_add(need as u64)
        )));
    }
    let _ = &mut file;
    let mut f = std::fs::File::open(&canon).map_err(|e| bad(e.to_string()))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| bad(e.to_string()))?;
    let mut buf = vec![0u8; need];
    f.read_exact(&mut buf).map_err(|e| bad(e.to_string()))?;
    Ok(buf)
}

/// Decodes a tensor; `dir` is the model's folder, for external data.
///
/// # Errors
/// [`ImportError::Hostile`] for sizes that overflow, exceed
/// [`MAX_VALUES`] or do not match the data, external data outside the
/// folder; [`ImportError::Unsupported`] for types other than numbers.
pub fn decode(t: &TensorProto, dir: Option<&Path>) -> Result<Const, ImportError> {
    let name = t.name.clone().unwrap_or_default();
    let hostile = |m: String| ImportError::Hostile(format!("tensor {name:?}: {m}"));
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        if d < 0 {
            return Err(hostile(format!("negative dimension {d}")));
        }
        dims.push(d as usize);
    }
    let count = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&c| c <= MAX_VALUES)
        .ok_or_else(|| hostile(format!("shape {dims:?} is larger than {MAX_VALUES} values")))?;
    let dtype = t.data_type.unwrap_or(0);
    let size = match DataType::try_from(dtype) {
        Ok(DataType::Float | DataType::Int32 | DataType::Uint32) => 4,
        Ok(DataType::Double | DataType::Int64 | DataType::Uint64) => 8,
        Ok(DataType::Float16 | DataType::Int16 | DataType::Uint16) => 2,
        Ok(DataType::Int8 | DataType::Uint8 | DataType::Bool) => 1,
        _ => {
            return Err(ImportError::Unsupported(format!(
                "tensor {name:?} has data type {dtype}, not a number type this reads"
            )));
        }
    };
    let raw: Option<Vec<u8>> = if t.data_location == Some(DataLocation::External as i32) {
        Some(external(t, dir, count * size, &name)?)
    } else {
        t.raw_data.clone()
    };
    let dt = DataType::try_from(dtype).unwrap_or(DataType::Undefined);
    let floats = matches!(dt, DataType::Float | DataType::Double | DataType::Float16);
    let check = |n: usize| {
        if n == count {
            Ok(())
        } else {
            Err(hostile(format!(
                "shape {dims:?} has {count} values but {n} are stored"
            )))
        }
    };
    let values = if let Some(raw) = raw {
        check(raw.len() / size)?;
        if raw.len() % size != 0 {
            return Err(hostile("the raw data is not whole values".into()));
        }
        let mut f = Vec::new();
        let mut i = Vec::new();
        for c in raw.chunks_exact(size) {
            let mut b = [0u8; 8];
            b[..size].copy_from_slice(c);
            match dt {
                DataType::Float => f.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                DataType::Double => f.push(f64::from_le_bytes(b) as f32),
                DataType::Float16 => f.push(half_to_f32(u16::from_le_bytes([b[0], b[1]]))),
                DataType::Int64 | DataType::Uint64 => i.push(i64::from_le_bytes(b)),
                DataType::Int32 => i.push(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
                DataType::Uint32 => i.push(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
                DataType::Int16 => i.push(i16::from_le_bytes([b[0], b[1]]) as i64),
                DataType::Uint16 => i.push(u16::from_le_bytes([b[0], b[1]]) as i64),
                DataType::Int8 => i.push(b[0] as i8 as i64),
                _ => i.push(b[0] as i64),
            }
        }
        if floats {
            Values::F32(f)
        } else {
            Values::I64(i)
        }
    } else {
        match dt {
            DataType::Float => {
                check(t.float_data.len())?;
                Values::F32(t.float_data.clone())
            }
            DataType::Double => {
                check(t.double_data.len())?;
                Values::F32(t.double_data.iter().map(|&v| v as f32).collect())
            }
            DataType::Float16 => {
                check(t.int32_data.len())?;
                Values::F32(
                    t.int32_data
                        .iter()
                        .map(|&v| half_to_f32(v as u16))
                        .collect(),
                )
            }
            DataType::Int64 => {
                check(t.int64_data.len())?;
                Values::I64(t.int64_data.clone())
            }
            DataType::Uint64 => {
                check(t.uint64_data.len())?;
                Values::I64(t.uint64_data.iter().map(|&v| v as i64).collect())
            }
            _ => {
                check(t.int32_data.len())?;
                Values::I64(t.int32_data.iter().map(|&v| v as i64).collect())
            }
        }
    };
    if let Values::F32(v) = &values
        && let Some(k) = v.iter().position(|x| !x.is_finite())
    {
        return Err(hostile(format!(
            "value {k} is {}, not a finite number",
            v[k]
        )));
    }
    Ok(Const { dims, values })
}
