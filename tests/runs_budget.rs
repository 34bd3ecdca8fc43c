//! Checkpoint bounds: thinning keeps a run within its budget on disk, and
//! the MNIST CNN's 8-epoch run stays under 50 MB.

use std::path::{Path, PathBuf};

use neuroglass::model::Project;
use neuroglass::runs::record::EpochRow;
use neuroglass::runs::{Budget, RunRecord, RunStart, RunStore, RunWriter, Stopped};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-budget-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn tensors(floats: usize, v: f32) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    vec![("w".into(), vec![floats], vec![v; floats])]
}

/// Records a fake run of `epochs` epochs of `per_epoch` steps with
/// checkpoints of `floats` values, as the trainer would; returns its folder.
fn record(dir: &Path, budget: Budget, epochs: usize, per_epoch: u64, floats: usize) -> PathBuf {
    let start = RunStart {
        project: Project::default(),
        store: RunStore::at(vec![dir.to_path_buf()]),
        data_dir: None,
        epochs_planned: epochs,
        classification: true,
        data_order_seed: 1,
        parent: None,
        budget,
    };
    let mut w = RunWriter::start(start, tensors(floats, 0.0)).unwrap();
    let run_dir = w.dir().to_path_buf();
    let mut step = 0u64;
    for epoch in 1..=epochs {
        for _ in 0..per_epoch {
            step += 1;
            w.step(neuroglass::runs::StepRow {
                step,
                epoch,
                loss: 1.0 / step as f32,
                lr: 0.1,
            });
            if step.is_power_of_two() && !step.is_multiple_of(per_epoch) {
                w.checkpoint(step, None, tensors(floats, step as f32), 0.0);
            }
        }
        w.epoch(
            EpochRow {
                epoch,
                step,
                ..EpochRow::default()
            },
            epoch as f64,
        );
        w.checkpoint(
            step,
            Some(epoch),
            tensors(floats, step as f32),
            epoch as f64,
        );
    }
    w.finish(
        Stopped {
            key: "completed".into(),
            message: "finished all epochs".into(),
        },
        epochs as f64,
    )
    .unwrap();
    run_dir
}

fn on_disk(dir: &Path) -> (usize, u64) {
    let mut n = 0;
    let mut bytes = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".safetensors") {
            n += 1;
            bytes += e.metadata().unwrap().len();
        }
    }
    (n, bytes)
}

#[test]
fn thinning_keeps_each_bound_and_never_goes_below_the_floor() {
    let root = temp("thin");
    // Many small checkpoints: the count bound (200).
    let d = record(&root.join("count"), Budget::default(), 600, 5, 10);
    let r = RunRecord::load(&d).unwrap();
    assert_eq!(r.file.checkpoints.len(), 200);
    assert_eq!(on_disk(&d).0, 200, "thinned files are deleted");
    assert_eq!(r.file.checkpoints[0].step, 0);
    assert_eq!(r.file.checkpoints.last().unwrap().step, 3000);
    assert_eq!(r.epochs.len(), 600);
    assert_eq!(r.steps().unwrap().len(), 3000);
    // Every kept checkpoint loads and holds its own step's weights.
    for c in &r.file.checkpoints {
        let w = r.checkpoint(c.step).unwrap();
        assert_eq!(w[0].2[0], c.step as f32);
    }

    // Larger checkpoints: the byte bound (here 4 MB for ~40 kB each).
    let budget = Budget {
        max_bytes: 4 << 20,
        ..Budget::default()
    };
    let d = record(&root.join("bytes"), budget, 300, 3, 10_000);
    let (n, bytes) = on_disk(&d);
    let r = RunRecord::load(&d).unwrap();
    assert_eq!(n, r.file.checkpoints.len());
    assert!(bytes <= 4 << 20, "{bytes} bytes on disk");
    assert!((100..200).contains(&n), "{n} checkpoints");

    // Huge checkpoints: never fewer than 50, even past the byte bound.
    let budget = Budget {
        max_bytes: 100_000,
        ..Budget::default()
    };
    let d = record(&root.join("floor"), budget, 120, 1, 10_000);
    assert_eq!(on_disk(&d).0, 50);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn mnist_cnn_eight_epochs_stay_under_50_mb() {
    let root = temp("mnist");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/mnist_cnn.ron"),
        root.join("mnist_cnn.ron"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .args(["train", "mnist_cnn.ron", "--json", "--epochs", "8"])
        .current_dir(&root)
        .env("NEUROGLASS_DATA_DIR", root.join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: Vec<_> = std::fs::read_dir(root.join("mnist_cnn.runs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(runs.len(), 1);
    let dir = runs[0].path();
    let total: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.metadata().unwrap().len())
        .sum();
    let r = RunRecord::load(&dir).unwrap();
    assert_eq!(r.epochs.len(), 8);
    assert!(
        r.file
            .checkpoints
            .iter()
            .filter(|c| c.epoch.is_some())
            .count()
            == 9
    );
    assert!(total < 50 << 20, "{total} bytes");
    eprintln!(
        "MNIST CNN, 8 epochs: {} checkpoints, {total} bytes in all",
        r.file.checkpoints.len()
    );
    let _ = std::fs::remove_dir_all(&root);
}
