//! NumPy's `.npz`: a ZIP archive of `.npy` members, as `np.savez` (stored)
//! and `np.savez_compressed` (deflated) write it. Only the central
//! directory is trusted for names and sizes; every member used is checked
//! against the same limit as a `.npy` file ([`MAX_NPY_BYTES`]) before it is
//! inflated, inflating stops one byte past the declared size, and its
//! CRC-32 must match. Names are matched exactly (`x.npy`, or `x`), so a
//! member called `../x.npy` or `dir/x.npy` is never taken for `x`; nothing
//! is ever written from an archive.

use std::io::Read;
use std::path::Path;

use super::DataError;
use super::file::open_regular;
use super::npy::{self, MAX_NPY_BYTES, NpyArray};

/// Most members an archive may list.
pub const MAX_MEMBERS: usize = 10_000;

const EOCD: u32 = 0x0605_4b50;
const EOCD64_LOCATOR: u32 = 0x0706_4b50;
const EOCD64: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

/// One member as the central directory lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its name in the archive.
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// General-purpose flags (bit 0: encrypted).
    pub flags: u16,
    /// CRC-32 of the uncompressed bytes.
    pub crc: u32,
    /// Bytes stored.
    pub compressed: u64,
    /// Bytes once inflated.
    pub size: u64,
    /// Where its local header starts.
    pub offset: u64,
}

fn bad(path: &str, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_string(),
        message: message.into(),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Reads `x` and `y` from a `.npz` file.
///
/// # Errors
/// [`DataError`] for an unreadable or oversized file, an archive that is
/// not a well-formed ZIP, a member missing, encrypted, compressed other
/// than stored or deflated, larger than [`MAX_NPY_BYTES`] or not matching
/// its CRC, and any error of the `.npy` inside.
pub fn read_xy(path: &Path) -> Result<(NpyArray, NpyArray), DataError> {
    let name = path.display().to_string();
    let (mut reader, _) = open_regular(path, MAX_NPY_BYTES)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })?;
    parse_xy(&bytes, &name)
}

/// [`read_xy`] on the bytes of the archive; `name` names it in errors.
///
/// # Errors
/// As [`read_xy`].
pub fn parse_xy(bytes: &[u8], name: &str) -> Result<(NpyArray, NpyArray), DataError> {
    let members = members(bytes, name)?;
    let (mx, my) = (find(&members, "x", name)?, find(&members, "y", name)?);
    if mx.size.saturating_add(my.size) > MAX_NPY_BYTES {
        return Err(bad(
            name,
            format!(
                "x and y unpack to {}; the limit is {}",
                super::file::human(mx.size.saturating_add(my.size)),
                super::file::human(MAX_NPY_BYTES)
            ),
        ));
    }
    let x = npy::parse(&extract(bytes, mx, name)?, &format!("{name}: x"))?;
    let y = npy::parse(&extract(bytes, my, name)?, &format!("{name}: y"))?;
    Ok((x, y))
}

/// The one member holding array `key` (`key.npy`, or `key`).
fn find<'a>(members: &'a [Member], key: &str, name: &str) -> Result<&'a Member, DataError> {
    let file = format!("{key}.npy");
    let hits: Vec<&Member> = members
        .iter()
        .filter(|m| m.name == file || m.name == key)
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(bad(
            name,
            format!(
                "the archive has no array `{key}` (it has: {}); save it with np.savez(file, x=inputs, y=labels)",
                list(members)
            ),
        )),
        _ => Err(bad(name, format!("the archive has `{key}` twice"))),
    }
}

