//! NumPy's `.npy` format: one array, read through [`super::file`]'s
//! size-limited opening and written for predictions. Read: little-endian
//! (or byte-sized) floats, integers and booleans in C order, converted to
//! `f32`; a value that is NaN, infinite or outside `f32` is refused with
//! its index. Written: `<f4`, version 1.0.

use std::io::Read;
use std::path::Path;

use super::DataError;
use super::file::open_regular;

/// Largest `.npy` file read (1 GiB).
pub const MAX_NPY_BYTES: u64 = 1 << 30;

/// An array: its shape and values in row-major order.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Dimensions (empty for a scalar).
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

fn bad(path: &str, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Reads a `.npy` file.
///
/// # Errors
/// [`DataError`] for an unreadable file, a header that is not NumPy's, a
/// type other than booleans, integers or floats, Fortran order, a size that
/// does not match the shape, or a value that is not a finite `f32`.
pub fn read(path: &Path) -> Result<NpyArray, DataError> {
    let name = path.display().to_string();
    let (mut reader, _) = open_regular(path, MAX_NPY_BYTES)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })?;
    parse(&bytes, &name)
}

/// Parses the bytes of a `.npy` file; `name` names it in errors.
///
/// # Errors
/// As [`read`].
pub fn parse(bytes: &[u8], name: &str) -> Result<NpyArray, DataError> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(name, "not a NumPy .npy file (no \\x93NUMPY magic)"));
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            let b = bytes
                .get(8..12)
                .ok_or_else(|| bad(name, "the header is cut short"))?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(bad(name, format!(".npy version {v} is not known"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad(name, "the header is longer than the file"))?;
    let header =
        std::str::from_utf8(&bytes[start..end]).map_err(|_| bad(name, "the header is not text"))?;
    let descr = field(header, "descr").ok_or_else(|| bad(name, "the header has no 'descr'"))?;
    let descr = descr.trim().trim_matches(|c| c == '\'' || c == '"');
    let fortran = field(header, "fortran_order").map(str::trim);
    if fortran == Some("True") {
        return Err(bad(
            name,
            "the array is in Fortran order; save it with np.ascontiguousarray first",
        ));
    }
    let shape_text =
        field(header, "shape").ok_or_else(|| bad(name, "the header has no 'shape'"))?;
    let shape = parse_shape(shape_text).ok_or_else(|| {
        bad(
            name,
            format!("the shape {shape_text:?} is not a tuple of sizes"),
        )
    })?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(name, "the shape's size overflows"))?;
    let (kind, size, little) = dtype(descr).ok_or_else(|| {
        bad(
            name,
            format!("the type {descr:?} is not a number type this reads (bool, int, uint, float)"),
        )
    })?;
    let data = &bytes[end..];
    let need = count
        .checked_mul(size)
        .ok_or_else(|| bad(name, "the shape's size overflows"))?;
    if data.len() != need {
        return Err(bad(
            name,
            format!(
                "the shape {shape:?} of {descr} needs {need} bytes of data but the file has {}",
                data.len()
            ),
        ));
    }
    let mut values = Vec::with_capacity(count);
    for (i, chunk) in data.chunks_exact(size).enumerate() {
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(chunk);
        if !little {
            b[..size].reverse();
        }
        let v: f64 = match (kind, size) {
            ('f', 4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ('f', 8) => f64::from_le_bytes(b),
            ('i', 1) => b[0] as i8 as f64,
            ('i', 2) => i16::from_le_bytes([b[0], b[1]]) as f64,
            ('i', 4) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ('i', 8) => i64::from_le_bytes(b) as f64,
            ('u', 1) | ('b', 1) => b[0] as f64,
            ('u', 2) => u16::from_le_bytes([b[0], b[1]]) as f64,
            ('u', 4) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            ('u', 8) => u64::from_le_bytes(b) as f64,
            _ => return Err(bad(name, format!("the type {descr:?} is not supported"))),
        };
        if !v.is_finite() || v.abs() > f32::MAX as f64 {
            return Err(bad(
                name,
                format!("value {i} (row-major) is {v}, not a finite 32-bit number"),
            ));
        }
        values.push(v as f32);
    }
    Ok(NpyArray { shape, values })
}

/// The text after `'key':` up to the next top-level comma of the header dict.
fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(&rest[..i]),
            _ => {}
        }
        if depth == 0 && c == ')' {
            return Some(&rest[..=i]);
        }
    }
    None
}

fn parse_shape(text: &str) -> Option<Vec<usize>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>().ok())
        .collect()
}

/// (kind, bytes, little-endian) of a NumPy type string like `<f4`, `|u1`.
fn dtype(descr: &str) -> Option<(char, usize, bool)> {
    let mut chars = descr.chars();
    let (order, rest) = match chars.next()? {
        c @ ('<' | '>' | '|' | '=') => (c, chars.as_str()),
        _ => ('=', descr),
    };
    let kind = rest.chars().next()?;
    let size: usize = rest.get(1..)?.parse().ok()?;
    let ok = matches!(
        (kind, size),
        ('f', 4 | 8) | ('i' | 'u', 1 | 2 | 4 | 8) | ('b', 1)
    );
    ok.then_some((kind, size, order != '>'))
}

