//! Changes to a live run: settings from the next batch on, and structural
//! edits that keep the learned weights ([`Session::restructure`]); each is
//! answered with an `Edited` event and written into the run's record.
//!
//! [`Session::restructure`]: super::Session::restructure

use super::live::Run;
use super::outbox::Outbox;
use super::protocol::TrainerEvent;
use crate::model::{Project, TrainConfig};

/// How a structural edit's text starts in a run's record (settings start
/// `settings: `, data `data: `): checkpoints after one hold another network
/// than the record's project.
pub const NETWORK: &str = "network: ";

/// Applies changed settings to the run and says what changed.
pub(super) fn settings(run: &mut Run, config: TrainConfig, out: &mut Outbox) {
    let said = run.session.apply_config(config);
    if said.is_empty() {
        return;
    }
    let what = said.join("; ");
    if let Some(rec) = run.recorder.as_mut() {
        rec.edit(run.step, &format!("settings: {what}"), None);
    }
    out.push(TrainerEvent::Edited {
        step: run.step,
        what,
        result: "settings applied from the next batch".into(),
        layers: Vec::new(),
    });
}

/// Replaces the run's data, or refuses with the reason.
pub(super) fn data(
    run: &mut Run,
    spec: &crate::model::DataSpec,
    dir: Option<&std::path::Path>,
    out: &mut Outbox,
) {
    match run.session.replace_data(spec, dir) {
        Ok(what) => {
            if let Some(rec) = run.recorder.as_mut() {
                rec.edit(run.step, &what, None);
            }
            run.best = None;
            run.since_best = 0;
            run.snapshot_wanted = true;
            out.push(TrainerEvent::Edited {
                step: run.step,
                what,
                result: "data applied from the next batch".into(),
                layers: Vec::new(),
            });
        }
        Err(e) => out.push(TrainerEvent::EditRefused {
            reason: e.to_string(),
        }),
    }
}

/// Applies a structural edit to the run, or refuses it with the reason.
pub(super) fn restructure(run: &mut Run, project: &Project, what: String, out: &mut Outbox) {
    match run.session.restructure(project) {
        Ok(outcome) => {
            let result = outcome.summary();
            if let Some(rec) = run.recorder.as_mut() {
                rec.edit(
                    run.step,
                    &format!("{NETWORK}{what}: {result}"),
                    Some(project),
                );
            }
            // Settings that came with the project apply too.
            let said = run.session.apply_config(project.training.clone());
            let what = if said.is_empty() {
                what
            } else {
                format!("{what}; {}", said.join("; "))
            };
            // Early stopping compares with losses of another network.
            run.best = None;
            run.since_best = 0;
            run.snapshot_wanted = true;
            out.push(TrainerEvent::Edited {
                step: run.step,
                what,
                result,
                layers: outcome.report.lines(),
            });
        }
        Err(e) => out.push(TrainerEvent::EditRefused {
            reason: e.to_string(),
        }),
    }
}

/// One applied change, as a watcher keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEdit {
    /// The step after which it took effect.
    pub step: u64,
    /// The change in words.
    pub what: String,
    /// What it did.
    pub result: String,
    /// Layer by layer.
    pub layers: Vec<String>,
}

/// What a watcher knows of a run's changes: those applied, and the latest
/// one refused (with the reason), for the window to show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveEdits {
    /// Applied, in order.
    pub applied: Vec<LiveEdit>,
    /// The latest refusal's reason, until the next applied change or until
    /// the window takes it.
    pub refused: Option<String>,
    /// How many of `applied` the window has said (its bookkeeping).
    pub shown: usize,
    /// The training settings last sent to the run (the window's
    /// bookkeeping, so it sends only changes).
    pub sent: Option<crate::model::TrainConfig>,
    /// The data settings last sent to the run (likewise).
    pub sent_data: Option<crate::model::DataSpec>,
}

impl LiveEdits {
    /// Takes an `Edited` or `EditRefused` event (others are ignored).
    pub fn take(&mut self, event: TrainerEvent) {
        match event {
            TrainerEvent::Edited {
                step,
                what,
                result,
                layers,
            } => {
                self.refused = None;
                self.applied.push(LiveEdit {
                    step,
                    what,
                    result,
                    layers,
                });
            }
            TrainerEvent::EditRefused { reason } => self.refused = Some(reason),
            _ => {}
        }
    }

    /// The latest applied change.
    pub fn last(&self) -> Option<&LiveEdit> {
        self.applied.last()
    }
}
