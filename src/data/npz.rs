//! NumPy's `.npz`: a ZIP archive of `.npy` members, as `np.savez` (stored)
//! and `np.savez_compressed` (deflated) write it. The `zip` crate reads the
//! archive's structure (end record, ZIP64, central directory, local
//! headers); the members' bytes are inflated here so that every member used
//! is checked against the same limit as a `.npy` file ([`MAX_NPY_BYTES`])
//! before it is inflated, inflating stops one byte past the declared size,
//! and its CRC-32 must match. Names are matched exactly (`x.npy`, or `x`),
//! so a member called `../x.npy` or `dir/x.npy` is never taken for `x`;
//! nothing is ever written from an archive.

use std::io::{Cursor, Read};
use std::path::Path;

use zip::CompressionMethod;
use zip::ZipArchive;

use super::DataError;
use super::file::open_regular;
use super::npy::{self, MAX_NPY_BYTES, NpyArray};

/// Most members an archive may list.
pub const MAX_MEMBERS: usize = 10_000;

fn bad(path: &str, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_string(),
        message: message.into(),
    }
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
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        bad(
            name,
            format!("not a NumPy .npz file ({e}); save it with np.savez"),
        )
    })?;
    if archive.len() > MAX_MEMBERS {
        return Err(bad(
            name,
            format!(
                "the archive lists {} members; the limit is {MAX_MEMBERS}",
                archive.len()
            ),
        ));
    }
    let names: Vec<String> = archive
        .file_names_raw()
        .map(|raw| String::from_utf8_lossy(raw).into_owned())
        .collect();
    let (ix, iy) = (find(&names, "x", name)?, find(&names, "y", name)?);
    let declared = |archive: &mut ZipArchive<Cursor<&[u8]>>, i: usize| {
        archive
            .by_index_raw(i)
            .map(|m| m.size())
            .map_err(|e| bad(name, format!("a member of the archive is damaged ({e})")))
    };
    let total = declared(&mut archive, ix)?.saturating_add(declared(&mut archive, iy)?);
    if total > MAX_NPY_BYTES {
        return Err(bad(
            name,
            format!(
                "x and y unpack to {}; the limit is {}",
                super::file::human(total),
                super::file::human(MAX_NPY_BYTES)
            ),
        ));
    }
    let x_bytes = extract(&mut archive, ix, name)?;
    let y_bytes = extract(&mut archive, iy, name)?;
    let x = npy::parse(&x_bytes, &format!("{name}: x"))?;
    let y = npy::parse(&y_bytes, &format!("{name}: y"))?;
    Ok((x, y))
}

/// The index of the one member holding array `key` (`key.npy`, or `key`).
fn find(names: &[String], key: &str, name: &str) -> Result<usize, DataError> {
    let file = format!("{key}.npy");
    let hits: Vec<usize> = (0..names.len())
        .filter(|&i| names[i] == file || names[i] == key)
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(bad(
            name,
            format!(
                "the archive has no array `{key}` (it has: {}); save it with np.savez(file, x=inputs, y=labels)",
                list(names)
            ),
        )),
        _ => Err(bad(name, format!("the archive has `{key}` twice"))),
    }
}

fn list(names: &[String]) -> String {
    let mut shown: Vec<&str> = names.iter().take(12).map(String::as_str).collect();
    if names.len() > 12 {
        shown.push("…");
    }
    if shown.is_empty() {
        "nothing".into()
    } else {
        shown.join(", ")
    }
}

/// The uncompressed bytes of member `index`, checked against its declared
/// size and CRC; its declared size is checked against the limit before
/// anything is inflated.
fn extract(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    name: &str,
) -> Result<Vec<u8>, DataError> {
    let mut member = archive
        .by_index_raw(index)
        .map_err(|e| bad(name, format!("a member of the archive is damaged ({e})")))?;
    let member_name = String::from_utf8_lossy(member.name_raw()).into_owned();
    let what = |s: &str| bad(name, format!("member `{member_name}`: {s}"));
    if member.encrypted() {
        return Err(what("it is encrypted; save the arrays without a password"));
    }
    let (size, crc, method) = (member.size(), member.crc32(), member.compression());
    if size > MAX_NPY_BYTES {
        return Err(what(&format!(
            "it unpacks to {}; the limit is {}",
            super::file::human(size),
            super::file::human(MAX_NPY_BYTES)
        )));
    }
    let mut stored = Vec::with_capacity(member.compressed_size().min(1 << 24) as usize);
    member
        .read_to_end(&mut stored)
        .map_err(|e| what(&format!("its data cannot be read ({e})")))?;
    let data = match method {
        CompressionMethod::Stored => {
            if stored.len() as u64 != size {
                return Err(what("stored, but its two sizes differ"));
            }
            stored
        }
        CompressionMethod::Deflated => {
            let mut out = Vec::with_capacity(size.min(1 << 24) as usize);
            flate2::read::DeflateDecoder::new(stored.as_slice())
                .take(size + 1)
                .read_to_end(&mut out)
                .map_err(|e| what(&format!("its compressed data is corrupt ({e})")))?;
            if out.len() as u64 != size {
                return Err(what(&format!(
                    "it unpacks to {} bytes, not the {size} the archive declares",
                    if out.len() as u64 > size {
                        format!("more than {size}")
                    } else {
                        out.len().to_string()
                    },
                )));
            }
            out
        }
        other => {
            #[allow(deprecated)]
            let code = other.to_u16();
            return Err(what(&format!(
                "compression method {code} is not read (only stored and deflated, as np.savez and np.savez_compressed write)"
            )));
        }
    };
    if crc32fast::hash(&data) != crc {
        return Err(what("its CRC-32 does not match: the archive is damaged"));
    }
    Ok(data)
}

#[cfg(test)]
#[path = "npz_tests.rs"]
mod tests;
