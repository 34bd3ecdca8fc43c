//! A measurement, not a test of speed (nothing here asserts on time):
//! how long the window's timeline takes from a move of the scrubber to
//! the views of an MNIST CNN checkpoint being ready. Run it on a release
//! build:
//!
//! ```text
//! cargo test --release --test runs_timeline_latency -- --ignored --nocapture
//! ```
//!
//! It trains the bundled MNIST CNN example for one epoch with the command
//! line (recording its checkpoints), opens the run on the timeline and
//! moves to every checkpoint in turn, twice, timing each move from the
//! request (what letting go of the scrubber sends) to the finished views;
//! it prints the median and the slowest.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use neuroglass::ui::runs::timeline::Timeline;

fn wait_shown(tl: &mut Timeline, step: u64) -> Duration {
    let start = Instant::now();
    loop {
        if let Some(e) = tl.poll(|| None) {
            panic!("{e}");
        }
        if !tl.busy() && tl.shown.as_ref().is_some_and(|s| s.step == step) {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no views");
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn mnist_cnn_checkpoint_views_latency() {
    let dir = std::env::temp_dir().join(format!("ng-timeline-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("projects/mnist_cnn.ron");
    let mut p = neuroglass::project::load(&src).unwrap();
    p.training.epochs = 1;
    let path = dir.join("mnist_cnn.ron");
    neuroglass::project::save(&p, &path).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(&path)
        .env("NEUROGLASS_DATA_DIR", dir.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let store = neuroglass::runs::RunStore::for_project(Some(&path), &p.name);
    let record = store.list().runs.pop().expect("a recorded run");
    let mut tl = Timeline::default();
    let t = Instant::now();
    tl.open(record, "run 1".into(), None);
    let last = *tl.steps().last().unwrap();
    wait_shown(&mut tl, last);
    let first = t.elapsed();
    let steps = tl.steps();
    let mut times = Vec::new();
    for _ in 0..2 {
        for (i, &s) in steps.iter().enumerate() {
            if tl.shown.as_ref().is_some_and(|x| x.step == s) {
                continue;
            }
            let t = Instant::now();
            tl.seek(i, None);
            wait_shown(&mut tl, s);
            times.push(t.elapsed());
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "TIMELINE LATENCY mnist_cnn: {} moves over {} checkpoints; median {:.1} ms, slowest {:.1} ms; first open (data and compile) {:.1} ms",
        times.len(),
        steps.len(),
        median.as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(dir);
}