fn list(members: &[Member]) -> String {
    let mut names: Vec<&str> = members.iter().take(12).map(|m| m.name.as_str()).collect();
    if members.len() > 12 {
        names.push("…");
    }
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// The members listed in the archive's central directory.
///
/// # Errors
/// [`DataError::Format`] when there is no end record, the directory lies
/// outside the file, an entry is cut short, or there are more than
/// [`MAX_MEMBERS`] entries.
pub fn members(bytes: &[u8], name: &str) -> Result<Vec<Member>, DataError> {
    let not_zip = || {
        bad(
            name,
            "not a NumPy .npz file (no ZIP end record); save it with np.savez",
        )
    };
    // The end record is in the last 22 + 65,535 bytes (its comment).
    let from = bytes.len().saturating_sub(22 + 0xFFFF);
    let eocd = (from..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(EOCD))
        .ok_or_else(not_zip)?;
    let short = || bad(name, "the archive is cut short");
    let mut count = u64::from(u16_at(bytes, eocd + 10).ok_or_else(short)?);
    let mut dir_size = u64::from(u32_at(bytes, eocd + 12).ok_or_else(short)?);
    let mut dir_at = u64::from(u32_at(bytes, eocd + 16).ok_or_else(short)?);
    // ZIP64: the locator just before the end record points at the real one.
    if eocd >= 20 && u32_at(bytes, eocd - 20) == Some(EOCD64_LOCATOR) {
        let at = u64_at(bytes, eocd - 12).ok_or_else(short)?;
        let at = usize::try_from(at).map_err(|_| short())?;
        if u32_at(bytes, at) != Some(EOCD64) {
            return Err(bad(
                name,
                "the ZIP64 end record is not where it is said to be",
            ));
        }
        count = u64_at(bytes, at + 32).ok_or_else(short)?;
        dir_size = u64_at(bytes, at + 40).ok_or_else(short)?;
        dir_at = u64_at(bytes, at + 48).ok_or_else(short)?;
    }
    if count > MAX_MEMBERS as u64 {
        return Err(bad(
            name,
            format!("the archive lists {count} members; the limit is {MAX_MEMBERS}"),
        ));
    }
    let end = dir_at
        .checked_add(dir_size)
        .filter(|&e| e <= bytes.len() as u64)
        .ok_or_else(|| bad(name, "the archive's directory lies outside the file"))?;
    let mut at = dir_at as usize;
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if u32_at(bytes, at) != Some(CENTRAL) {
            return Err(bad(name, "a directory entry of the archive is damaged"));
        }
        let flags = u16_at(bytes, at + 8).ok_or_else(short)?;
        let method = u16_at(bytes, at + 10).ok_or_else(short)?;
        let crc = u32_at(bytes, at + 16).ok_or_else(short)?;
        let mut compressed = u64::from(u32_at(bytes, at + 20).ok_or_else(short)?);
        let mut size = u64::from(u32_at(bytes, at + 24).ok_or_else(short)?);
        let name_len = usize::from(u16_at(bytes, at + 28).ok_or_else(short)?);
        let extra_len = usize::from(u16_at(bytes, at + 30).ok_or_else(short)?);
        let comment_len = usize::from(u16_at(bytes, at + 32).ok_or_else(short)?);
        let mut offset = u64::from(u32_at(bytes, at + 42).ok_or_else(short)?);
        let name_bytes = bytes.get(at + 46..at + 46 + name_len).ok_or_else(short)?;
        let extra = bytes
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or_else(short)?;
        // ZIP64 extra field: the values that are 0xFFFFFFFF above, in order.
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e).ok_or_else(short)?;
            let len = usize::from(u16_at(extra, e + 2).ok_or_else(short)?);
            let body = extra.get(e + 4..e + 4 + len).ok_or_else(short)?;
            if id == 1 {
                let mut k = 0;
                for v in [&mut size, &mut compressed, &mut offset] {
                    if *v == 0xFFFF_FFFF {
                        *v = u64_at(body, k).ok_or_else(short)?;
                        k += 8;
                    }
                }
            }
            e += 4 + len;
        }
        out.push(Member {
            name: String::from_utf8_lossy(name_bytes).into_owned(),
            method,
            flags,
            crc,
            compressed,
            size,
            offset,
        });
        at += 46 + name_len + extra_len + comment_len;
        if at as u64 > end {
            return Err(short());
        }
    }
    Ok(out)
}

/// The uncompressed bytes of `m`, checked against its size and CRC.
fn extract(bytes: &[u8], m: &Member, name: &str) -> Result<Vec<u8>, DataError> {
    let what = |s: &str| bad(name, format!("member `{}`: {s}", m.name));
    if m.flags & 1 != 0 {
        return Err(what("it is encrypted; save the arrays without a password"));
    }
    if m.size > MAX_NPY_BYTES {
        return Err(what(&format!(
            "it unpacks to {}; the limit is {}",
            super::file::human(m.size),
            super::file::human(MAX_NPY_BYTES)
        )));
    }
    let at = usize::try_from(m.offset).map_err(|_| what("its offset is past the file"))?;
    if u32_at(bytes, at) != Some(LOCAL) {
        return Err(what("its header is not where the directory says"));
    }
    let name_len = usize::from(u16_at(bytes, at + 26).ok_or_else(|| what("cut short"))?);
    let extra_len = usize::from(u16_at(bytes, at + 28).ok_or_else(|| what("cut short"))?);
    let start = at + 30 + name_len + extra_len;
    let stored = usize::try_from(m.compressed)
        .ok()
        .and_then(|c| start.checked_add(c))
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| what("its data runs past the end of the file"))?;
    let data = match m.method {
        0 => {
            if m.compressed != m.size {
                return Err(what("stored, but its two sizes differ"));
            }
            stored.to_vec()
        }
        8 => {
            let mut out = Vec::with_capacity(m.size.min(1 << 24) as usize);
            flate2::read::DeflateDecoder::new(stored)
                .take(m.size + 1)
                .read_to_end(&mut out)
                .map_err(|e| what(&format!("its compressed data is corrupt ({e})")))?;
            if out.len() as u64 != m.size {
                return Err(what(&format!(
                    "it unpacks to {} bytes, not the {} the archive declares",
                    if out.len() as u64 > m.size {
                        format!("more than {}", m.size)
                    } else {
                        out.len().to_string()
                    },
                    m.size
                )));
            }
            out
        }
        other => {
            return Err(what(&format!(
                "compression method {other} is not read (only stored and deflated, as np.savez and np.savez_compressed write)"
            )));
        }
    };
    if crc32fast::hash(&data) != m.crc {
        return Err(what("its CRC-32 does not match: the archive is damaged"));
    }
    Ok(data)
}

#[cfg(test)]
#[path = "npz_tests.rs"]
mod tests;
