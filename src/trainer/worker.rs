//! The trainer thread's loop: commands in, batches trained, events out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::error::{RunError, SessionError};
use super::history::{EpochMetrics, StepPoint};
use super::outbox::Outbox;
use super::protocol::{FinishReason, Progress, TrainerCommand, TrainerEvent};
use super::record::RecordRequest;
use super::session::Session;

/// Progress events go out at most this often (≈ 60 per second).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(16);

/// Snapshots may take at most this share of training time (8 %, leaving
/// room under the 10 % promise for sending and receiving them).
const SNAPSHOT_BUDGET: f64 = 0.08;

struct Run {
    session: Box<Session>,
    paused: bool,
    steps_left: Option<usize>,
    in_epoch: bool,
    epoch: usize,
    step: u64,
    active: Duration,
    resumed_at: Option<Instant>,
    epoch_loss_sum: f64,
    epoch_batches: usize,
    epoch_started: Instant,
    progress: Vec<StepPoint>,
    last_progress: Instant,
    samples_since: usize,
    best: Option<(usize, f64)>,
    since_best: usize,
    last: Option<EpochMetrics>,
    snapshot_wanted: bool,
    watches_snapshots: bool,
    step_delay: Duration,
    snapshot_cost: Duration,
    last_snapshot: Instant,
    /// The first finite batch loss, the baseline for divergence.
    first_loss: Option<f64>,
    recorder: Option<super::record::Recorder>,
}

