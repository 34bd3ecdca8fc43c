//! The trainer thread's loop: commands in, batches trained, events out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::error::RunError;
use super::live::Run;
use super::outbox::Outbox;
use super::protocol::{FinishReason, TrainerCommand, TrainerEvent};
use super::record::RecordRequest;
use super::session::Session;

/// Progress events go out at most this often (≈ 60 per second).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(16);

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
        TrainerCommand::SetConfig(config) => {
            if let Some(r) = run {
                super::live_edit::settings(r, *config, out);
            }
        }
        TrainerCommand::Restructure { project, what } => match run {
            Some(r) => super::live_edit::restructure(r, &project, what, out),
            None => out.push(TrainerEvent::EditRefused {
                reason: "no run is training or paused".into(),
            }),
        },
        TrainerCommand::SetData { data, dir } => match run {
            Some(r) => super::live_edit::data(r, &data, dir.as_deref(), out),
            None => out.push(TrainerEvent::EditRefused {
                reason: "no run is training or paused".into(),
            }),
        },
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
