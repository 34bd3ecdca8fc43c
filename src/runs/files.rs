//! File names inside a run folder, bounded reading, and small helpers.

use std::path::Path;

use super::RunsError;

/// The manifest.
pub const MANIFEST: &str = "run.ron";
/// The project as trained.
pub const PROJECT: &str = "project.ron";
/// Every step's loss.
pub const STEPS: &str = "steps.csv";
/// Each epoch's metrics.
pub const EPOCHS: &str = "epochs.csv";

/// Largest manifest read (checkpoints and edits are short lists).
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Largest CSV file read (about ten million steps).
pub const MAX_CSV_BYTES: u64 = 512 << 20;

/// Reads a text file of at most `limit` bytes (checked before reading).
pub fn read_text(path: &Path, limit: u64) -> Result<String, RunsError> {
    Ok(crate::project::load::read_text_bounded(path, limit)?)
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it is
/// written and renamed over it, so a reader (or a process killed midway)
/// sees the old file or the new, never half of one. Not synced to disk —
/// the writer syncs once at the end of a run ([`sync`]), so recording does
/// not wait on the disk at every checkpoint.
pub fn write_replace(path: &Path, bytes: &[u8]) -> Result<(), RunsError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(RunsError::io(path, e));
    }
    Ok(())
}

/// Flushes a file and its folder to disk (best effort).
pub fn sync(path: &Path) {
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.sync_all();
    }
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Tensors as the bytes of a `.safetensors` file (F32, little endian),
/// the format `project::load_weights` reads.
pub fn safetensors_bytes(
    path: &Path,
    tensors: &[crate::project::NamedTensor],
) -> Result<Vec<u8>, RunsError> {
    use safetensors::{Dtype, tensor::TensorView};
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((name, shape, _), bytes) in tensors.iter().zip(&data) {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes)
            .map_err(|e| RunsError::invalid(path, format!("tensor {name:?}: {e}")))?;
        views.push((name.as_str(), view));
    }
    safetensors::serialize(views, None).map_err(|e| RunsError::invalid(path, e.to_string()))
}

/// Whether the process `pid` still runs (on Linux; elsewhere only this
/// process is known to be alive).
pub fn process_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    if pid == std::process::id() {
        return true;
    }
    cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists()
}

/// A folder-name form of free text: lower-case letters, digits and `-`
/// (`"Two spirals"` → `two-spirals`), never empty.
pub fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 48 {
            break;
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "untitled".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Two spirals"), "two-spirals");
        assert_eq!(slug("8×8 digits (MLP)"), "8-8-digits-mlp");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug(""), "untitled");
    }
}