impl Run {
    fn new(session: Box<Session>, paused: bool) -> Self {
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

    fn seconds(&self) -> f64 {
        (self.active + self.resumed_at.map_or(Duration::ZERO, |t| t.elapsed())).as_secs_f64()
    }

    fn pause(&mut self, out: &mut Outbox) {
        if !self.paused {
            self.flush_progress(out);
            if let Some(t) = self.resumed_at.take() {
                self.active += t.elapsed();
            }
            self.paused = true;
            out.push(TrainerEvent::Paused { step: self.step });
        }
    }

    fn resume(&mut self, out: &mut Outbox) {
        if self.paused {
            self.paused = false;
            self.resumed_at = Some(Instant::now());
            self.last_progress = Instant::now();
            self.samples_since = 0;
            out.push(TrainerEvent::Resumed);
        }
    }

    fn flush_progress(&mut self, out: &mut Outbox) {
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

    fn finish(&mut self, reason: FinishReason, out: &mut Outbox) {
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
    fn advance(&mut self, out: &mut Outbox) -> Result<Option<FinishReason>, SessionError> {
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
        let ends_epoch = self.epoch_batches >= self.session.batches_per_epoch();
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
        if self.epoch_batches >= self.session.batches_per_epoch() {
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

    fn after_epoch(&mut self, m: &EpochMetrics) -> Option<FinishReason> {
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
    fn final_snapshot(&mut self, out: &mut Outbox) {
        if self.watches_snapshots {
            self.snapshot_wanted = true;
            self.maybe_snapshot(out, true);
        }
    }

    fn maybe_snapshot(&mut self, out: &mut Outbox, force: bool) {
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

/// Reports a failed run to watchers: the one place a typed error becomes
/// the text of a `TrainerEvent::Failed`.
fn fail(out: &mut Outbox, error: RunError) {
    out.push(TrainerEvent::Failed {
        message: error.to_string(),
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Applies one command. Returns `false` on shutdown.
fn handle(
    cmd: TrainerCommand,
    run: &mut Option<Run>,
    last: &mut Option<Box<Session>>,
    out: &mut Outbox,
    record: &mut Option<RecordRequest>,
) -> bool {
    match cmd {
        TrainerCommand::Shutdown => {
            if let Some(mut r) = run.take() {
                r.finish(FinishReason::Stopped, out);
            }
            out.flush();
            return false;
        }
        TrainerCommand::StartProject {
            project,
            dir,
            paused,
            weights,
        } => match Session::from_project(&project, dir.as_deref()).and_then(|mut s| {
            if let Some(path) = weights {
                s.start_from(&path)?;
            }
            Ok(s)
        }) {
            Ok(session) => {
                let mut r = record
                    .take()
                    .unwrap_or_else(|| super::record::default_request(&project, dir.as_deref()));
                r.project.get_or_insert_with(|| (*project).clone());
                r.data_dir = r.data_dir.or(dir);
                *record = Some(r);
                return handle(
                    TrainerCommand::Start {
                        session: Box::new(session),
                        paused,
                    },
                    run,
                    last,
                    out,
                    record,
                );
            }
            Err(e) => {
                *record = None;
                fail(out, e.into());
            }
        },
        TrainerCommand::Start { session, paused } => {
            if let Some(mut r) = run.take() {
                r.finish(FinishReason::Stopped, out);
            }
            *last = None;
            let mut r = Run::new(session, paused);
            r.recorder = record
                .take()
                .and_then(|req| super::record::Recorder::begin(req, &r.session));
            out.push(TrainerEvent::Started {
                epochs: r.session.epochs(),
                batches_per_epoch: r.session.batches_per_epoch(),
                train_samples: r.session.train_samples(),
                validation_samples: r.session.validation_samples(),
            });
            if paused {
                out.push(TrainerEvent::Paused { step: 0 });
            }
            *run = Some(r);
        }
        TrainerCommand::RecordNext(r) => *record = Some(*r),
        TrainerCommand::Pause => {
            if let Some(r) = run {
                r.steps_left = None;
                r.pause(out);
            }
        }
        TrainerCommand::Resume => {
            if let Some(r) = run {
                r.steps_left = None;
                r.resume(out);
            }
        }
        TrainerCommand::Step(n) => {
            if let Some(r) = run
                && n > 0
            {
                r.steps_left = Some(n);
                r.resume(out);
            }
        }
        TrainerCommand::Stop => {
            if let Some(mut r) = run.take() {
                r.finish(FinishReason::Stopped, out);
                *last = Some(r.session);
            }
        }
        TrainerCommand::ResetWeights => {
            if let Some(r) = run {
                r.session.reset_weights();
                r.first_loss = None;
                r.best = None;
                r.since_best = 0;
                out.push(TrainerEvent::WeightsReset);
            }
        }
        TrainerCommand::SetLearningRate(lr) => {
            if let Some(r) = run
                && lr.is_finite()
                && lr > 0.0
            {
                r.session.set_base_lr(lr as f64);
            }
        }
        TrainerCommand::SetStepDelay(d) => {
            if let Some(r) = run {
                r.step_delay = d.min(Duration::from_secs(5));
            }
        }
        TrainerCommand::RequestWeights => {
            let weights = match (run.as_ref(), last.as_ref()) {
                (Some(r), _) => Some(r.session.network().state_dict()),
                (None, Some(s)) => Some(s.network().state_dict()),
                (None, None) => None,
            };
            if let Some(w) = weights {
                if let Some(r) = run.as_ref() {
                    out.push(TrainerEvent::WeightsStep(r.step));
                }
                out.push(TrainerEvent::Weights(w));
            }
        }
        TrainerCommand::RequestSnapshot => {
            if let Some(r) = run {
                r.snapshot_wanted = true;
                r.watches_snapshots = true;
                if r.paused {
                    // A paused run has time: answer now.
                    r.maybe_snapshot(out, true);
                }
            }
        }
        TrainerCommand::SetFeatureSample(row) => {
            if let Some(r) = run {
                r.session.feature_sample = Some(row);
                r.snapshot_wanted = true;
                if r.paused {
                    r.maybe_snapshot(out, true);
                }
            }
        }
    }
    out.flush();
    true
}

/// The thread's body. Runs until `Shutdown` or until the command channel
/// closes. A panic while training becomes `Failed` and ends that run only.
pub fn run(commands: Receiver<TrainerCommand>, mut out: Outbox) {
    // Training uses every core (results do not depend on the count).
    crate::engine::parallel::set_threads_for_this_thread(crate::engine::parallel::default_threads());
    let mut run: Option<Run> = None;
    let mut last: Option<Box<Session>> = None;
    let mut record: Option<RecordRequest> = None;
    // Whether the slow-motion wait after the latest batch has been done.
    let mut waited = true;
    let mut wait_until: Option<Instant> = None;
    loop {
        let active = run.as_ref().is_some_and(|r| !r.paused);
        // Take commands: without waiting while training, else wait (briefly
        // when events are still waiting for room in the channel).
        let delay = run.as_ref().map_or(Duration::ZERO, |r| r.step_delay);
        let first = if active && !delay.is_zero() && !waited {
            // Commands that arrive meanwhile are handled without cutting
            // the wait short.
            let until = *wait_until.get_or_insert_with(|| Instant::now() + delay);
            match commands.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => {
                    waited = true;
                    wait_until = None;
                    None
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else if active {
            match commands.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        } else if out.pending() > 0 {
            match commands.recv_timeout(Duration::from_millis(10)) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        if let Some(c) = first {
            let result = catch_unwind(AssertUnwindSafe(|| {
                handle(c, &mut run, &mut last, &mut out, &mut record)
            }));
            match result {
                Ok(true) => {}
                Ok(false) => return,
                Err(p) => {
                    run = None;
                    fail(&mut out, RunError::Panicked(panic_message(p.as_ref())));
                }
            }
            // Drain the rest before training on.
            continue;
        }
        out.flush();
        let Some(r) = run.as_mut() else { continue };
        if r.paused {
            r.maybe_snapshot(&mut out, true);
            continue;
        }
        waited = false;
        wait_until = None;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let end = r.advance(&mut out);
            r.maybe_snapshot(&mut out, false);
            end
        }));
        match result {
            Ok(Err(e)) => {
                run = None;
                fail(&mut out, e.into());
            }
            Ok(Ok(Some(reason))) => {
                if let Some(mut r) = run.take() {
                    r.final_snapshot(&mut out);
                    r.finish(reason, &mut out);
                    last = Some(r.session);
                }
            }
            Ok(Ok(None)) => {
                if let Some(r) = run.as_mut()
                    && let Some(left) = r.steps_left.as_mut()
                {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        r.steps_left = None;
                        r.final_snapshot(&mut out);
                        r.pause(&mut out);
                    }
                }
            }
            Err(p) => {
                run = None;
                fail(&mut out, RunError::Panicked(panic_message(p.as_ref())));
            }
        }
        out.flush();
    }
}

/// Divergence without NaN, at the end of an epoch: the epoch's mean
/// training loss ten times the first batch's (and at least one higher), or
/// for a regression a validation R² below −100 (far worse than predicting
/// the mean). Says which, or `None`.
fn exploded(
    first: Option<f64>,
    m: &EpochMetrics,
    classification: bool,
    has_val: bool,
) -> Option<String> {
    let first = first?;
    if m.train_loss > first * 10.0 && m.train_loss > first + 1.0 {
        return Some(format!(
            "the training loss rose from {} on the first batch to {} in epoch {}",
            short(first),
            short(m.train_loss),
            m.epoch
        ));
    }
    if !classification && has_val && m.val_metric < -100.0 {
        return Some(format!(
            "the validation R² is {} after epoch {} (far worse than predicting the mean)",
            short(m.val_metric),
            m.epoch
        ));
    }
    None
}

/// A number in a message: four significant digits, exponent when large.
fn short(v: f64) -> String {
    if v.abs() >= 1e5 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// The diagnosis with the learning rate as the user typed it (`0.1`, not
/// the `f64` widening of the `f32` setting, `0.10000000149011612`).
fn typed_lr(session: &Session, text: String) -> String {
    let lr = session.lr();
    let typed = format!("{}", lr as f32);
    let wide = format!("{lr}");
    let mut text = text.replace(&wide, &typed);
    // The suggested rate (a tenth) also as an f32 would print.
    let tenth = lr / 10.0;
    text = text.replace(&format!("{tenth}"), &format!("{}", tenth as f32));
    text
}
