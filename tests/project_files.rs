//! Project files: round trips, determinism, migration, and a corpus of
//! damaged and hostile files that must give clear errors, never panics.

mod project_support;

use neuroglass::model::*;
use neuroglass::project::{self, ProjectError};
use project_support::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn parse(text: &str) -> Result<Project, ProjectError> {
    project::parse(text, "test.ron")
}

#[test]
fn round_trip_every_layer_and_setting() {
    for i in 0..10 {
        let p = rich_project(i);
        let text = project::to_string(&p).unwrap();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, p, "project {i}");
        assert_eq!(back.graph.next_id(), p.graph.next_id());
        assert_eq!(project::to_string(&back).unwrap(), text);
    }
}

#[test]
fn round_trip_through_a_file() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("p.ron");
    let p = rich_project(3);
    project::save(&p, &path).unwrap();
    assert_eq!(project::load(&path).unwrap(), p);
    assert!(
        std::fs::read_dir(&dir).unwrap().count() == 1,
        "temp file left behind"
    );
}

#[test]
fn output_is_deterministic_and_sorted() {
    let p = rich_project(1);
    let dir = temp_dir("determinism");
    let (a, b) = (dir.join("a.ron"), dir.join("b.ron"));
    project::save(&p, &a).unwrap();
    project::save(&p, &b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    // The same graph built in another order writes the same bytes.
    let mut g1 = Graph::new();
    let x = g1.add_node("x", LayerSpec::Input, [0.0, 0.0]);
    let y = g1.add_node("y", LayerSpec::Input, [0.0, 50.0]);
    let s = g1.add_node("sum", LayerSpec::Concatenate, [100.0, 0.0]);
    let mut g2 = g1.clone();
    g1.connect(x, s).unwrap();
    g1.connect(y, s).unwrap();
    g2.connect(y, s).unwrap();
    g2.connect(x, s).unwrap();
    // Ports differ (order of wiring), so fix them up to the same wiring.
    let g2 = Graph::from_parts(
        g2.nodes().to_vec(),
        g1.edges().iter().rev().copied().collect(),
        0,
    );
    let t1 = project::to_string(&Project {
        graph: g1,
        ..Project::default()
    })
    .unwrap();
    let t2 = project::to_string(&Project {
        graph: g2,
        ..Project::default()
    })
    .unwrap();
    assert_eq!(t1, t2);
    let edges: Vec<&str> = t1.lines().filter(|l| l.contains("from:")).collect();
    let mut sorted = edges.clone();
    sorted.sort();
    assert_eq!(edges, sorted);
}

#[test]
fn minimal_file_loads_with_defaults() {
    let p = parse("(version: 1)").unwrap();
    assert_eq!(p, Project::default());
    let p = parse(
        "// comment\n(version: 1, graph: (nodes: [(id: 4, kind: Input)]), training: (epochs: 3))",
    )
    .unwrap();
    assert_eq!(p.graph.nodes().len(), 1);
    assert_eq!(p.graph.next_id(), 5);
    assert_eq!(p.training.epochs, 3);
    assert_eq!(p.training.batch_size, TrainConfig::default().batch_size);
}

#[test]
fn version_zero_migrates_forward() {
    let v0 = r#"(
        version: 0,
        name: "old",
        nodes: [
            (id: 0, name: "a", spec: Input, x: 1.0, y: 2.0),
            (id: 1, name: "b", spec: Input),
            (id: 2, name: "cat", spec: Concatenate),
        ],
        wires: [(1, 2), (0, 2)],
    )"#;
    let p = parse(v0).unwrap();
    assert_eq!(p.name, "old");
    assert_eq!(p.graph.node(NodeId(0)).unwrap().pos, [1.0, 2.0]);
    let ins = p.graph.inputs_of(NodeId(2));
    assert_eq!(
        ins.iter().map(|e| (e.from.0, e.port)).collect::<Vec<_>>(),
        vec![(1, 0), (0, 1)]
    );
    assert_eq!(p.graph.next_id(), 3);
    // Saved again, it is a version-1 file.
    assert!(project::to_string(&p).unwrap().contains("version: 1,"));
}

