//! Writing files atomically: a temporary file in the same folder, flushed
//! to disk, then renamed over the target, so a failed save never leaves a
//! half-written file or loses the previous one.

use std::io::Write;
use std::path::Path;

use crate::model::Project;

use super::ProjectError;
use super::convert::to_file;

/// The project as RON text (deterministic: same project, same bytes).
///
/// # Errors
/// Only if serialisation fails, which valid projects never do.
pub fn to_string(project: &Project) -> Result<String, ProjectError> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(3)
        .indentor("    ".to_string())
        .struct_names(false);
    let mut s = ron::ser::to_string_pretty(&to_file(project), config)
        .map_err(|e| ProjectError::Serialize(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// Writes `bytes` to `path` atomically.
///
/// # Errors
/// [`ProjectError::Io`] when the folder cannot be written; the previous
/// file, if any, is then untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let io = |source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Saves a project atomically.
///
/// # Errors
/// As [`write_atomic`].
pub fn save(project: &Project, path: &Path) -> Result<(), ProjectError> {
    write_atomic(path, to_string(project)?.as_bytes())
}
