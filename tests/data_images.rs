//! Image folders and NumPy archives as data. An image-folder data set made
//! here — four classes of simple drawings (a horizontal bar, a vertical
//! bar, a ring, a cross), jittered in place, size and thickness, mixed PNG
//! and JPEG, grey and colour, two image sizes — trains with the MNIST CNN
//! example's network from `neuroglass train --data DIR`; `.npz` archives
//! written by NumPy itself (committed fixtures, stored and deflated) load
//! and train from `--data D.npz`.

use std::path::{Path, PathBuf};
use std::process::Command;

use neuroglass::model::DataSource;
use neuroglass::model::load_data::load_data;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-images-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small deterministic generator (no randomness crate needed here).
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 40) as f32) / ((1u64 << 24) as f32)
    }
}

const CLASSES: [&str; 4] = ["bar_h", "bar_v", "cross", "ring"];

/// Whether pixel (x, y) of a `size`-pixel image is ink for class `c`,
/// in coordinates 0…1 with the drawing's centre and thickness.
fn ink(c: usize, x: f32, y: f32, cx: f32, cy: f32, t: f32) -> bool {
    let (dx, dy) = (x - cx, y - cy);
    match c {
        0 => dy.abs() < t && dx.abs() < 0.3,
        1 => dx.abs() < t && dy.abs() < 0.3,
        2 => ((dx - dy).abs() < t * 1.2 || (dx + dy).abs() < t * 1.2) && dx.abs() < 0.25,
        _ => ((dx * dx + dy * dy).sqrt() - 0.22).abs() < t * 0.8,
    }
}

/// Writes `per_class` drawings of each class into `dir/<class>/`: every
/// third as JPEG, every other in colour, a quarter at 36×36 (the rest
/// 28×28).
fn write_drawings(dir: &Path, per_class: usize, seed: u64) {
    let mut rng = Lcg(seed);
    for (c, name) in CLASSES.iter().enumerate() {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        for i in 0..per_class {
            let size = if i % 4 == 3 { 36 } else { 28 };
            let cx = 0.5 + (rng.uniform() - 0.5) * 0.2;
            let cy = 0.5 + (rng.uniform() - 0.5) * 0.2;
            let t = 0.05 + rng.uniform() * 0.05;
            let colour = i % 2 == 1;
            let fg = [
                150 + (rng.uniform() * 105.0) as u8,
                100 + (rng.uniform() * 155.0) as u8,
                (rng.uniform() * 255.0) as u8,
            ];
            let bg = (rng.uniform() * 40.0) as u8;
            let img = image::RgbImage::from_fn(size, size, |px, py| {
                let (x, y) = (
                    (px as f32 + 0.5) / size as f32,
                    (py as f32 + 0.5) / size as f32,
                );
                if ink(c, x, y, cx, cy, t) {
                    if colour {
                        image::Rgb(fg)
                    } else {
                        image::Rgb([230, 230, 230])
                    }
                } else {
                    image::Rgb([bg, bg, bg])
                }
            });
            let ext = if i % 3 == 0 { "jpg" } else { "png" };
            let path = dir.join(name).join(format!("{i:03}.{ext}"));
            if colour {
                img.save(&path).unwrap();
            } else {
                image::DynamicImage::ImageRgb8(img)
                    .into_luma8()
                    .save(&path)
                    .unwrap();
            }
        }
    }
}

#[test]
fn an_image_folder_loads_as_classes_of_one_size() {
    let dir = temp("load");
    write_drawings(&dir, 8, 1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut project = neuroglass::project::load(&root.join("projects/mnist_cnn.ron")).unwrap();
    project.data.source = DataSource::ImageFolder {
        path: ".".into(),
        size: None,
        channels: None,
    };
    let p = load_data(&project.data, Some(&dir), 1).unwrap();
    // Colour because some images are; the first image's size (28×28).
    assert_eq!(p.train.input_shape, vec![3, 28, 28]);
    assert_eq!(p.train.target.classes(), Some(4));
    assert_eq!(p.train.len() + p.validation.len(), 32);
    match &p.train.target {
        neuroglass::data::Target::Classes { names, .. } => {
            assert_eq!(names, &CLASSES.map(String::from).to_vec());
        }
        other => panic!("not classes: {other:?}"),
    }
    // Grey on request, any size on request; the project file keeps them.
    project.data.source = DataSource::ImageFolder {
        path: ".".into(),
        size: Some([16, 12]),
        channels: Some(1),
    };
    let g = load_data(&project.data, Some(&dir), 1).unwrap();
    assert_eq!(g.train.input_shape, vec![1, 12, 16]);
    let file = dir.join("p.ron");
    neuroglass::project::save(&project, &file).unwrap();
    assert_eq!(
        neuroglass::project::load(&file).unwrap().data.source,
        project.data.source
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn train(project: &Path, data: &Path, epochs: &str, home: &Path) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .arg("train")
        .arg(project)
        .arg("--data")
        .arg(data)
        .args(["--epochs", epochs, "--no-record", "--json"])
        .env("NEUROGLASS_DATA_DIR", home)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    eprintln!("{last}");
    last
}

fn accuracy(last: &serde_json::Value) -> Option<f64> {
    last["val_accuracy"]
        .as_f64()
        .or_else(|| last["final"]["val_accuracy"].as_f64())
}

#[test]
fn drawings_train_with_the_mnist_cnn_to_a_high_accuracy() {
    let dir = temp("train");
    let data = dir.join("drawings");
    write_drawings(&data, 60, 7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let last = train(&root.join("projects/mnist_cnn.ron"), &data, "20", &dir);
    let acc = accuracy(&last);
    eprintln!("image folder: 4 classes × 60 drawings, MNIST CNN, 20 epochs: val accuracy {acc:?}");
    assert!(acc.is_some_and(|a| a >= 0.95), "{last}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn npz_archives_written_by_numpy_load_and_train() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures/npz");
    let mut sets = Vec::new();
    for f in ["blobs_stored.npz", "blobs_deflated.npz"] {
        let (x, y) = neuroglass::data::npz::read_xy(&fixtures.join(f)).unwrap();
        assert_eq!(x.shape, vec![60, 4], "{f}");
        assert_eq!(y.shape, vec![60], "{f}");
        sets.push((x, y));
    }
    assert_eq!(sets[0], sets[1]);
    let e = neuroglass::data::npz::read_xy(&fixtures.join("no_y.npz"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no array `y`") && e.contains("labels.npy"),
        "{e}"
    );
    let dir = temp("npz");
    let last = train(
        &root.join("projects/iris.ron"),
        &fixtures.join("blobs_deflated.npz"),
        "40",
        &dir,
    );
    assert!(accuracy(&last).is_some_and(|a| a > 0.9), "{last}");
    let _ = std::fs::remove_dir_all(&dir);
}
