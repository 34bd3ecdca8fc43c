//! Every example trains a few steps, and the examples reach their figures
//! (the trainer issue's table) through the same path as `neuroglass train`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(project: &str, extra: &[&str]) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("projects")
                .join(project),
        )
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (
        out.status.code(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn final_metric(project: &str) -> f64 {
    let (code, lines, err) = run(project, &[]);
    assert_eq!(code, Some(0), "{project}: {err}");
    let last = lines
        .last()
        .unwrap_or_else(|| panic!("{project}: no output; {err}"));
    assert_eq!(last["stopped"], "completed", "{project}");
    assert!(last["seconds"].as_f64().is_some());
    last.get("val_accuracy")
        .or(last.get("val_r2"))
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

#[test]
fn xor_spiral_circles_reach_their_accuracy() {
    assert!(final_metric("xor.ron") >= 0.98);
    assert!(final_metric("spiral.ron") >= 0.95);
    assert!(final_metric("circles_features.ron") >= 0.97);
}

#[test]
fn iris_and_digits_reach_their_accuracy() {
    assert!(final_metric("iris.ron") >= 0.93);
    assert!(final_metric("digits_mlp.ron") >= 0.95);
}

#[test]
fn regressions_reach_their_r2() {
    assert!(final_metric("sine_regression.ron") >= 0.98);
    assert!(final_metric("diabetes_linear.ron") >= 0.40);
    assert!(final_metric("linear_regression.ron") >= 0.9);
}

#[test]
fn mnist_mlp_reaches_93_percent_on_its_test_split() {
    assert!(final_metric("mnist_mlp.ron") >= 0.93);
}

#[test]
fn mnist_cnn_reaches_96_percent_on_its_test_split() {
    assert!(final_metric("mnist_cnn.ron") >= 0.96);
}

#[test]
fn sine_lstm_reaches_r2_095() {
    assert!(final_metric("sine_lstm.ron") >= 0.95);
}

#[test]
fn every_example_trains_an_epoch_and_writes_its_outputs() {
    let dir = std::env::temp_dir().join(format!("ng-train-out-{}", std::process::id()));
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects")).unwrap() {
        let p: PathBuf = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (code, lines, err) = run(&name, &["--epochs", "1", "--out", dir.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(lines.len(), 2, "{name}: one epoch line and the summary");
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let csv = std::fs::read_to_string(dir.join(format!("{stem}.metrics.csv"))).unwrap();
        assert!(csv.starts_with("kind,epoch,step,loss"));
        assert!(csv.lines().any(|l| l.starts_with("epoch,1,")), "{csv}");
        let w =
            neuroglass::project::weights::load_weights(&dir.join(format!("{stem}.safetensors")))
                .unwrap();
        assert!(!w.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn same_seed_same_numbers_and_seed_override() {
    let a = run("spiral.ron", &["--epochs", "3"]).1;
    let b = run("spiral.ron", &["--epochs", "3"]).1;
    let c = run("spiral.ron", &["--epochs", "3", "--seed", "7"]).1;
    let strip = |v: &Vec<serde_json::Value>| {
        v.iter()
            .map(|o| o["train_loss"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_ne!(strip(&a), strip(&c));
}

#[test]
fn divergence_and_bad_data_exit_codes() {
    let dir = std::env::temp_dir().join(format!("ng-train-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/linear_regression.ron"),
    )
    .unwrap()
    .replace("learning_rate: 0.1,", "learning_rate: 1000.0,");
    let p = dir.join("diverge.ron");
    std::fs::write(&p, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too high for SGD"), "{err}");
    // A CSV with a broken cell: exit 2, with line and column.
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "x,y\n1,2\n2,n/a\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/linear_regression.ron"))
        .arg("--data")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3, column `y`"));
    // A good CSV trains with the input size taken from the data.
    std::fs::write(&csv, "a,b,y\n1,2,3\n2,1,3\n0,0,0\n1,1,2\n3,0,3\n0,3,3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/linear_regression.ron"))
        .args([
            "--data",
            csv.to_str().unwrap(),
            "--target",
            "y",
            "--epochs",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
