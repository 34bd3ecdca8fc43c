//! IDX files (MNIST's format), gzipped or not. Headers are checked against
//! the data's length before anything is allocated.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

/// Largest decompressed IDX file read (a full MNIST training set is 47 MB).
pub const MAX_BYTES: u64 = 1 << 30;

/// An IDX array of unsigned bytes: its dimensions and values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first (e.g. `[n, 28, 28]`).
    pub dims: Vec<usize>,
    /// Row-major values.
    pub data: Vec<u8>,
}

/// Why IDX bytes are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdxError {
    /// Not gzip and not IDX, or a type other than unsigned bytes.
    #[error("not an IDX file of unsigned bytes (magic {0:#010x}); expected MNIST's format")]
    Magic(u32),
    /// Fewer bytes than the header promises.
    #[error("the file is cut short: the header promises {expected} bytes of data but {got} follow")]
    Short {
        /// Bytes the header promises.
        expected: u64,
        /// Bytes present.
        got: u64,
    },
    /// Dimensions that multiply past any real data set.
    #[error("the header's dimensions {0:?} are too large")]
    TooLarge(Vec<u64>),
    /// The gzip stream is corrupt.
    #[error("the gzip data is corrupt: {0}")]
    Gzip(String),
}

/// Decompresses if gzipped (magic 1f 8b), reading at most [`MAX_BYTES`].
pub fn decompress(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .take(MAX_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| IdxError::Gzip(e.to_string()))?;
        if out.len() as u64 > MAX_BYTES {
            return Err(IdxError::TooLarge(vec![out.len() as u64]));
        }
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Parses IDX bytes (gzipped or not).
pub fn parse(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    let raw = decompress(bytes)?;
    let head = raw.get(..4).ok_or(IdxError::Short {
        expected: 4,
        got: raw.len() as u64,
    })?;
    let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    // 0x00 0x00, type 0x08 (unsigned byte), then the number of dimensions.
    let ndim = (magic & 0xff) as usize;
    if magic >> 8 != 0x08 || ndim == 0 || ndim > 4 {
        return Err(IdxError::Magic(magic));
    }
    let header = 4 + 4 * ndim;
    let dims_bytes = raw.get(4..header).ok_or(IdxError::Short {
        expected: header as u64,
        got: raw.len() as u64,
    })?;
    let dims: Vec<u64> = dims_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64)
        .collect();
    let total = dims
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .filter(|t| *t <= MAX_BYTES)
        .ok_or_else(|| IdxError::TooLarge(dims.clone()))?;
    let got = (raw.len() - header) as u64;
    if got < total {
        return Err(IdxError::Short {
            expected: total,
            got,
        });
    }
    Ok(IdxArray {
        dims: dims.iter().map(|&d| d as usize).collect(),
        data: raw[header..header + total as usize].to_vec(),
    })
}

/// Reads an IDX file from disk (gzipped or not).
pub fn read(path: &Path) -> Result<IdxArray, super::DataError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| super::DataError::Io {
        path: name.clone(),
        source,
    })?;
    if meta.len() > MAX_BYTES {
        return Err(super::DataError::Format {
            path: name,
            message: format!("the file is {} bytes; the limit is {MAX_BYTES}", meta.len()),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| super::DataError::Io {
        path: name.clone(),
        source,
    })?;
    parse(&bytes).map_err(|e| super::DataError::Format {
        path: name,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            v.extend(d.to_be_bytes());
        }
        v.extend(data);
        v
    }

    #[test]
    fn reads_and_refuses() {
        let a = parse(&idx(&[2, 2], &[1, 2, 3, 4])).unwrap();
        assert_eq!(a.dims, vec![2, 2]);
        assert_eq!(a.data, vec![1, 2, 3, 4]);
        assert!(matches!(
            parse(&idx(&[2, 2], &[1, 2, 3])),
            Err(IdxError::Short {
                expected: 4,
                got: 3
            })
        ));
        assert!(matches!(
            parse(&idx(&[u32::MAX, u32::MAX, u32::MAX], &[])),
            Err(IdxError::TooLarge(_))
        ));
        assert!(matches!(
            parse(&[0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
            Err(IdxError::Magic(_))
        ));
        assert!(parse(&[]).is_err());
        assert!(parse(&[0x1f, 0x8b, 1, 2, 3]).is_err());
        for cut in 0..8 {
            assert!(parse(&idx(&[1, 2], &[9, 9])[..cut]).is_err());
        }
    }
}
