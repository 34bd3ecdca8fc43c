//! `neuroglass bench`: the engine's benchmark workloads.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::engine::bench::{WORKLOADS, run};
use crate::trainer::{Trainer, TrainerCommand, TrainerEvent};

/// Runs the chosen workloads at each thread count and prints one line (or
/// one JSON object) per workload and thread count.
pub fn bench(workloads: &[char], threads: &[usize], reps: usize, json: bool) -> ExitCode {
    let chosen = workload_list(workloads);
    let mut failed = false;
    let threads = &thread_counts(threads);
    for &w in &chosen {
        for &t in threads {
            match run(w, t, 10, reps) {
                Ok(r) => {
                    if json {
                        super::out::line(format!(
                            "{}",
                            serde_json::json!({
                                "workload": r.workload.to_string(),
                                "threads": r.threads,
                                "samples_per_sec": r.samples_per_sec,
                                "step_ms": r.step_ms,
                                "gflops": r.gflops,
                            })
                        ));
                    } else {
                        super::out::line(format!(
                            "{}  threads {}  {:>10.0} samples/s  {:>8.3} ms/step  {:>7.1} GFLOP/s",
                            r.workload, r.threads, r.samples_per_sec, r.step_ms, r.gflops
                        ));
                    }
                }
                Err(e) => {
                    super::out::error(format!("workload {w}: {e}"));
                    failed = true;
                }
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The thread counts asked for, or 1 and all cores (just 1 on one core).
pub fn thread_counts(asked: &[usize]) -> Vec<usize> {
    if !asked.is_empty() {
        return asked.to_vec();
    }
    let all = crate::engine::parallel::default_threads();
    if all > 1 { vec![1, all] } else { vec![1] }
}

/// The workloads asked for, or all of them.
pub fn workload_list(asked: &[char]) -> Vec<char> {
    if asked.is_empty() {
        WORKLOADS.to_vec()
    } else {
        asked.to_vec()
    }
}

/// Builds a fresh session for `project` (same seed every time).
fn session_for(path: &std::path::Path) -> Result<crate::trainer::Session, String> {
    let project = crate::project::load(path).map_err(|e| e.to_string())?;
    crate::trainer::Session::from_project(&project, path.parent()).map_err(|e| e.to_string())
}

/// Training throughput of `project` alone (the session driven in a loop)
/// and through the trainer thread with a watcher draining its events every
/// 16 ms like the window; prints medians of `reps` alternating runs and
/// their ratio.
pub fn trainer_overhead(path: &std::path::Path, reps: usize) -> ExitCode {
    let mut alone = Vec::new();
    let mut viewed = Vec::new();
    let mut watched = Vec::new();
    // The same threads as the trainer thread uses.
    crate::engine::parallel::set_threads_for_this_thread(crate::engine::parallel::default_threads());
    for _ in 0..reps.max(1) {
        let mut s = match session_for(path) {
            Ok(s) => s,
            Err(e) => {
                super::out::error(&e);
                return ExitCode::from(2);
            }
        };
        let samples = (s.train_samples() * s.epochs()) as f64;
        let t = Instant::now();
        let mut step = 0u64;
        for epoch in 1..=s.epochs() {
            s.begin_epoch(epoch);
            for _ in 0..s.batches_per_epoch() {
                let _ = s.train_batch(epoch, step);
                step += 1;
            }
            let _ = s.end_epoch(epoch);
        }
        alone.push(samples / t.elapsed().as_secs_f64());

        for snapshots in [false, true] {
            let Ok(s) = session_for(path) else {
                return ExitCode::from(2);
            };
            match watch(s, samples, snapshots) {
                Some(v) if snapshots => viewed.push(v),
                Some(v) => watched.push(v),
                None => return ExitCode::from(1),
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, w, v) = (
        median(&mut alone),
        median(&mut watched),
        median(&mut viewed),
    );
    super::out::line(format!(
        "{}: alone {a:.0} samples/s, with a watcher {w:.0} samples/s (ratio {:.3}), with a watcher pulling every snapshot like the window {v:.0} samples/s (ratio {:.3})",
        path.display(),
        w / a,
        v / a
    ));
    ExitCode::SUCCESS
}

/// Samples per second through the trainer thread, drained every 16 ms;
/// with `snapshots`, every snapshot is asked for again as soon as it comes
/// (what the window does). `None` when the thread cannot start.
fn watch(s: crate::trainer::Session, samples: f64, snapshots: bool) -> Option<f64> {
    let trainer = Trainer::spawn(None).ok()?;
    let t = Instant::now();
    trainer
        .send(TrainerCommand::Start {
            session: Box::new(s),
            paused: false,
        })
        .ok()?;
    if snapshots {
        trainer.send(TrainerCommand::RequestSnapshot).ok()?;
    }
    let mut done = false;
    while !done {
        std::thread::sleep(Duration::from_millis(16));
        for e in trainer.drain(Duration::from_millis(10)) {
            match e {
                TrainerEvent::Finished { .. } | TrainerEvent::Failed { .. } => done = true,
                TrainerEvent::Snapshot(_) if snapshots => {
                    let _ = trainer.send(TrainerCommand::RequestSnapshot);
                }
                _ => {}
            }
        }
    }
    // The watcher's last 16 ms nap may overshoot the end; subtract half.
    let secs = (t.elapsed().as_secs_f64() - 0.008).max(1e-9);
    Some(samples / secs)
}