/// Most classes a label array may name.
pub const MAX_CLASSES: usize = 10_000;

/// A data set from an inputs array `[samples, sample shape…]` (a 1-D
/// array is one feature a sample) and a labels array with one entry a
/// sample: whole numbers 0…k−1 as classes when `classification`, else
/// `[samples]` or `[samples, targets]` values. `origin` names it.
///
/// # Errors
/// [`DataError::Format`] when the sample counts differ, a class is not a
/// whole number from 0, or there are no samples.
pub fn dataset(
    x: NpyArray,
    y: NpyArray,
    classification: bool,
    origin: &str,
) -> Result<super::Dataset, DataError> {
    let (rows, shape) = match x.shape.as_slice() {
        [] => return Err(bad(origin, "the inputs are a single number, not samples")),
        [n] => (*n, vec![1]),
        [n, rest @ ..] => (*n, rest.to_vec()),
    };
    let per: usize = shape.iter().product();
    if rows == 0 || per == 0 {
        return Err(bad(origin, "the inputs have no samples or empty samples"));
    }
    if y.shape.first() != Some(&rows) {
        return Err(bad(
            origin,
            format!(
                "{rows} input samples but the labels have shape {:?}",
                y.shape
            ),
        ));
    }
    let xs = ndarray::Array2::from_shape_vec((rows, per), x.values)
        .map_err(|e| bad(origin, e.to_string()))?;
    let target = if classification {
        if y.values.len() != rows {
            return Err(bad(origin, "class labels must be one number a sample"));
        }
        let mut labels = Vec::with_capacity(rows);
        for (i, &v) in y.values.iter().enumerate() {
            if v < 0.0 || v.fract() != 0.0 || v as usize >= MAX_CLASSES {
                return Err(bad(
                    origin,
                    format!(
                        "label {i} is {v}; classes are whole numbers from 0 to {}",
                        MAX_CLASSES - 1
                    ),
                ));
            }
            labels.push(v as u32);
        }
        let k = labels.iter().max().map_or(0, |m| *m as usize + 1);
        super::Target::Classes {
            labels,
            names: (0..k).map(|c| c.to_string()).collect(),
        }
    } else {
        let cols = y.values.len() / rows;
        let ys = ndarray::Array2::from_shape_vec((rows, cols), y.values)
            .map_err(|e| bad(origin, e.to_string()))?;
        super::Target::Values {
            y: ys,
            names: (0..cols).map(|c| format!("y{c}")).collect(),
        }
    };
    Ok(super::Dataset {
        name: origin.to_string(),
        x: xs,
        target,
        input_shape: shape,
        feature_names: Vec::new(),
    })
}

/// The bytes of a `.npy` file (version 1.0, `<f4`, C order) of `values`
/// with `shape`.
pub fn to_bytes(shape: &[usize], values: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_make_a_data_set() {
        let x = NpyArray {
            shape: vec![3, 2, 2],
            values: (0..12).map(|v| v as f32).collect(),
        };
        let y = NpyArray {
            shape: vec![3],
            values: vec![0.0, 2.0, 1.0],
        };
        let d = dataset(x.clone(), y.clone(), true, "t").unwrap();
        assert_eq!(d.input_shape, vec![2, 2]);
        assert_eq!(d.target.classes(), Some(3));
        let v = dataset(x.clone(), y, false, "t").unwrap();
        assert_eq!(v.target.classes(), None);
        let bad_label = NpyArray {
            shape: vec![3],
            values: vec![0.0, 1.5, 1.0],
        };
        assert!(dataset(x.clone(), bad_label, true, "t").is_err());
        let short = NpyArray {
            shape: vec![2],
            values: vec![0.0, 1.0],
        };
        assert!(dataset(x, short, true, "t").is_err());
    }

    #[test]
    fn writes_and_reads_back() {
        let bytes = to_bytes(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, -6.5]);
        assert_eq!((bytes.len() - 24) % 64, 0);
        let a = parse(&bytes, "t").unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, -6.5]);
        let one = parse(&to_bytes(&[3], &[1.0, 2.0, 3.0]), "t").unwrap();
        assert_eq!(one.shape, vec![3]);
    }

    #[test]
    fn refuses_wrong_sizes_types_and_order() {
        let mut bytes = to_bytes(&[2, 3], &[0.0; 6]);
        bytes.pop();
        assert!(parse(&bytes, "t").is_err());
        let text = String::from_utf8_lossy(&to_bytes(&[1], &[0.0])).into_owned();
        assert!(text.contains("'<f4'"));
        let hostile = |h: &str| {
            let mut b = b"\x93NUMPY\x01\x00".to_vec();
            b.extend_from_slice(&(h.len() as u16).to_le_bytes());
            b.extend_from_slice(h.as_bytes());
            b.extend_from_slice(&[0u8; 8]);
            parse(&b, "t")
        };
        assert!(hostile("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }").is_err());
        assert!(hostile("{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }").is_err());
        assert!(
            hostile("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }")
                .is_err()
        );
        let ok = hostile("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }").unwrap();
        assert_eq!(ok.values, vec![0.0, 0.0]);
        let nan = {
            let mut b = to_bytes(&[1], &[0.0]);
            let n = b.len();
            b[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
            parse(&b, "t")
        };
        assert!(nan.is_err());
    }
}
