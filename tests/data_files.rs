//! Data from files: relative paths, IDX folders, summaries, and (ignored,
//! by hand) a million-row CSV.

use std::io::Write;
use std::path::PathBuf;

use neuroglass::data::{Target, csv};
use neuroglass::model::load_data::load_data;
use neuroglass::model::*;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_project_finds_its_csv_relative_to_its_folder() {
    let d = temp("rel");
    std::fs::create_dir_all(d.join("data")).unwrap();
    std::fs::write(
        d.join("data/flowers.csv"),
        "a;b;kind\n1;2;x\n2;1;y\n3;3;x\n0;1;y\n",
    )
    .unwrap();
    let spec = DataSpec {
        source: DataSource::Csv {
            path: "data/flowers.csv".into(),
            target: None,
            classification: true,
            drop_empty: false,
            drop_bad: false,
        },
        validation_split: 0.0,
        ..DataSpec::default()
    };
    let p = load_data(&spec, Some(&d), 1).unwrap();
    assert_eq!(p.train.len(), 4);
    let s = p.train.summary();
    assert_eq!(s.classes, vec![("x".to_string(), 2), ("y".to_string(), 2)]);
    assert_eq!(s.ranges[0].0, "a");
    assert_eq!(s.samples.len(), 4);
    // From elsewhere the same relative path is not found, and says so.
    let e = load_data(&spec, Some(&d.join("data")), 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("flowers.csv"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_idx_folder_loads_like_the_bundled_subset() {
    let d = temp("idx");
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("assets/datasets/mnist_10k")
                .join(name),
            d.join(name),
        )
        .unwrap();
    }
    let spec = DataSpec {
        source: DataSource::Idx {
            path: d.display().to_string(),
        },
        ..DataSpec::default()
    };
    let p = load_data(&spec, None, 1).unwrap();
    assert_eq!(
        (p.train.len(), p.validation.len()),
        (8000, 2000),
        "the test split is kept"
    );
    assert_eq!(p.train.input_shape, vec![1, 28, 28]);
    // A corrupt header is an error, not a panic.
    std::fs::write(
        d.join("train-labels-idx1-ubyte.gz"),
        b"\x00\x00\x08\x01\xff\xff\xff\xff",
    )
    .unwrap();
    assert!(load_data(&spec, None, 1).is_err());
    let _ = std::fs::remove_dir_all(&d);
}

/// `cargo test --release --test data_files -- --ignored --nocapture`
#[test]
#[ignore = "writes a 10⁶-row file; timing is printed, not asserted"]
fn a_million_rows_by_fifty_columns() {
    let d = temp("big");
    let path = d.join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let header: Vec<String> = (0..49)
            .map(|i| format!("f{i}"))
            .chain(["y".to_string()])
            .collect();
        writeln!(f, "{}", header.join(",")).unwrap();
        for r in 0..1_000_000u64 {
            let row: Vec<String> = (0..50u64)
                .map(|c| format!("{:.3}", ((r * 31 + c * 17) % 1000) as f64 / 100.0))
                .collect();
            writeln!(f, "{}", row.join(",")).unwrap();
        }
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let start = std::time::Instant::now();
    let mut reports = 0;
    let mut progress = |_: f32| reports += 1;
    let ds = csv::load(&path, &csv::CsvOptions::default(), Some(&mut progress)).unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{bytes} bytes, {} rows × {} features in {secs:.2} s, {reports} progress reports",
        ds.len(),
        ds.x.ncols()
    );
    assert_eq!(ds.x.dim(), (1_000_000, 49));
    assert!(matches!(ds.target, Target::Values { .. }));
    let _ = std::fs::remove_dir_all(&d);
}