#[test]
fn newer_version_is_refused_by_name() {
    let e = parse("(version: 7, some_future_field: [1, 2, 3], graph: Wormhole)").unwrap_err();
    assert!(
        matches!(
            e,
            ProjectError::NewerVersion {
                found: 7,
                supported: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("newer"), "{e}");
}

#[test]
fn missing_version_is_explained() {
    let e = parse("(name: \"x\")").unwrap_err();
    assert!(matches!(e, ProjectError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("version"), "{e}");
}

#[test]
fn syntax_errors_say_where_and_what() {
    let text = "(\n    version: 1,\n    training: (batch_size: \"many\"),\n)";
    let e = parse(text).unwrap_err();
    match &e {
        ProjectError::Syntax {
            origin,
            line,
            col,
            message,
        } => {
            assert_eq!(origin, "test.ron");
            assert_eq!(*line, 3);
            assert!(*col > 1);
            assert!(!message.is_empty());
            assert_eq!(e.to_string(), format!("test.ron:3:{col}: {message}"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_types_and_missing_fields_are_errors() {
    let cases = [
        "(version: \"one\")",
        "(version: -1)",
        "(version: 1.5)",
        "(version: 1, name: 5)",
        "(version: 1, graph: (nodes: 3))",
        "(version: 1, graph: (nodes: [(id: 0)]))",
        "(version: 1, graph: (nodes: [(kind: Input)]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Dense((units: 3)))]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Teleporter)]))",
        "(version: 1, graph: (edges: [(from: 0)]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Input, pos: (1.0))]))",
        "(version: 1, training: (loss: Quadratic))",
        "(version: 1, data: (source: Bundled(Cifar)))",
        "(version: 1, trainig: (epochs: 3))",
        "[1, 2, 3]",
        "42",
        "\"project\"",
        "(version: 1) trailing",
    ];
    for c in cases {
        let e = parse(c).expect_err(c);
        assert!(
            matches!(
                e,
                ProjectError::Syntax { .. } | ProjectError::Invalid { .. }
            ),
            "{c}: {e:?}"
        );
    }
    let e = parse("(version: 1, graph: (nodes: [(id: 0)]))").unwrap_err();
    assert!(e.to_string().contains("kind"), "{e}");
}

#[test]
fn huge_numbers_are_refused() {
    let e = parse(
        "(version: 1, graph: (nodes: [(id: 0, kind: Dense((units: Fixed(1000000000000))))]))",
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ProjectError::Invalid { .. }), "{e:?}");
    assert!(
        msg.contains("Dense of 1000000000000 units would need 3.6 TB"),
        "{msg}"
    );
    assert!(msg.contains("limit"), "{msg}");
    for c in [
        "(version: 99999999999999999999999999999)",
        "(version: 1, training: (batch_size: 99999999999999999999999999999))",
        "(version: 1, training: (batch_size: 0))",
        "(version: 1, training: (batch_size: 18446744073709551615))",
        "(version: 1, training: (learning_rate: 1e999))",
        "(version: 1, training: (learning_rate: NaN))",
        "(version: 1, training: (epochs: 0))",
        "(version: 1, data: (source: Generated(generator: Circles, samples: 18446744073709551615, noise: 0.1)))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Reshape(shape: [4294967296, 4294967296, 16]))]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Conv2D((filters: 100000000))))]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Lstm((units: 10000000)))]))",
        "(version: 1, graph: (nodes: [(id: 4294967296, kind: Input)]))",
        "(version: 1, graph: (edges: [(from: 0, to: 1, port: 70000)]))",
        "(version: 1, graph: (nodes: [(id: 0, kind: Input, pos: (1e39, 0.0))]))",
    ] {
        let e = parse(c).expect_err(c);
        assert!(
            matches!(
                e,
                ProjectError::Syntax { .. } | ProjectError::Invalid { .. }
            ),
            "{c}: {e:?}"
        );
    }
}

#[test]
fn semantic_problems_are_invalid() {
    for (c, needle) in [
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 0, kind: Flatten)]))",
            "id 0",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input)], edges: [(from: 0, to: 9)]))",
            "9",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Flatten)], edges: [(from: 0, to: 0)]))",
            "itself",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input, pos: (NaN, 0.0))]))",
            "position",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input, pos: (inf, 0.0))]))",
            "position",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Dropout(rate: 1.5))]))",
            "dropout",
        ),
        ("(version: 1, training: (batch_size: 0))", "batch size"),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 1, kind: Flatten)], \
             edges: [(from: 0, to: 1), (from: 0, to: 1)]))",
            "twice",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 1, kind: Input), (id: 2, kind: Add)], \
             edges: [(from: 0, to: 2), (from: 1, to: 2)]))",
            "port 0",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 1, kind: Input), (id: 2, kind: Add)], \
             edges: [(from: 0, to: 2, port: 0), (from: 1, to: 2, port: 2)]))",
            "without gaps",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Flatten), (id: 1, kind: Input)], \
             edges: [(from: 0, to: 1)]))",
            "takes no inputs",
        ),
        (
            "(version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 1, kind: Input), (id: 2, kind: Flatten)], \
             edges: [(from: 0, to: 2, port: 0), (from: 1, to: 2, port: 1)]))",
            "takes one input",
        ),
    ] {
        let e = parse(c).expect_err(c);
        assert!(matches!(e, ProjectError::Invalid { .. }), "{c}: {e:?}");
        assert!(e.to_string().contains(needle), "{c}: {e}");
    }
}

