//! Project files: every example loads, validates and round-trips; damaged
//! and hostile files give clear errors, never a panic; saving is atomic.

use std::path::{Path, PathBuf};

use neuroglass::model::*;
use neuroglass::project::{self, ProjectError, parse, to_string};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
    v.sort();
    v
}

#[test]
fn there_are_at_least_ten_examples_with_notes() {
    let ex = examples();
    assert!(ex.len() >= 10, "{ex:?}");
    for p in ex {
        let proj = project::load(&p).unwrap();
        assert!(
            proj.notes.len() > 80,
            "{} needs teaching notes",
            p.display()
        );
        assert!(!proj.name.is_empty());
    }
}

#[test]
fn every_example_validates_clean_and_round_trips_byte_for_byte() {
    for p in examples() {
        let proj = project::load(&p).unwrap_or_else(|e| panic!("{e}"));
        let info = data_info(&proj.data).expect("examples use generated or bundled data");
        let a = analyze(&proj.graph, Some(&info), &proj.training);
        let errors: Vec<String> = a.problems().map(|(_, p)| p.message.clone()).collect();
        assert!(!a.has_errors(), "{}: {errors:?}", p.display());
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            to_string(&proj).unwrap(),
            text,
            "{} is not in canonical form",
            p.display()
        );
        assert_eq!(parse(&text, "again").unwrap(), proj);
    }
}

fn every_kind_project() -> Project {
    let mut g = Graph::new();
    let mut prev = g.add_node("in", LayerSpec::Input, [1.5, -2.0]);
    for spec in LayerSpec::palette().into_iter().skip(1) {
        let id = g.add_node(
            format!("{} \"quoted\" ✓", spec.kind_name()),
            spec.clone(),
            [0.0, 0.0],
        );
        let _ = g.connect(prev, id);
        prev = id;
    }
    let configs = [
        OptimizerSpec::Sgd {
            momentum: 0.9,
            nesterov: true,
        },
        OptimizerSpec::AdamW {
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-7,
            weight_decay: 0.01,
        },
        OptimizerSpec::RmsProp {
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
        },
        OptimizerSpec::Adagrad { eps: 1e-10 },
    ];
    Project {
        name: "every kind".into(),
        notes: "line 1\nline 2 with \"quotes\" and \\ backslash".into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Csv {
                path: "data/x.csv".into(),
                target: Some("y".into()),
                classification: true,
                drop_empty: true,
            },
            validation_split: 0.25,
            normalization: Normalization::Standardize,
            features: vec![Feature::X1, Feature::SinX2],
        },
        training: TrainConfig {
            loss: LossKind::Huber { delta: 0.5 },
            optimizer: configs[1],
            schedule: Schedule::Cosine { min_lr: 1e-4 },
            clip_grad_norm: Some(1.0),
            early_stopping: Some(EarlyStopping {
                patience: 5,
                restore_best: true,
            }),
            target_accuracy: Some(0.99),
            ..TrainConfig::default()
        },
    }
}

#[test]
fn every_layer_kind_and_setting_round_trips() {
    let p = every_kind_project();
    let text = to_string(&p).unwrap();
    assert_eq!(parse(&text, "mem").unwrap(), p);
    assert_eq!(to_string(&p).unwrap(), text, "saving is deterministic");
    for src in [
        DataSource::Generated {
            generator: Generator::WaveShapes {
                window: 10,
                classes: 3,
            },
            samples: 10,
            noise: 0.0,
        },
        DataSource::Bundled(Bundled::MnistSubset),
        DataSource::Idx {
            path: "mnist".into(),
        },
    ] {
        let q = Project {
            data: DataSpec {
                source: src,
                ..p.data.clone()
            },
            ..p.clone()
        };
        assert_eq!(parse(&to_string(&q).unwrap(), "mem").unwrap(), q);
    }
}

fn err(text: &str) -> ProjectError {
    match parse(text, "bad.ron") {
        Ok(_) => panic!("accepted: {text:.80}"),
        Err(e) => e,
    }
}

#[test]
fn truncated_at_every_byte_is_an_error_not_a_panic() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron"))
            .unwrap();
    let mut cut = 0;
    for end in 0..text.len() {
        if !text.is_char_boundary(end) {
            continue;
        }
        // Either an error, or (rarely) a prefix that is still a valid file.
        if let Err(e) = parse(&text[..end], "cut.ron") {
            cut += 1;
            let msg = e.to_string();
            assert!(msg.starts_with("cut.ron"), "{msg}");
        }
    }
    assert!(cut > text.len() / 2);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let e = err("(\n  version: 1,\n  graph: (nodes: [(id: 0, layer: Dense(units: 3))]),\n)");
    let msg = e.to_string();
    assert!(msg.starts_with("bad.ron:3:"), "{msg}");
    match err("(version: 1, graph: (nodes: [(id: \"zero\", layer: Input)]))") {
        ProjectError::Syntax {
            line: 1, message, ..
        } => assert!(!message.is_empty()),
        other => panic!("{other}"),
    }
}

