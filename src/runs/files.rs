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
