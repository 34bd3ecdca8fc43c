//! A CSV file that uses everything Neuroglass's reader does (byte-order
//! mark, `;` found as the delimiter, CRLF, quoted cells with quotes and
//! line breaks, blank lines, padded cells, empty cells, a column that is
//! numbers until a text, text and numeric classes), with hostile column
//! names, and three projects that read it differently.

use std::path::Path;

use neuroglass::model::*;

use super::{COLUMN_INJECTION, dense, node, run_python};

/// The file's name (a space, to be quoted in messages).
pub const CSV_NAME: &str = "mixed data.csv";

/// The header, as Neuroglass reads it: the injection, a name with a
/// backslash-n, colour, age, species, and a name with a line break.
pub fn header() -> Vec<String> {
    vec![
        COLUMN_INJECTION.to_string(),
        "size\\n2".into(),
        "colour".into(),
        "age".into(),
        "species".into(),
        "weight\nkg".into(),
    ]
}

/// Writes the CSV file with `rows` data rows (empty-cell rows included)
/// into `dir`.
pub fn write_csv(dir: &Path, rows: usize) {
    let mut text = format!(
        "\u{feff}\"{}\";size\\n2;colour;age;species;\"weight\nkg\"\r\n",
        COLUMN_INJECTION.replace('"', "\"\"")
    );
    let colours = [
        "red",
        "green",
        "\"dark \"\"navy\"\"\"",
        "\"two\nlines\"",
        " red ",
    ];
    let species = ["setosa", "versicolor", "\"vir\"\"ginica;\""];
    let sizes = ["1", "2", "3", "2.0", " 3 ", "\"1\""];
    for i in 0..rows {
        let a = (i as f32 * 0.37).sin() * 3.0;
        // Numbers until row 7, then text; 30.50 before is keyed "30.5",
        // after as it is written.
        let age = if i == 7 {
            "n/a".to_string()
        } else if i % 4 == 0 {
            "30.50".into()
        } else {
            format!("{}", 20 + i % 3)
        };
        let weight = if i % 11 == 5 {
            String::new()
        } else {
            ["1.5e1", "-2.25", ".5", "7", "\"4.5\""][i % 5].to_string()
                + if i % 7 == 0 { "" } else { "0" }
        };
        text.push_str(&format!(
            "{a};{};{};{age};{};{weight}\r\n",
            sizes[i % sizes.len()],
            colours[i % colours.len()],
            species[i % species.len()],
        ));
        if i % 17 == 3 {
            text.push_str(if i % 2 == 0 { "\r\n" } else { "   \r\n" });
        }
    }
    std::fs::write(dir.join(CSV_NAME), text).unwrap();
}

