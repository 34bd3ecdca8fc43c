//! [`Run`]: one live run on the trainer thread — its session, where it
//! is in the data, the epoch's running numbers, snapshots within their
//! time budget, and the recorder's hooks.

use std::time::{Duration, Instant};

use super::diverge::{exploded, typed_lr};
use super::error::SessionError;
use super::history::{EpochMetrics, StepPoint};
use super::outbox::Outbox;
use super::protocol::{FinishReason, Progress, TrainerEvent};
use super::session::Session;
use super::worker::PROGRESS_INTERVAL;

/// Snapshots may take at most this share of training time (8 %, leaving
/// room under the 10 % promise for sending and receiving them).
const SNAPSHOT_BUDGET: f64 = 0.08;

/// One live run: its session and where the loop is in it.
pub(super) struct Run {
    pub(super) session: Box<Session>,
    pub(super) paused: bool,
    pub(super) steps_left: Option<usize>,
    pub(super) in_epoch: bool,
    pub(super) epoch: usize,
    pub(super) step: u64,
    pub(super) active: Duration,
    pub(super) resumed_at: Option<Instant>,
    pub(super) epoch_loss_sum: f64,
    pub(super) epoch_batches: usize,
    pub(super) epoch_started: Instant,
    pub(super) progress: Vec<StepPoint>,
    pub(super) last_progress: Instant,
    pub(super) samples_since: usize,
    pub(super) best: Option<(usize, f64)>,
    pub(super) since_best: usize,
    pub(super) last: Option<EpochMetrics>,
    pub(super) snapshot_wanted: bool,
    pub(super) watches_snapshots: bool,
    pub(super) step_delay: Duration,
    pub(super) snapshot_cost: Duration,
    pub(super) last_snapshot: Instant,
    /// The first finite batch loss, the baseline for divergence.
    pub(super) first_loss: Option<f64>,
    pub(super) recorder: Option<super::record::Recorder>,
}

impl Run {
    pub(super) fn new(session: Box<Session>, paused: bool) -> Self {
        let now = Instant::now();
        Self {
            session,
            paused,
            steps_left: None,
            in_epoch: false,
            epoch: 0,
            step: 0,
            active: Duration::ZERO,
            resumed_at: (!paused).then_some(now),
            epoch_loss_sum: 0.0,
            epoch_batches: 0,
            epoch_started: now,
            progress: Vec::new(),
            last_progress: now,
            samples_since: 0,
            best: None,
            since_best: 0,
            last: None,
            snapshot_wanted: false,
            watches_snapshots: false,
            step_delay: Duration::ZERO,
            snapshot_cost: Duration::ZERO,
            last_snapshot: now,
            first_loss: None,
            recorder: None,
        }
    }

    pub(super) fn seconds(&self) -> f64 {
        (self.active + self.resumed_at.map_or(Duration::ZERO, |t| t.elapsed())).as_secs_f64()
    }

    pub(super) fn pause(&mut self, out: &mut Outbox) {
        if !self.paused {
            self.flush_progress(out);
            if let Some(t) = self.resumed_at.take() {
                self.active += t.elapsed();
            }
            self.paused = true;
            out.push(TrainerEvent::Paused { step: self.step });
        }
    }

    pub(super) fn resume(&mut self, out: &mut Outbox) {
        if self.paused {
            self.paused = false;
            self.resumed_at = Some(Instant::now());
            self.last_progress = Instant::now();
            self.samples_since = 0;
            out.push(TrainerEvent::Resumed);
        }
    }

    pub(super) fn flush_progress(&mut self, out: &mut Outbox) {
        if self.progress.is_empty() {
            return;
        }
        let secs = self.last_progress.elapsed().as_secs_f64();
        out.push(TrainerEvent::Progress(Progress {
            epoch: self.epoch,
            step: self.step,
            batch_in_epoch: self.epoch_batches,
            batches_per_epoch: self.session.batches_per_epoch(),
            steps: std::mem::take(&mut self.progress),
            running_loss: self.epoch_loss_sum / self.epoch_batches.max(1) as f64,
            lr: self.session.lr(),
            samples_per_sec: if secs > 0.0 {
                self.samples_since as f64 / secs
            } else {
                0.0
            },
        }));
        self.last_progress = Instant::now();
        self.samples_since = 0;
    }

    pub(super) fn finish(&mut self, reason: FinishReason, out: &mut Outbox) {
        let seconds = self.seconds();
        if let Some(rec) = self.recorder.take() {
            rec.finish(&self.session, self.step, &reason, seconds);
        }
        self.flush_progress(out);
        out.push(TrainerEvent::Finished {
            reason,
            last: self.last.clone(),
            seconds,
        });
    }

