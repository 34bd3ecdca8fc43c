//! Opening data files: regular files only (never a FIFO, a device such as
//! `/dev/zero`, or a folder, also not through a symlink), with a size limit
//! checked before reading and again while reading (the file may grow).

use std::io::Read;
use std::path::Path;

use super::DataError;

/// What kind of thing a path names, for messages.
pub fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// A reader that fails once more than `limit` bytes came through it.
pub struct Bounded<R> {
    inner: std::io::Take<R>,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(format!(
                "the file grew past the limit of {} while being read",
                human(self.limit)
            )));
        }
        Ok(n)
    }
}

/// Bytes in a readable unit ("1.0 GB", "78 KB").
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} KB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

/// Opens `path` for reading if it is a regular file (after following
/// symlinks) of at most `limit` bytes; returns the reader, which also stops
/// past `limit`, and the file's size.
///
/// # Errors
/// [`DataError::Io`] if it cannot be opened, [`DataError::Format`] if it is
/// not a regular file or is larger than `limit`.
pub fn open_regular(path: &Path, limit: u64) -> Result<(Bounded<std::fs::File>, u64), DataError> {
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let not_regular = |meta: &std::fs::Metadata| DataError::Format {
        path: name.clone(),
        message: format!(
            "this is {}, not a regular file; give the path of a data file",
            kind(meta)
        ),
    };
    // Checked before opening: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // And again on what was opened (the path may have changed meanwhile).
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    if meta.len() > limit {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "the file is {}; the limit is {}",
                human(meta.len()),
                human(limit)
            ),
        });
    }
    Ok((
        Bounded {
            inner: file.take(limit.saturating_add(1)),
            read: 0,
            limit,
        },
        meta.len(),
    ))
}

/// Memory the system says is available, where it says (Linux).
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