#[test]
fn empty_and_blank_files_are_errors() {
    for c in [
        "",
        "   \n\t ",
        "\u{feff}",
        "// only a comment\n",
        "/* unclosed",
    ] {
        let e = parse(c).expect_err(c);
        assert!(matches!(e, ProjectError::Syntax { .. }), "{c:?}: {e:?}");
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    for open in ["(", "[", "{", "Some("] {
        let text = format!("(version: 1, name: {}", open.repeat(100_000));
        let e = parse(&text).unwrap_err();
        assert!(e.to_string().contains("nest deeper"), "{e}");
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text).is_err());
    }
    // Brackets inside strings and comments are not nesting.
    let inner = "(".repeat(1000);
    let p = parse(&format!("(version: 1, name: \"{inner}\") // {inner}")).unwrap();
    assert_eq!(p.name, inner);
    // Just under the limit, in a field the version probe skips over
    // recursively: the parser's own recursion limit is not reached, and the
    // unknown field is then reported by name.
    let depth = project::MAX_NESTING - 1;
    let text = format!(
        "(version: 1, extra: {}{})",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    // Run it on a small stack to show the recursion is shallow.
    let e = std::thread::Builder::new()
        .stack_size(512 << 10)
        .spawn(move || parse(&text).unwrap_err())
        .unwrap()
        .join()
        .unwrap();
    assert!(e.to_string().contains("extra"), "{e}");
}

#[test]
fn every_truncation_of_a_sample_is_an_error() {
    let text = project::to_string(&small_project()).unwrap();
    assert!(text.len() < 4000, "keep the sample modest: {}", text.len());
    let end = text.trim_end().len();
    let mut checked = 0;
    for cut in 0..end {
        if let Some(prefix) = text.get(..cut) {
            assert!(parse(prefix).is_err(), "truncated at {cut} loaded");
            checked += 1;
        }
    }
    assert!(checked > 500);
    assert_eq!(parse(&text[..end]).unwrap(), small_project());
}

#[test]
fn every_truncation_of_a_file_is_an_error() {
    let dir = temp_dir("truncate-file");
    let bytes = project::to_string(&small_project()).unwrap().into_bytes();
    let path = dir.join("t.ron");
    let end = String::from_utf8_lossy(&bytes).trim_end().len();
    for cut in (0..end).step_by(7) {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let e = project::load(&path).unwrap_err();
        assert!(
            matches!(
                e,
                ProjectError::Syntax { .. } | ProjectError::NotText { .. }
            ),
            "{cut}: {e:?}"
        );
    }
}

