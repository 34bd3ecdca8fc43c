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
    parse_reader(bytes, MAX_BYTES).map_err(|e| match e {
        ReadError::Idx(e) => e,
        ReadError::Io(e) => IdxError::Gzip(e.to_string()),
    })
}

/// Why reading an IDX stream failed.
#[derive(Debug)]
pub enum ReadError {
    /// The content is wrong.
    Idx(IdxError),
    /// The reader failed (a file that grew past its limit, a disk error).
    Io(std::io::Error),
}

impl From<IdxError> for ReadError {
    fn from(e: IdxError) -> Self {
        Self::Idx(e)
    }
}

/// Reads IDX data (gzipped or not) from a stream: the header first, then
/// exactly the bytes it promises, at most `limit` — never more, so a sparse
/// file or a gzip bomb behind a small header costs only what it promises,
/// and a header promising more than `limit` is refused before reading on.
pub fn parse_reader<R: Read>(mut r: R, limit: u64) -> Result<IdxArray, ReadError> {
    let mut head = [0u8; 2];
    let got = read_full(&mut r, &mut head).map_err(ReadError::Io)?;
    let rest = std::io::Cursor::new(head[..got].to_vec()).chain(r);
    let gz = got == 2 && head == [0x1f, 0x8b];
    let mut inner: Box<dyn Read> = if gz {
        Box::new(GzDecoder::new(rest))
    } else {
        Box::new(rest)
    };
    let io = |e: std::io::Error| {
        if gz && e.kind() != std::io::ErrorKind::Other {
            ReadError::Idx(IdxError::Gzip(e.to_string()))
        } else {
            ReadError::Io(e)
        }
    };
    let mut magic = [0u8; 4];
    let n = read_full(&mut inner, &mut magic).map_err(io)?;
    if n < 4 {
        return Err(IdxError::Short {
            expected: 4,
            got: n as u64,
        }
        .into());
    }
    let magic = u32::from_be_bytes(magic);
    // 0x00 0x00, type 0x08 (unsigned byte), then the number of dimensions.
    let ndim = (magic & 0xff) as usize;
    if magic >> 8 != 0x08 || ndim == 0 || ndim > 4 {
        return Err(IdxError::Magic(magic).into());
    }
    let mut dims_bytes = vec![0u8; 4 * ndim];
    let n = read_full(&mut inner, &mut dims_bytes).map_err(io)?;
    if n < dims_bytes.len() {
        return Err(IdxError::Short {
            expected: (4 + 4 * ndim) as u64,
            got: (4 + n) as u64,
        }
        .into());
    }
    let dims: Vec<u64> = dims_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64)
        .collect();
    let total = dims
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .filter(|t| *t <= limit.min(MAX_BYTES))
        .ok_or_else(|| IdxError::TooLarge(dims.clone()))?;
    let mut data = Vec::with_capacity(usize::try_from(total).unwrap_or(0).min(1 << 26));
    inner
        .by_ref()
        .take(total)
        .read_to_end(&mut data)
        .map_err(io)?;
    if (data.len() as u64) < total {
        return Err(IdxError::Short {
            expected: total,
            got: data.len() as u64,
        }
        .into());
    }
    Ok(IdxArray {
        dims: dims.iter().map(|&d| d as usize).collect(),
        data,
    })
}

/// Reads until `buf` is full or the stream ends; how many bytes came.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads an IDX file from disk (gzipped or not): a regular file only, of at
/// most [`MAX_BYTES`] on disk, whose header promises at most that much and
/// — bytes at one per value, four once converted — no more than a quarter
/// of the memory available.
pub fn read(path: &Path) -> Result<IdxArray, super::DataError> {
    let name = path.display().to_string();
    let (reader, _) = super::file::open_regular(path, MAX_BYTES)?;
    let limit = super::file::available_memory().map_or(MAX_BYTES, |a| (a / 5).min(MAX_BYTES));
    parse_reader(std::io::BufReader::new(reader), limit).map_err(|e| match e {
        ReadError::Idx(IdxError::TooLarge(dims)) => super::DataError::Format {
            path: name,
            message: format!(
                "the header's dimensions {dims:?} promise more data than can be loaded (at most {}, and a fifth of the available memory)",
                super::file::human(limit)
            ),
        },
        ReadError::Idx(e) => super::DataError::Format {
            path: name,
            message: e.to_string(),
        },
        ReadError::Io(source) => super::DataError::Io { path: name, source },
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
