//! `train --weights W`: starting a run from the weights of this network or
//! of a related one (layers matched by node id and shape, widened where the
//! new layer is wider), and saying what was kept, grown and new.

use std::path::Path;

use crate::model::Graph;
use crate::surgery::Fate;
use crate::trainer::Session;

use super::check::UNREADABLE;

/// Loads `path` into `session`: exactly when it fits, else through
/// [`Session::start_from_related`]; prints the matches (on stderr with
/// `--json`, so the JSON lines stay clean).
///
/// # Errors
/// The file cannot be read (exit 2).
pub fn start_from(
    session: &mut Session,
    graph: &Graph,
    path: &Path,
    json: bool,
) -> Result<(), (u8, String)> {
    let entries = crate::project::weights::load_weights(path)
        .map_err(|e| (UNREADABLE, format!("--weights: {e}")))?;
    let report = session.start_from_related(&entries, graph);
    let counts = report.counts();
    let say = |line: String| {
        if json {
            super::out::error(line);
        } else {
            super::out::line(line);
        }
    };
    say(format!("weights from {}: {counts}", path.display()));
    for l in report.layers.iter().filter(|l| l.has_params) {
        let word = match &l.fate {
            Fate::Kept | Fate::InputsChanged => "kept",
            Fate::Grown { .. } => "grown",
            Fate::Narrowed { .. } => "narrowed",
            Fate::Identity | Fate::Fresh | Fate::Reset(_) => "new",
        };
        say(format!("  {word}: {l}"));
    }
    Ok(())
}
