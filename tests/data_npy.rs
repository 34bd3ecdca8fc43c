//! NumPy arrays as a project's data: `.npy` inputs and labels load as a
//! data set, the source survives saving and loading the project, and
//! `neuroglass train --data X.npy --labels Y.npy` trains on them.

use std::path::Path;
use std::process::Command;

use neuroglass::data::npy::to_bytes;
use neuroglass::model::DataSource;
use neuroglass::model::load_data::load_data;

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-npy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Three separated classes of 4 features (`x.npy`, `y.npy` in `dir`).
fn write_blobs(dir: &Path) {
    let n = 300;
    let mut x = Vec::with_capacity(n * 4);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % 3;
        for f in 0..4 {
            let wobble = ((i * 7 + f * 13) as f32 * 0.61).sin() * 0.5;
            x.push(if f == c { 3.0 } else { 0.0 } + wobble);
        }
        y.push(c as f32);
    }
    std::fs::write(dir.join("x.npy"), to_bytes(&[n, 4], &x)).unwrap();
    std::fs::write(dir.join("y.npy"), to_bytes(&[n], &y)).unwrap();
}

#[test]
fn npy_arrays_are_data_and_survive_the_project_file() {
    let dir = temp("load");
    write_blobs(&dir);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut project = neuroglass::project::load(&root.join("projects/iris.ron")).unwrap();
    project.data.source = DataSource::Npy {
        path: "x.npy".into(),
        labels: "y.npy".into(),
        classification: true,
    };
    let p = load_data(&project.data, Some(&dir), 1).unwrap();
    assert_eq!(p.train.input_shape, vec![4]);
    assert_eq!(p.train.target.classes(), Some(3));
    assert_eq!(p.train.x.nrows() + p.validation.x.nrows(), 300);
    let file = dir.join("p.ron");
    neuroglass::project::save(&project, &file).unwrap();
    let back = neuroglass::project::load(&file).unwrap();
    assert_eq!(back.data.source, project.data.source);
    // Labels that do not match the inputs are refused by name.
    std::fs::write(dir.join("short.npy"), to_bytes(&[7], &[0.0; 7])).unwrap();
    project.data.source = DataSource::Npy {
        path: "x.npy".into(),
        labels: "short.npy".into(),
        classification: true,
    };
    let e = load_data(&project.data, Some(&dir), 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("300 input samples"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn train_runs_on_npy_data_from_the_command_line() {
    let dir = temp("train");
    write_blobs(&dir);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .args(["train"])
        .arg(root.join("projects/iris.ron"))
        .arg("--data")
        .arg(dir.join("x.npy"))
        .arg("--labels")
        .arg(dir.join("y.npy"))
        .args(["--epochs", "30", "--no-record", "--json"])
        .env("NEUROGLASS_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let acc = last["val_accuracy"]
        .as_f64()
        .or_else(|| last["final"]["val_accuracy"].as_f64());
    eprintln!("{last}");
    assert!(acc.is_some_and(|a| a > 0.9), "{last}");
    let _ = std::fs::remove_dir_all(&dir);
}