#[test]
fn hostile_inputs() {
    // Empty and whitespace.
    assert!(err("").to_string().contains("empty"));
    assert!(err("  \n\t ").to_string().contains("empty"));
    // Deep nesting, far past any stack.
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert!(err(&deep).to_string().contains("nested"));
    let deep_strings = format!(
        "(version: 1, name: \"{}\", graph: (nodes: []))",
        "(".repeat(10_000)
    );
    assert!(
        parse(&deep_strings, "s").is_ok(),
        "brackets inside strings are text"
    );
    // Random bytes (as text) with a fixed seed.
    let mut x: u64 = 0x1234_5678;
    for _ in 0..200 {
        let s: String = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"()[]{}:,\"abc019 \n.-eE_"[(x % 22) as usize])
            })
            .collect();
        let _ = parse(&s, "random");
    }
    // Huge numbers and wrong types.
    err("(version: 1, graph: (nodes: [(id: 99999999999999999999, layer: Input)]))");
    err("(version: 1, graph: (nodes: [(id: 0, layer: Dense((units: Fixed(-3))))]))");
    err("(version: 1, graph: (nodes: [(id: 0, layer: Dropout(rate: \"half\"))]))");
    err("(version: 1, graph: 7)");
    err("(version: 1)");
    err("42");
    // A Dense of 10^12 units is refused with the memory it would need.
    let e =
        err("(version: 1, graph: (nodes: [(id: 0, layer: Dense((units: Fixed(1000000000000))))]))");
    assert!(e.to_string().contains("TB"), "{e}");
    // Duplicate ids, dangling wires, NaN positions.
    assert!(
        err("(version: 1, graph: (nodes: [(id: 0, layer: Input), (id: 0, layer: Flatten)]))")
            .to_string()
            .contains("unique")
    );
    assert!(
        err("(version: 1, graph: (nodes: [(id: 0, layer: Input)], edges: [(from: 0, to: 5)]))")
            .to_string()
            .contains("not in the file")
    );
    err("(version: 1, graph: (nodes: [(id: 0, layer: Input, pos: (NaN, 0.0))]))");
    // Batch size out of range.
    err("(version: 1, graph: (nodes: []), training: (batch_size: 100000000))");
}

#[test]
fn versions() {
    match err("(version: 7, graph: (nodes: []))") {
        ProjectError::NewerVersion {
            found: 7,
            supported: 1,
            ..
        } => {}
        other => panic!("{other}"),
    }
    assert!(
        err("(version: 7, graph: (nodes: []))")
            .to_string()
            .contains("newer Neuroglass")
    );
    err("(version: 0, graph: (nodes: []))");
    // A minimal file without optional parts loads with defaults.
    let p = parse(
        "(version: 1, graph: (nodes: [(id: 3, layer: Input)]))",
        "min",
    )
    .unwrap();
    assert_eq!(p.graph.nodes().len(), 1);
    assert_eq!(
        p.graph.next_id(),
        4,
        "new ids never collide with stored ones"
    );
    assert_eq!(p.training, TrainConfig::default());
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn files_too_large_or_binary_are_refused_before_parsing() {
    let d = temp_dir("large");
    let big = d.join("big.ron");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(200 << 20).unwrap(); // sparse: 200 MB without writing it
    assert!(matches!(
        project::load(&big),
        Err(ProjectError::TooLarge { .. })
    ));
    let bin = d.join("bin.ron");
    std::fs::write(&bin, [0x28u8, 0xff, 0xfe, 0x00, 0x29]).unwrap();
    assert!(matches!(
        project::load(&bin),
        Err(ProjectError::NotText { offset: 1, .. })
    ));
    assert!(matches!(
        project::load(&d.join("missing.ron")),
        Err(ProjectError::Io { .. })
    ));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_failed_save_keeps_the_previous_file() {
    let d = temp_dir("save");
    let path = d.join("p.ron");
    let p = every_kind_project();
    project::save(&p, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert_eq!(project::load(&path).unwrap(), p);
    // The target is now a directory's child of a regular file: cannot be written, even as root.
    let blocker = d.join("file");
    std::fs::write(&blocker, b"x").unwrap();
    assert!(project::save(&p, &blocker.join("p.ron")).is_err());
    // Replacing a directory fails and leaves no temporary file behind.
    std::fs::create_dir(d.join("dir.ron")).unwrap();
    assert!(project::save(&p, &d.join("dir.ron")).is_err());
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let _ = std::fs::remove_dir_all(&d);
}
