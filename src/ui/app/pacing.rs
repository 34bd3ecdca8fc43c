//! Pace follows the run once a frame also when the train panel (which
//! ticks it while drawn) is hidden, e.g. in a layout without the side
//! panel: eframe's `logic` calls [`NeuroglassApp::pace_step`].

use std::time::{Duration, Instant};

use crate::ui::command::Command;
use crate::ui::pace::{self, RunView};

use super::NeuroglassApp;

impl NeuroglassApp {
    /// Ticks the pacer (see `ui::pace`) and applies its pause. Ticking
    /// twice in a frame is harmless: the pause is computed again only
    /// every quarter second.
    pub(super) fn pace_step(&mut self) {
        let Some(secs) = self.controls.pace else {
            return;
        };
        let view = RunView::with_estimate(&self.run, &self.doc.project);
        let target = Duration::from_secs(secs.into());
        if let Some(p) = pace::tick(self.controls.pacer.as_ref(), target, view, Instant::now()) {
            self.apply(Command::Pace(p));
        }
    }
}
