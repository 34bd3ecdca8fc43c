//! Pace: a small run spread over a chosen time, so a class can watch it
//! learn, without a per-batch pause the user must tune. The window only
//! chooses the trainer's pause after each batch
//! (`TrainerCommand::SetStepDelay`): a run starts with the chosen time over
//! the steps its settings plan, and every quarter second the pause moves
//! by half the gap between the step time the rest of the run needs (time
//! left ÷ steps left) and the measured one (smoothed; shrinking by at most
//! a fifth per window, so a few slow windows do not undo it). A run whose steps alone
//! take longer than that goes down to no pause: large runs are not
//! slowed.

use std::time::{Duration, Instant};

use super::run::{Run, RunId, RunState};

/// How often the pause is computed again.
const WINDOW: Duration = Duration::from_millis(250);
/// The weight of the latest window in the smoothed time of a step.
const SMOOTHING: f64 = 0.5;
/// The share of the gap between the step time needed and the one measured
/// that the pause moves by each window.
const GAIN: f64 = 0.5;
/// The longest pause the trainer takes (it clamps to this too).
const MAX_DELAY: Duration = Duration::from_secs(5);

/// The pacing of one run, as the window follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacer {
    /// The run it paces.
    pub run: RunId,
    /// Time spent training so far as the window saw it (pauses excluded).
    pub active: Duration,
    /// When the window last looked.
    pub seen: Instant,
    /// Start of the current measuring window: when, and the step then.
    pub window: (Instant, u64),
    /// The pause after each batch now in effect.
    pub delay: Duration,
    /// A step's time (work and pause), smoothed over the measuring
    /// windows so far; `None` before the first.
    pub work: Option<Duration>,
    /// Whether `delay` changed and must be sent to the trainer.
    pub send: bool,
}

/// What the pacer needs to know about the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunView {
    /// Its identity.
    pub run: RunId,
    /// Whether it is training now (not paused, not ended).
    pub training: bool,
    /// Steps done.
    pub done: u64,
    /// Steps planned in all (known once the first epoch ended).
    pub total: Option<u64>,
    /// Steps planned as the project's settings let one guess them before
    /// the first epoch ends (generated data: its size and split).
    pub estimate: Option<u64>,
}

impl RunView {
    /// The pacer's view of `run`, or `None` when no run is under way.
    pub fn of(run: &Run) -> Option<Self> {
        if !run.active() {
            return None;
        }
        let per_epoch = run.history.epochs.first().map(|e| e.step);
        Some(Self {
            run: run.id(),
            training: run.state == RunState::Training,
            done: run.history.steps.last().map_or(0, |s| s.step),
            total: per_epoch.map(|b| b * run.epochs as u64),
            estimate: None,
        })
    }

    /// The pacer's view of `run` with the steps `project` lets one expect
    /// before the first epoch ends.
    pub fn with_estimate(run: &Run, project: &crate::model::Project) -> Option<Self> {
        let estimate = estimate_steps(project);
        Self::of(run).map(|v| Self { estimate, ..v })
    }

    /// The steps the run plans: counted once the first epoch ended, else
    /// the estimate.
    pub fn planned(&self) -> Option<u64> {
        self.total.or(self.estimate)
    }
}

/// The steps a project's run will take, when its settings tell: for
/// generated data, its training rows (the size less the validation share)
/// in batches, times the epochs.
pub fn estimate_steps(project: &crate::model::Project) -> Option<u64> {
    let crate::model::DataSource::Generated { samples, .. } = &project.data.source else {
        return None;
    };
    let t = &project.training;
    let split = f64::from(project.data.validation_split).clamp(0.0, 1.0);
    let held = (*samples as f64 * split).round() as usize;
    let train = samples.saturating_sub(held);
    let batch = t.batch_size.max(1);
    Some((train.div_ceil(batch) * t.epochs) as u64)
}

/// The pause after each batch that makes the remaining `total − done`
/// steps last the remaining `target − active`, given that one step took
/// `observed` with `delay` in effect. Zero when the steps alone need all
/// the time left (never slower than full speed requires).
pub fn delay_for(
    target: Duration,
    active: Duration,
    done: u64,
    total: u64,
    observed: Duration,
    delay: Duration,
) -> Duration {
    if done >= total || active >= target {
        return Duration::ZERO;
    }
    let wanted = (target - active).as_secs_f64() / (total - done) as f64;
    let compute = observed.saturating_sub(delay).as_secs_f64();
    Duration::from_secs_f64((wanted - compute).clamp(0.0, MAX_DELAY.as_secs_f64()))
}