    /// Trains one batch (starting or ending epochs around it). Returns why
    /// the run ended, if it did.
    pub(super) fn advance(
        &mut self,
        out: &mut Outbox,
    ) -> Result<Option<FinishReason>, SessionError> {
        if !self.in_epoch {
            self.epoch += 1;
            self.session.begin_epoch(self.epoch);
            self.in_epoch = true;
            self.epoch_loss_sum = 0.0;
            self.epoch_batches = 0;
            self.epoch_started = Instant::now();
        }
        let samples = self.session.next_batch_len();
        let loss = self.session.train_batch(self.epoch, self.step)?;
        self.step += 1;
        self.samples_since += samples;
        if self.session.diverged(loss) {
            let diagnosis = typed_lr(
                &self.session,
                self.session
                    .diagnose_divergence(loss, self.epoch, self.step),
            );
            return Ok(Some(FinishReason::Diverged { diagnosis }));
        }
        if self.first_loss.is_none() && loss.is_finite() {
            self.first_loss = Some(loss as f64);
        }
        self.epoch_batches += 1;
        self.epoch_loss_sum += loss as f64;
        // The data decides (a batch size changed mid-epoch changes the count).
        let ends_epoch = self.session.epoch_done();
        let (lr, secs) = (self.session.lr() as f32, self.seconds());
        if let Some(rec) = self.recorder.as_mut() {
            rec.after_step(
                &self.session,
                self.epoch,
                self.step,
                loss,
                lr,
                ends_epoch,
                secs,
            );
        }
        self.progress.push(StepPoint {
            step: self.step,
            loss,
            lr: self.session.lr() as f32,
        });
        if self.last_progress.elapsed() >= PROGRESS_INTERVAL {
            self.flush_progress(out);
            out.flush();
        }
        if ends_epoch {
            self.in_epoch = false;
            // Progress stays coalesced across short epochs; the points of
            // this epoch may follow its Epoch event.
            let mut m = self.session.end_epoch(self.epoch)?;
            m.epoch = self.epoch;
            m.step = self.step;
            m.train_loss = self.epoch_loss_sum / self.epoch_batches.max(1) as f64;
            m.seconds = self.epoch_started.elapsed().as_secs_f64();
            self.last = Some(m.clone());
            let secs = self.seconds();
            if let Some(rec) = self.recorder.as_mut() {
                rec.after_epoch(&self.session, &m, secs);
            }
            out.push(TrainerEvent::Epoch(m.clone()));
            out.flush();
            if !m.val_loss.is_finite() && self.session.validation_samples() > 0 {
                let diagnosis = typed_lr(
                    &self.session,
                    self.session
                        .diagnose_divergence(m.val_loss as f32, self.epoch, self.step),
                );
                return Ok(Some(FinishReason::Diverged { diagnosis }));
            }
            if let Some(why) = exploded(
                self.first_loss,
                &m,
                self.session.is_classification(),
                self.session.validation_samples() > 0,
            ) {
                let d =
                    self.session
                        .diagnose_divergence(m.train_loss as f32, self.epoch, self.step);
                let diagnosis = typed_lr(&self.session, format!("{why}: {d}"));
                return Ok(Some(FinishReason::Diverged { diagnosis }));
            }
            return Ok(self.after_epoch(&m));
        }
        Ok(None)
    }

    pub(super) fn after_epoch(&mut self, m: &EpochMetrics) -> Option<FinishReason> {
        let cfg = self.session.config().clone();
        let has_val = self.session.validation_samples() > 0;
        let (loss, metric) = if has_val {
            (m.val_loss, m.val_metric)
        } else {
            (m.train_loss, m.train_metric)
        };
        if let Some(t) = cfg.target_loss
            && loss <= t as f64
        {
            return Some(FinishReason::TargetReached(format!("loss {t}")));
        }
        if let Some(t) = cfg.target_accuracy
            && self.session.is_classification()
            && metric >= t as f64
        {
            return Some(FinishReason::TargetReached(format!("accuracy {t}")));
        }
        if let Some(es) = cfg.early_stopping
            && has_val
        {
            if self.best.is_none_or(|(_, b)| m.val_loss < b) {
                self.best = Some((m.epoch, m.val_loss));
                self.since_best = 0;
                if es.restore_best {
                    self.session.remember_best();
                }
            } else {
                self.since_best += 1;
                if self.since_best >= es.patience.max(1) {
                    if es.restore_best {
                        self.session.restore_best();
                    }
                    let best_epoch = self.best.map_or(m.epoch, |b| b.0);
                    return Some(FinishReason::EarlyStopped { best_epoch });
                }
            }
        }
        if self.epoch >= self.session.epochs() {
            return Some(FinishReason::Completed);
        }
        None
    }

    /// A snapshot at a resting point (end of a run or of `Step(n)`), for
    /// watchers that have asked for snapshots before.
    pub(super) fn final_snapshot(&mut self, out: &mut Outbox) {
        if self.watches_snapshots {
            self.snapshot_wanted = true;
            self.maybe_snapshot(out, true);
        }
    }

    pub(super) fn maybe_snapshot(&mut self, out: &mut Outbox, force: bool) {
        if !self.snapshot_wanted {
            return;
        }
        let budget = self.snapshot_cost.as_secs_f64() * (1.0 - SNAPSHOT_BUDGET) / SNAPSHOT_BUDGET;
        if force || self.paused || self.last_snapshot.elapsed().as_secs_f64() >= budget {
            let t = Instant::now();
            let snap = self.session.snapshot(self.epoch, self.step);
            self.snapshot_cost = t.elapsed();
            self.last_snapshot = Instant::now();
            self.snapshot_wanted = false;
            out.push(TrainerEvent::Snapshot(Box::new(snap)));
            out.flush();
        }
    }
}