fn project(name: &str, target: Option<&str>, classification: bool, norm: Normalization) -> Project {
    let mut g = Graph::new();
    let x = node(&mut g, "in", LayerSpec::Input, &[]);
    let h = node(&mut g, "hidden", dense(Units::Fixed(8)), &[x]);
    let a = node(
        &mut g,
        "relu",
        LayerSpec::Activation(Activation::ReLU),
        &[h],
    );
    node(&mut g, "out", dense(Units::Auto), &[a]);
    Project {
        name: name.into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Csv {
                path: CSV_NAME.into(),
                target: target.map(str::to_string),
                classification,
                drop_empty: true,
                drop_bad: false,
            },
            validation_split: 0.3,
            normalization: norm,
            features: vec![],
        },
        training: TrainConfig {
            loss: if classification {
                LossKind::CrossEntropy
            } else {
                LossKind::Mse
            },
            batch_size: 16,
            epochs: 1,
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

/// The file of [`plane_project`]: two numeric features and a class.
pub const PLANE_NAME: &str = "plane.csv";

/// Writes [`PLANE_NAME`] into `dir`: points of two classes in the plane.
pub fn write_plane_csv(dir: &Path) {
    let mut text = String::from("x1,x2,inside\n");
    for i in 0..60 {
        let (a, b) = ((i as f32 * 0.73).sin() * 2.0, (i as f32 * 0.41).cos() * 1.5);
        let inside = if a * a + b * b < 1.5 { "yes" } else { "no" };
        text.push_str(&format!("{a},{b},{inside}\n"));
    }
    std::fs::write(dir.join(PLANE_NAME), text).unwrap();
}

/// Feature crosses of a CSV file's two columns (squares, product, sines),
/// standardised.
pub fn plane_project() -> Project {
    let mut p = project("plane", None, true, Normalization::Standardize);
    p.data.source = DataSource::Csv {
        path: PLANE_NAME.into(),
        target: None,
        classification: true,
        drop_empty: false,
        drop_bad: false,
    };
    p.data.features = vec![
        Feature::X1,
        Feature::X2,
        Feature::X1Squared,
        Feature::X2Squared,
        Feature::X1X2,
        Feature::SinX1,
        Feature::SinX2,
    ];
    p
}

/// Text classes by name (not the last column), standardised features;
/// numeric regression on the last column, min-max; numeric classes,
/// unnormalised.
pub fn csv_projects() -> Vec<(&'static str, Project)> {
    vec![
        (
            "species",
            project("species", Some("species"), true, Normalization::Standardize),
        ),
        (
            "weight",
            project("weight", None, false, Normalization::MinMax),
        ),
        (
            "size",
            project("size", Some("size\\n2"), true, Normalization::Off),
        ),
    ]
}

/// Loads each (folder, mode) with `train.load_training_data` and compares
/// with `data.safetensors`: shapes, dtypes and the largest difference, the
/// line saying where the data came from, or the message it stopped with.
const CSV_DRIVER: &str = r#"
import json, sys
from safetensors.torch import load_file
for arg in sys.argv[1:]:
    d, mode = arg.rsplit("::", 1)
    for m in ("model", "train", "csv_data"):
        sys.modules.pop(m, None)
    sys.path.insert(0, d)
    import train
    out = {"dir": d, "mode": mode}
    try:
        *arrays, out["line"] = train.load_training_data(mode)
    except SystemExit as e:
        out["exit"] = str(e)
    else:
        ref = load_file(d + "/data.safetensors")
        for k, v in zip(("train_x", "train_y", "val_x", "val_y"), arrays):
            r = ref[k]
            same = list(v.shape) == list(r.shape) and v.dtype == r.dtype
            out[k] = {"same_shape": same,
                      "max_diff": (v.double() - r.double()).abs().max().item() if same and v.numel() else None}
        out["train_x_mean"] = arrays[0].double().mean(dim=0).abs().max().item()
    print("CSVDATA " + json.dumps(out), flush=True)
    sys.path.remove(d)
"#;

/// Runs [`CSV_DRIVER`] on `(folder, mode)` pairs; the JSON result of each.
pub fn csv_loads(py: &Path, runs: &[(&Path, &str)]) -> Vec<serde_json::Value> {
    let mut args = vec!["-c".to_string(), CSV_DRIVER.to_string()];
    args.extend(runs.iter().map(|(d, m)| format!("{}::{m}", d.display())));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out) = run_python(py, &refs, &std::env::temp_dir());
    assert!(ok, "the CSV driver failed:\n{out}");
    let results: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| l.strip_prefix("CSVDATA "))
        .map(|j| serde_json::from_str(j).unwrap())
        .collect();
    assert_eq!(results.len(), runs.len(), "{out}");
    results
}

/// Whether every array of a driver result equals `data.safetensors`'s
/// within `tol` (`None`: some shape or dtype differs).
pub fn max_diff(r: &serde_json::Value) -> Option<f64> {
    let mut worst = 0.0f64;
    for k in ["train_x", "train_y", "val_x", "val_y"] {
        let v = &r[k];
        if !v["same_shape"].as_bool()? {
            return None;
        }
        worst = worst.max(v["max_diff"].as_f64().unwrap_or(0.0));
    }
    Some(worst)
}
