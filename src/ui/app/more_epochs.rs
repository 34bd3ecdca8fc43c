//! "Train N more epochs" on a finished run: the current design from the
//! finished run's last checkpoint, for N epochs, recorded as its child
//! (as "Continue from here" does).

use crate::runs::record::Parent;

use super::{Launch, NeuroglassApp};

impl NeuroglassApp {
    /// Continues the finished run for `epochs` more epochs from its last
    /// recorded weights. The finished run is found among the listed
    /// records: written by this process, ended, at the step the window saw
    /// last. Said in the status bar when it is not (yet) listed.
    pub(in crate::ui) fn more_epochs(&mut self, epochs: usize) {
        let Some(last) = self.run.history.steps.last().map(|s| s.step) else {
            self.say("nothing was trained yet: press Train");
            return;
        };
        let pid = std::process::id();
        let found = self
            .runs
            .entries
            .iter()
            .filter(|e| {
                let f = &e.record.file;
                f.pid == pid && f.stopped.is_some() && f.steps == last
            })
            .max_by_key(|e| e.record.file.started_unix)
            .and_then(|e| {
                let c = e.record.checkpoint_entry(None).ok()?;
                (c.step == last).then(|| (e.id().to_string(), e.record.checkpoint_path(c.step)))
            });
        let Some((run, weights)) = found else {
            self.say(
                "the finished run's record is not listed yet (or kept no last checkpoint): try again in a moment, or use Runs ▸ Continue from here",
            );
            return;
        };
        let mut project = self.doc.project.clone();
        project.training.epochs = epochs.max(1);
        self.runs.timeline.close();
        self.launch(Launch {
            project,
            weights: Some(weights),
            parent: Some(Parent { run, step: last }),
            paused: false,
            steps: 0,
        });
    }
}
