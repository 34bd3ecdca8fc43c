//! Where the program keeps its own files for the user: the per-user data
//! directory (recovery files of projects that cannot keep one beside
//! themselves, run records of such projects), and stable names derived
//! from a project's path.

use std::path::{Path, PathBuf};

/// The environment variable that overrides the user's data directory
/// (for tests and portable installs).
pub const DATA_DIR_ENV: &str = "NEUROGLASS_DATA_DIR";

/// The user's data directory for Neuroglass: `$NEUROGLASS_DATA_DIR`, else
/// `$XDG_DATA_HOME/neuroglass` or `~/.local/share/neuroglass` (Linux and
/// other Unix), `~/Library/Application Support/Neuroglass` (macOS),
/// `%APPDATA%\Neuroglass` (Windows). `None` when the environment names no
/// home or data directory.
pub fn data_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = var(DATA_DIR_ENV) {
        return Some(d);
    }
    if cfg!(windows) {
        return var("APPDATA").map(|d| d.join("Neuroglass"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|h| h.join("Library/Application Support/Neuroglass"));
    }
    var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("neuroglass"))
}

/// FNV-1a of `bytes`: a stable hash (the same in every build and run) to
/// name a project's files in the data directory after its path.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// [`stable_hash`] of `p` made absolute.
pub fn path_hash(p: &Path) -> u64 {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    stable_hash(abs.as_os_str().as_encoded_bytes())
}