#[test]
fn random_bytes_and_random_ron_are_errors() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let dir = temp_dir("random");
    let path = dir.join("r.ron");
    for _ in 0..200 {
        let n = rng.random_range(0..3000);
        let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(project::load(&path).is_err());
    }
    // Text made of RON's own characters, and mutations of a real file.
    let alphabet: Vec<char> = "()[]{}:,\"'0123456789.-+eE abcversionidkndInputDense\n/\\*#r"
        .chars()
        .collect();
    for _ in 0..500 {
        let n = rng.random_range(0..400);
        let text: String = (0..n)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let _ = parse(&text);
    }
    let sample: Vec<char> = project::to_string(&rich_project(2))
        .unwrap()
        .chars()
        .collect();
    for _ in 0..300 {
        let mut m = sample.clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..m.len());
            m[i] = alphabet[rng.random_range(0..alphabet.len())];
        }
        let text: String = m.into_iter().collect();
        if let Ok(p) = parse(&text) {
            // Whatever loads must save and load back the same.
            let again = project::to_string(&p).unwrap();
            assert_eq!(parse(&again).unwrap(), p);
        }
    }
}

#[test]
fn binary_file_is_not_text() {
    let dir = temp_dir("binary");
    let path = dir.join("b.ron");
    std::fs::write(&path, b"(version: 1, name: \"\0\xff\")").unwrap();
    let e = project::load(&path).unwrap_err();
    assert!(matches!(e, ProjectError::NotText { .. }), "{e:?}");
    std::fs::write(&path, [0xC3u8, 0x28, 0x28]).unwrap();
    assert!(matches!(
        project::load(&path).unwrap_err(),
        ProjectError::NotText { .. }
    ));
}

#[test]
fn huge_file_is_refused_by_size_before_reading() {
    let dir = temp_dir("huge");
    let path = dir.join("big.ron");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(200 << 20).unwrap(); // sparse: nothing is written or read
    let e = project::load(&path).unwrap_err();
    match e {
        ProjectError::TooLarge { bytes, limit, .. } => {
            assert_eq!(bytes, 200 << 20);
            assert_eq!(limit, project::MAX_FILE_BYTES);
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn missing_file_and_directory_are_io_errors() {
    let dir = temp_dir("io");
    let e = project::load(&dir.join("nope.ron")).unwrap_err();
    assert!(matches!(e, ProjectError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("nope.ron"));
    assert!(matches!(
        project::load(&dir).unwrap_err(),
        ProjectError::Io { .. }
    ));
}

/// Frozen copies of every example as written in format version 1
/// (`tests/fixtures/v1/`): they must keep loading, whatever the model's
/// types become, and mean the same after a save and reload. A new example
/// needs its frozen copy here.
#[test]
fn frozen_version_1_examples_keep_loading() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let frozen = root.join("tests/fixtures/v1");
    let names = |dir: &std::path::Path| -> std::collections::BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ron"))
            .collect()
    };
    let have = names(&frozen);
    assert!(have.len() >= 13, "{have:?}");
    for example in names(&root.join("projects")) {
        assert!(
            have.contains(&example),
            "projects/{example} has no frozen copy in tests/fixtures/v1/"
        );
    }
    for name in &have {
        let path = frozen.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("version: 1"), "{name} is a version-1 file");
        let p = project::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.graph.nodes().is_empty(), "{name}");
        let info = resolve_data_info(&p, Some(&root.join("projects")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let a = analyze(&p.graph, Some(&info), &p.training);
        assert!(!a.has_errors(), "{name}: {:?}", a.graph_problems);
        let again = parse(&project::to_string(&p).unwrap()).unwrap();
        assert_eq!(again, p, "{name} means the same after save and reload");
    }
    // A few values read from the frozen files, so a renamed field or
    // variant that still parses to something else is noticed.
    let xor = project::load(&frozen.join("xor.ron")).unwrap();
    assert_eq!(xor.training.learning_rate, 0.03);
    assert_eq!(xor.training.loss, LossKind::BinaryCrossEntropy);
    assert!(matches!(
        xor.graph.nodes()[1].spec,
        LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(8),
            ..
        })
    ));
    let cnn = project::load(&frozen.join("mnist_cnn.ron")).unwrap();
    assert!(
        cnn.graph
            .nodes()
            .iter()
            .any(|n| matches!(n.spec, LayerSpec::Conv2D(_)))
    );
}