/// The pacer after this frame: a new one for a new run, time trained
/// counted, and every [`WINDOW`] the pause computed again (`send` set when
/// it changed by more than 2 %). `None` when no run is under way.
pub fn tick(
    prev: Option<&Pacer>,
    target: Duration,
    run: Option<RunView>,
    now: Instant,
) -> Option<Pacer> {
    let r = run?;
    let Some(p) = prev.filter(|p| p.run == r.run) else {
        // Until a step is measured, spread the planned steps as if they
        // took no time; the first measurement corrects it.
        let first = r.planned().map_or(Duration::ZERO, |n| {
            delay_for(
                target,
                Duration::ZERO,
                r.done,
                n,
                Duration::ZERO,
                Duration::ZERO,
            )
        });
        return Some(Pacer {
            run: r.run,
            active: Duration::ZERO,
            seen: now,
            window: (now, r.done),
            delay: first,
            work: None,
            send: true,
        });
    };
    let mut next = Pacer {
        seen: now,
        send: false,
        ..*p
    };
    if !r.training {
        // Paused: the time does not count, and the window starts again.
        next.window = (now, r.done);
        return Some(next);
    }
    if r.done == 0 {
        // Still loading data or compiling: that time is neither the run's
        // nor a step's.
        next.window = (now, 0);
        return Some(next);
    }
    next.active += now.saturating_duration_since(p.seen);
    let (since, at) = p.window;
    let span = now.saturating_duration_since(since);
    if let Some(total) = r.planned()
        && span >= WINDOW
        && r.done > at
    {
        // A step's time in this window, smoothed with the earlier ones so
        // that a snapshot or an evaluation in one window does not make it
        // jump. The pause moves by half the gap between the step time the
        // rest of the run needs and this one: it settles whatever part of
        // a step's time the pause itself changes (a loaded machine wakes a
        // sleeping trainer late), and reaches zero when the steps alone
        // are too slow.
        let step = span.div_f64((r.done - at) as f64);
        let smooth = p.work.map_or(step, |w| {
            w.mul_f64(1.0 - SMOOTHING) + step.mul_f64(SMOOTHING)
        });
        next.work = Some(smooth);
        let wanted = delay_for(
            target,
            next.active,
            r.done,
            total,
            Duration::ZERO,
            Duration::ZERO,
        );
        let gap = wanted.as_secs_f64() - smooth.as_secs_f64();
        // A lump (the first snapshot, an evaluation) or a busy machine may
        // make a few windows look slow: the pause shrinks by at most a
        // fifth per window, so it is not gone when the machine is free.
        let d = Duration::from_secs_f64(
            (p.delay.as_secs_f64() + GAIN * gap)
                .max(p.delay.as_secs_f64() * 0.8)
                .clamp(0.0, MAX_DELAY.as_secs_f64()),
        );
        // Pauses too short to watch are none (and full speed is reached).
        let d = if d < Duration::from_micros(50) {
            Duration::ZERO
        } else {
            d
        };
        let change = d.abs_diff(p.delay);
        if change > p.delay.mul_f64(0.02) + Duration::from_micros(10) {
            next.delay = d;
            next.send = true;
        }
        next.window = (now, r.done);
    }
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_pause_fills_the_time_left_minus_the_work() {
        // 20 s for 1000 steps: 20 ms a step; a step computes in 2 ms
        // (observed 7 ms with a 5 ms pause), so 18 ms of pause.
        let d = delay_for(
            Duration::from_secs(20),
            Duration::ZERO,
            0,
            1000,
            7 * MS,
            5 * MS,
        );
        assert!((d.as_secs_f64() - 0.018).abs() < 1e-9, "{d:?}");
        // Behind schedule: less pause. Past the time, or done: none.
        let late = delay_for(
            Duration::from_secs(20),
            Duration::from_secs(15),
            500,
            1000,
            2 * MS,
            Duration::ZERO,
        );
        assert!((late.as_secs_f64() - 0.008).abs() < 1e-9, "{late:?}");
        assert_eq!(
            delay_for(
                Duration::from_secs(20),
                Duration::from_secs(21),
                5,
                10,
                MS,
                MS
            ),
            Duration::ZERO
        );
        assert_eq!(
            delay_for(Duration::from_secs(20), Duration::ZERO, 10, 10, MS, MS),
            Duration::ZERO
        );
    }

    #[test]
    fn the_spirals_steps_are_estimated_from_its_settings() {
        let p = crate::project::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/projects/spiral.ron"
        )))
        .unwrap();
        // 600 samples, 20 % held out: 480 rows in batches of 32, 200 epochs.
        assert_eq!(estimate_steps(&p), Some(15 * 200));
    }

    #[test]
    fn a_large_run_is_not_slowed() {
        // 100 000 steps of 1 ms each cannot fit in 20 s: no pause at all.
        let d = delay_for(
            Duration::from_secs(20),
            Duration::ZERO,
            0,
            100_000,
            MS,
            Duration::ZERO,
        );
        assert_eq!(d, Duration::ZERO);
        // And the pacer takes any pause it started with down to nothing.
        let t0 = Instant::now();
        let view = |done| RunView {
            run: RunId(1),
            training: true,
            done,
            total: Some(100_000),
            estimate: None,
        };
        let target = Duration::from_secs(20);
        let mut p = tick(None, target, Some(view(1)), t0).unwrap();
        p.delay = Duration::from_millis(1);
        for w in 1..=40u64 {
            // Each quarter second, 1 ms of work and the pause per step.
            let per = MS + p.delay;
            let steps = (Duration::from_millis(250).as_secs_f64() / per.as_secs_f64()) as u64;
            let done = p.window.1 + steps.max(1);
            p = tick(
                Some(&p),
                target,
                Some(view(done)),
                t0 + Duration::from_millis(250 * w),
            )
            .unwrap();
        }
        assert_eq!(p.delay, Duration::ZERO);
    }

    #[test]
    fn a_simulated_run_ends_near_the_target() {
        // A run of 40 epochs of 15 steps, 0.3 ms of work a step, 5 ms of
        // evaluation per epoch and a 60 ms snapshot every 97 steps, paced
        // to 6 s, looked at every 16 ms.
        let target = Duration::from_secs(6);
        let (per_epoch, epochs) = (15u64, 40u64);
        let work = Duration::from_micros(300);
        let start = Instant::now();
        // Half a second of start-up (data, compiling) before the first step.
        let mut now = start + Duration::from_millis(500);
        let mut pacer: Option<Pacer> = None;
        let mut delay = Duration::ZERO;
        let (mut done, mut next_frame) = (0u64, start);
        while next_frame <= now {
            let view = RunView {
                run: RunId(1),
                training: true,
                done: 0,
                total: None,
                estimate: Some(per_epoch * epochs),
            };
            pacer = tick(pacer.as_ref(), target, Some(view), next_frame);
            if let Some(p) = pacer.filter(|p| p.send) {
                delay = p.delay;
            }
            next_frame += 16 * MS;
        }
        let mut at_half = None;
        while done < per_epoch * epochs {
            now += work + delay;
            if at_half.is_none() && now >= start + target / 2 {
                at_half = Some(done);
            }
            done += 1;
            if done % per_epoch == 0 {
                now += 5 * MS;
            }
            // Now and then a snapshot: lumps that make one window's
            // measure jump.
            if done % 97 == 0 {
                now += 60 * MS;
            }
            while next_frame <= now {
                let view = RunView {
                    run: RunId(1),
                    training: true,
                    done,
                    total: (done >= per_epoch).then_some(per_epoch * epochs),
                    estimate: Some(per_epoch * epochs),
                };
                pacer = tick(pacer.as_ref(), target, Some(view), next_frame);
                if let Some(p) = pacer.filter(|p| p.send) {
                    delay = p.delay;
                }
                next_frame += 16 * MS;
            }
        }
        let took = (now - start).as_secs_f64();
        assert!((took - 6.0).abs() < 0.6, "took {took} s");
        // Spread evenly: about half the steps at half the time.
        let half = at_half.unwrap_or(0) as f64 / (per_epoch * epochs) as f64;
        assert!((0.4..=0.6).contains(&half), "{half} of the steps at 3 s");
    }

    #[test]
    fn a_new_run_starts_a_new_pacer_and_pauses_do_not_count() {
        let t0 = Instant::now();
        let view = |run, training, done| RunView {
            run: RunId(run),
            training,
            done,
            total: Some(100),
            estimate: None,
        };
        let target = Duration::from_secs(10);
        let p = tick(None, target, Some(view(1, true, 0)), t0).unwrap();
        // 10 s over 100 steps: 100 ms each, before anything is measured.
        assert!(p.send && p.delay == 100 * MS, "{:?}", p.delay);
        let p = tick(Some(&p), target, Some(view(1, true, 3)), t0 + 100 * MS).unwrap();
        let p = tick(Some(&p), target, Some(view(1, false, 3)), t0 + 200 * MS).unwrap();
        let p = tick(Some(&p), target, Some(view(1, false, 3)), t0 + 5000 * MS).unwrap();
        assert_eq!(p.active, 100 * MS);
        let q = tick(Some(&p), target, Some(view(2, true, 0)), t0 + 5001 * MS).unwrap();
        assert_eq!((q.run, q.active), (RunId(2), Duration::ZERO));
        assert_eq!(tick(Some(&q), target, None, t0), None);
    }
}
