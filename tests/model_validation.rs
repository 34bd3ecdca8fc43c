//! Shape inference for every layer kind and every validation problem.

use neuroglass::model::infer::image_shapes_for;
use neuroglass::model::*;

fn info(shape: &[usize], classes: Option<usize>) -> DataInfo {
    DataInfo {
        input_shape: shape.to_vec(),
        classes,
        targets: 1,
    }
}

/// Builds Input → specs… as a chain and returns the graph and ids.
fn chain(specs: &[LayerSpec]) -> (Graph, Vec<NodeId>) {
    let mut g = Graph::new();
    let mut ids = vec![g.add_node("in", LayerSpec::Input, [0.0, 0.0])];
    for (i, s) in specs.iter().enumerate() {
        let id = g.add_node(format!("l{i}"), s.clone(), [0.0, 0.0]);
        g.connect(*ids.last().unwrap(), id).unwrap();
        ids.push(id);
    }
    (g, ids)
}

fn regression() -> TrainConfig {
    TrainConfig {
        loss: LossKind::Mse,
        ..TrainConfig::default()
    }
}

fn dense(units: usize) -> LayerSpec {
    LayerSpec::Dense(DenseSpec {
        units: Units::Fixed(units),
        ..DenseSpec::default()
    })
}

fn messages(a: &Analysis) -> Vec<String> {
    a.problems()
        .map(|(_, p)| format!("{:?}: {} — {}", p.severity, p.message, p.fix))
        .collect()
}

fn shape_of(a: &Analysis, id: NodeId) -> Vec<usize> {
    a.nodes[&id].out_shape.clone().unwrap_or_default()
}

#[test]
fn mnist_cnn_shapes_params_and_flops() {
    let (g, ids) = chain(&[
        LayerSpec::Conv2D(Conv2DSpec::default()),
        LayerSpec::Activation(Activation::ReLU),
        LayerSpec::MaxPool2D(PoolSpec::default()),
        LayerSpec::Conv2D(Conv2DSpec {
            filters: 16,
            ..Conv2DSpec::default()
        }),
        LayerSpec::BatchNorm(BatchNormSpec::default()),
        LayerSpec::AvgPool2D(PoolSpec::default()),
        LayerSpec::Dropout { rate: 0.25 },
        LayerSpec::Flatten,
        LayerSpec::Dense(DenseSpec {
            units: Units::Auto,
            ..DenseSpec::default()
        }),
    ]);
    let a = analyze(
        &g,
        Some(&info(&[1, 28, 28], Some(10))),
        &TrainConfig::default(),
    );
    assert!(!a.has_errors(), "{:?}", messages(&a));
    let expect: [&[usize]; 10] = [
        &[1, 28, 28],
        &[8, 28, 28],
        &[8, 28, 28],
        &[8, 14, 14],
        &[16, 14, 14],
        &[16, 14, 14],
        &[16, 7, 7],
        &[16, 7, 7],
        &[784],
        &[10],
    ];
    for (id, e) in ids.iter().zip(expect) {
        assert_eq!(shape_of(&a, *id), e);
    }
    assert_eq!(a.nodes[&ids[1]].params, 8 * 9 + 8);
    assert_eq!(a.nodes[&ids[4]].params, 16 * 8 * 9 + 16);
    assert_eq!(a.nodes[&ids[5]].params, 32);
    assert_eq!(a.nodes[&ids[9]].params, 784 * 10 + 10);
    assert_eq!(a.nodes[&ids[1]].flops, 2 * 8 * 9 * 28 * 28);
    assert_eq!(a.total_params, 80 + 1168 + 32 + 7850);
    assert_eq!(a.output, Some(ids[9]));
    assert!(a.train_memory_bytes > a.total_params * 16);
}

#[test]
fn strided_valid_conv_and_global_pool() {
    let (g, ids) = chain(&[
        LayerSpec::Conv2D(Conv2DSpec {
            filters: 4,
            kernel: 3,
            stride: 2,
            padding: Padding::Valid,
            ..Conv2DSpec::default()
        }),
        LayerSpec::GlobalAvgPool,
        LayerSpec::Dense(DenseSpec {
            units: Units::Auto,
            ..DenseSpec::default()
        }),
    ]);
    let a = analyze(
        &g,
        Some(&info(&[3, 9, 8], Some(5))),
        &TrainConfig::default(),
    );
    assert!(!a.has_errors(), "{:?}", messages(&a));
    assert_eq!(shape_of(&a, ids[1]), [4, 4, 3]);
    assert_eq!(shape_of(&a, ids[2]), [4]);
    assert_eq!(shape_of(&a, ids[3]), [5]);
}

#[test]
fn same_padding_with_stride_rounds_up() {
    let (g, ids) = chain(&[LayerSpec::Conv2D(Conv2DSpec {
        stride: 2,
        ..Conv2DSpec::default()
    })]);
    let a = analyze(&g, Some(&info(&[1, 7, 7], None)), &regression());
    assert_eq!(shape_of(&a, ids[1]), [8, 4, 4]);
}

#[test]
fn recurrent_layers_shapes_and_params() {
    for (spec, gates) in [
        (LayerSpec::SimpleRnn(RnnSpec::default()), 1),
        (LayerSpec::Lstm(RnnSpec::default()), 4),
        (LayerSpec::Gru(RnnSpec::default()), 3),
    ] {
        let (g, ids) = chain(&[spec.clone(), dense(1)]);
        let a = analyze(&g, Some(&info(&[50, 1], None)), &regression());
        assert!(!a.has_errors(), "{:?}", messages(&a));
        assert_eq!(shape_of(&a, ids[1]), [32]);
        assert_eq!(a.nodes[&ids[1]].params, gates * (32 * (1 + 32) + 2 * 32));
        let seq = match spec {
            LayerSpec::SimpleRnn(r) => LayerSpec::SimpleRnn(RnnSpec {
                return_sequences: true,
                ..r
            }),
            LayerSpec::Lstm(r) => LayerSpec::Lstm(RnnSpec {
                return_sequences: true,
                ..r
            }),
            LayerSpec::Gru(r) => LayerSpec::Gru(RnnSpec {
                return_sequences: true,
                ..r
            }),
            _ => unreachable!(),
        };
        let (g, ids) = chain(&[
            seq,
            LayerSpec::LayerNorm { eps: 1e-5 },
            LayerSpec::Flatten,
            dense(1),
        ]);
        let a = analyze(&g, Some(&info(&[50, 1], None)), &regression());
        assert!(!a.has_errors(), "{:?}", messages(&a));
        assert_eq!(shape_of(&a, ids[1]), [50, 32]);
        assert_eq!(a.nodes[&ids[2]].params, 2 * 50 * 32);
        assert_eq!(shape_of(&a, ids[3]), [1600]);
    }
}

#[test]
fn every_activation_keeps_the_shape() {
    for act in [
        Activation::ReLU,
        Activation::LeakyReLU { slope: 0.1 },
        Activation::Elu { alpha: 1.0 },
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
        Activation::Gelu,
        Activation::Linear,
    ] {
        let (g, ids) = chain(&[LayerSpec::Activation(act), LayerSpec::Flatten, dense(1)]);
        let a = analyze(&g, Some(&info(&[2, 3, 3], None)), &regression());
        assert_eq!(shape_of(&a, ids[1]), [2, 3, 3], "{act:?}");
        assert_eq!(a.nodes[&ids[1]].params, 0);
    }
}

#[test]
fn reshape_and_its_mismatch() {
    let (g, ids) = chain(&[
        LayerSpec::Reshape {
            shape: vec![1, 8, 8],
        },
        LayerSpec::Conv2D(Conv2DSpec::default()),
        LayerSpec::Flatten,
        dense(1),
    ]);
    let a = analyze(&g, Some(&info(&[64], None)), &regression());
    assert!(!a.has_errors(), "{:?}", messages(&a));
    assert_eq!(shape_of(&a, ids[2]), [8, 8, 8]);

    let (g, ids) = chain(&[
        LayerSpec::Reshape {
            shape: vec![1, 28, 28],
        },
        LayerSpec::Flatten,
        dense(1),
    ]);
    let a = analyze(&g, Some(&info(&[100], None)), &regression());
    let p = &a.nodes[&ids[1]].problems[0];
    assert_eq!(
        p.message,
        "Reshape to 1×28×28 needs 784 values but gets 100 (100)"
    );
}

#[test]
fn branches_with_add_and_concatenate() {
    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let a1 = g.add_node("a", dense(8), [0.0, 0.0]);
    let b1 = g.add_node("b", dense(8), [0.0, 0.0]);
    let add = g.add_node("add", LayerSpec::Add, [0.0, 0.0]);
    let cat = g.add_node("cat", LayerSpec::Concatenate, [0.0, 0.0]);
    let out = g.add_node("out", dense(1), [0.0, 0.0]);
    for (f, t) in [
        (i, a1),
        (i, b1),
        (a1, add),
        (b1, add),
        (add, cat),
        (i, cat),
        (cat, out),
    ] {
        g.connect(f, t).unwrap();
    }
    let an = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(!an.has_errors(), "{:?}", messages(&an));
    assert_eq!(shape_of(&an, add), [8]);
    assert_eq!(shape_of(&an, cat), [10]);
    assert_eq!(an.order.first(), Some(&i));
    assert_eq!(an.order.last(), Some(&out));
}

fn first_error(a: &Analysis) -> String {
    a.problems()
        .find(|(_, p)| p.severity == Severity::Error)
        .map(|(_, p)| p.message.clone())
        .unwrap_or_default()
}

#[test]
fn dense_on_an_image_says_insert_flatten() {
    let (g, ids) = chain(&[
        LayerSpec::Conv2D(Conv2DSpec {
            filters: 16,
            ..Default::default()
        }),
        LayerSpec::MaxPool2D(PoolSpec::default()),
        LayerSpec::MaxPool2D(PoolSpec::default()),
        dense(10),
    ]);
    let a = analyze(
        &g,
        Some(&info(&[1, 28, 28], Some(10))),
        &TrainConfig::default(),
    );
    let p = &a.nodes[&ids[4]].problems[0];
    assert_eq!(p.message, "Dense expects a flat input but gets 16×7×7");
    assert_eq!(p.fix, "insert a Flatten before it");
}

#[test]
fn conv_and_rnn_on_wrong_ranks() {
    let (g, ids) = chain(&[LayerSpec::Conv2D(Conv2DSpec::default())]);
    let a = analyze(&g, Some(&info(&[784], None)), &regression());
    assert!(
        a.nodes[&ids[1]].problems[0]
            .message
            .contains("expects images")
    );
    let (g, ids) = chain(&[LayerSpec::Lstm(RnnSpec::default())]);
    let a = analyze(&g, Some(&info(&[20], None)), &regression());
    assert!(a.nodes[&ids[1]].problems[0].fix.contains("20×1"));
    let (g, ids) = chain(&[LayerSpec::BatchNorm(BatchNormSpec::default())]);
    let a = analyze(&g, Some(&info(&[20, 3], None)), &regression());
    assert!(a.nodes[&ids[1]].problems[0].message.contains("BatchNorm"));
}

#[test]
fn kernel_larger_than_input() {
    let (g, ids) = chain(&[LayerSpec::Conv2D(Conv2DSpec {
        kernel: 5,
        padding: Padding::Valid,
        ..Default::default()
    })]);
    let a = analyze(&g, Some(&info(&[1, 3, 3], None)), &regression());
    assert_eq!(
        a.nodes[&ids[1]].problems[0].message,
        "the 5×5 kernel is larger than its 3×3 input"
    );
    let (g, ids) = chain(&[LayerSpec::MaxPool2D(PoolSpec { size: 4, stride: 4 })]);
    let a = analyze(&g, Some(&info(&[1, 3, 3], None)), &regression());
    assert!(
        a.nodes[&ids[1]].problems[0]
            .message
            .contains("window is larger")
    );
}

#[test]
fn cycle_is_reported() {
    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let a = g.add_node("a", LayerSpec::Add, [0.0, 0.0]);
    let b = g.add_node("b", dense(2), [0.0, 0.0]);
    g.connect(i, a).unwrap();
    g.connect(a, b).unwrap();
    assert_eq!(g.connect(b, a), Err(GraphError::Cycle));
    // A cycle can still arrive from a file: build it from parts.
    let edges = vec![
        Edge {
            from: i,
            to: a,
            port: 0,
        },
        Edge {
            from: a,
            to: b,
            port: 0,
        },
        Edge {
            from: b,
            to: a,
            port: 1,
        },
    ];
    let g = Graph::from_parts(g.nodes().to_vec(), edges, 0);
    let an = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(first_error(&an).contains("cycle"));
    assert!(!an.nodes[&a].problems.is_empty());
}

#[test]
fn no_input_unconnected_and_several_outputs() {
    let mut g = Graph::new();
    g.add_node("d", dense(2), [0.0, 0.0]);
    let a = analyze(&g, None, &regression());
    let all = messages(&a).join("\n");
    assert!(all.contains("no Input layer"), "{all}");
    assert!(all.contains("not connected"), "{all}");

    let (mut g, ids) = chain(&[dense(4), dense(1)]);
    let extra = g.add_node("extra", dense(3), [0.0, 0.0]);
    g.connect(ids[1], extra).unwrap();
    let a = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(first_error(&a).contains("2 outputs"), "{:?}", messages(&a));
    assert_eq!(a.output, None);

    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let add = g.add_node("add", LayerSpec::Add, [0.0, 0.0]);
    g.connect(i, add).unwrap();
    let a = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(first_error(&a).contains("at least two inputs"));

    let mut g = Graph::new();
    g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    g.add_node("in2", LayerSpec::Input, [0.0, 0.0]);
    let a = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(messages(&a).join(" ").contains("2 Input layers"));
}

#[test]
fn add_of_unequal_shapes_and_bad_concatenate() {
    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let a = g.add_node("a", dense(8), [0.0, 0.0]);
    let b = g.add_node("b", dense(4), [0.0, 0.0]);
    let add = g.add_node("add", LayerSpec::Add, [0.0, 0.0]);
    for (f, t) in [(i, a), (i, b), (a, add), (b, add)] {
        g.connect(f, t).unwrap();
    }
    let an = analyze(&g, Some(&info(&[2], None)), &regression());
    assert_eq!(
        an.nodes[&add].problems[0].message,
        "Add needs inputs of equal shape but gets 8 and 4"
    );

    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let f = g.add_node("f", LayerSpec::Flatten, [0.0, 0.0]);
    let cat = g.add_node("cat", LayerSpec::Concatenate, [0.0, 0.0]);
    for (x, y) in [(i, f), (i, cat), (f, cat)] {
        g.connect(x, y).unwrap();
    }
    let an = analyze(&g, Some(&info(&[1, 4, 4], None)), &regression());
    assert!(an.nodes[&cat].problems[0].message.contains("Concatenate"));
}

#[test]
fn loss_against_output_and_data() {
    let ce = TrainConfig::default();
    let bce = TrainConfig {
        loss: LossKind::BinaryCrossEntropy,
        ..TrainConfig::default()
    };
    let two = info(&[2], Some(2));
    // Cross-entropy on a 1-unit output.
    let (g, _) = chain(&[dense(1)]);
    assert!(first_error(&analyze(&g, Some(&two), &ce)).contains("1 unit"));
    // Units disagree with classes.
    let (g, _) = chain(&[dense(3)]);
    assert_eq!(
        first_error(&analyze(&g, Some(&two), &ce)),
        "the output has 3 units but the data has 2 classes"
    );
    // BCE needs one unit, two classes.
    assert!(first_error(&analyze(&g, Some(&two), &bce)).contains("single output unit"));
    let (g, _) = chain(&[dense(1)]);
    assert!(!analyze(&g, Some(&two), &bce).has_errors());
    assert!(first_error(&analyze(&g, Some(&info(&[2], Some(3))), &bce)).contains("two classes"));
    // Regression loss on classes, and cross-entropy on numbers.
    assert!(first_error(&analyze(&g, Some(&two), &regression())).contains("numeric targets"));
    let (g, _) = chain(&[dense(2)]);
    assert!(first_error(&analyze(&g, Some(&info(&[2], None)), &ce)).contains("class labels"));
    // Softmax before cross-entropy is a warning, not an error.
    let (g, ids) = chain(&[dense(2), LayerSpec::Activation(Activation::Softmax)]);
    let a = analyze(&g, Some(&two), &ce);
    assert!(!a.has_errors());
    assert_eq!(a.nodes[&ids[2]].problems[0].severity, Severity::Warning);
    assert!(
        a.nodes[&ids[2]].problems[0]
            .message
            .contains("already applies softmax")
    );
    // Auto units for BCE is one.
    let (g, ids) = chain(&[LayerSpec::Dense(DenseSpec {
        units: Units::Auto,
        ..Default::default()
    })]);
    let a = analyze(&g, Some(&two), &bce);
    assert_eq!(shape_of(&a, ids[1]), [1]);
}

#[test]
fn absurd_sizes_are_refused_without_overflow() {
    let (g, ids) = chain(&[dense(1_000_000_000_000), dense(1)]);
    let a = analyze(&g, Some(&info(&[784], None)), &regression());
    let p = &a.nodes[&ids[1]].problems[0];
    assert!(p.message.contains("would need"), "{}", p.message);
    assert!(p.message.contains("TB"), "{}", p.message);
    let (g, ids) = chain(&[LayerSpec::Conv2D(Conv2DSpec {
        filters: usize::MAX,
        kernel: usize::MAX,
        ..Default::default()
    })]);
    let a = analyze(
        &g,
        Some(&info(&[usize::MAX, usize::MAX, 2], None)),
        &regression(),
    );
    assert!(a.has_errors());
    assert!(
        a.problems()
            .any(|(_, p)| p.message.contains("the limit is"))
    );
    assert_eq!(a.nodes[&ids[1]].out_shape, None);
}

#[test]
fn bad_training_settings() {
    let (g, _) = chain(&[dense(1)]);
    for (t, needle) in [
        (
            TrainConfig {
                learning_rate: f32::NAN,
                ..regression()
            },
            "learning rate",
        ),
        (
            TrainConfig {
                learning_rate: -1.0,
                ..regression()
            },
            "learning rate",
        ),
        (
            TrainConfig {
                batch_size: 0,
                ..regression()
            },
            "batch size",
        ),
        (
            TrainConfig {
                epochs: 0,
                ..regression()
            },
            "epochs",
        ),
        (
            TrainConfig {
                l2: -0.1,
                ..regression()
            },
            "L1 and L2",
        ),
        (
            TrainConfig {
                clip_grad_norm: Some(0.0),
                ..regression()
            },
            "clipping",
        ),
    ] {
        let a = analyze(&g, Some(&info(&[2], None)), &t);
        assert!(
            first_error(&a).contains(needle),
            "{needle}: {:?}",
            messages(&a)
        );
    }
    let a = analyze(&Graph::new(), None, &regression());
    assert!(first_error(&a).contains("empty"));
}

#[test]
fn dropout_rate_out_of_range() {
    let (g, ids) = chain(&[LayerSpec::Dropout { rate: 1.5 }, dense(1)]);
    let a = analyze(&g, Some(&info(&[2], None)), &regression());
    assert!(
        a.nodes[&ids[1]].problems[0]
            .message
            .contains("outside [0, 1)")
    );
}

#[test]
fn without_data_structure_is_still_checked() {
    let (g, ids) = chain(&[dense(4), dense(1)]);
    let a = analyze(&g, None, &regression());
    assert!(!a.has_errors(), "{:?}", messages(&a));
    assert_eq!(a.nodes[&ids[1]].out_shape, None);
}

#[test]
fn graph_edits_keep_ids_stable_and_ports_compact() {
    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let a = g.add_node("a", dense(2), [0.0, 0.0]);
    let b = g.add_node("b", dense(2), [0.0, 0.0]);
    let cat = g.add_node("cat", LayerSpec::Concatenate, [0.0, 0.0]);
    for (f, t) in [(i, a), (i, b), (a, cat), (b, cat)] {
        g.connect(f, t).unwrap();
    }
    assert_eq!(g.connect(a, cat), Err(GraphError::Duplicate));
    assert_eq!(g.connect(a, i), Err(GraphError::NoInputs("Input")));
    assert_eq!(g.connect(a, a), Err(GraphError::SelfLoop));
    g.remove_node(a);
    let c = g.add_node("c", dense(2), [0.0, 0.0]);
    assert!(c.0 > b.0, "ids are never reused");
    assert_eq!(
        g.inputs_of(cat).iter().map(|e| e.port).collect::<Vec<_>>(),
        [0]
    );
    // Rewiring a single-input node replaces its input.
    g.connect(c, b).unwrap();
    assert_eq!(g.inputs_of(b).len(), 1);
    assert_eq!(g.inputs_of(b)[0].from, c);
}

/// Issue 14, item 11: a stray node carries its own problem; the real output
/// is not blamed for it.
#[test]
fn a_stray_node_carries_its_own_problem_and_the_output_is_not_blamed() {
    let auto = LayerSpec::Dense(DenseSpec {
        units: Units::Auto,
        ..DenseSpec::default()
    });
    let (mut g, ids) = chain(&[
        dense(8),
        LayerSpec::Activation(Activation::Tanh),
        auto.clone(),
    ]);
    let out = ids[3];
    let data = info(&[2], Some(2));
    let clean = analyze(&g, Some(&data), &TrainConfig::default());
    assert!(!clean.has_errors(), "{:?}", messages(&clean));
    // A stray Dense dropped on the canvas and never wired.
    let stray = g.add_node("stray", auto.clone(), [300.0, 0.0]);
    // And a little chain that nothing from the Input reaches.
    let lone_a = g.add_node("lone a", dense(3), [300.0, 100.0]);
    let lone_b = g.add_node("lone b", dense(2), [300.0, 200.0]);
    g.connect(lone_a, lone_b).unwrap();
    let a = analyze(&g, Some(&data), &TrainConfig::default());
    assert_eq!(a.output, Some(out), "{:?}", messages(&a));
    assert!(
        a.nodes[&out].problems.is_empty(),
        "the real output is blamed: {:?}",
        a.nodes[&out].problems
    );
    assert_eq!(a.nodes[&out].out_shape, Some(vec![2]));
    for id in [stray, lone_a, lone_b] {
        let p = &a.nodes[&id].problems;
        assert!(
            p.iter()
                .any(|p| p.severity == Severity::Error && p.message.contains("not connected")),
            "{id:?}: {p:?}"
        );
    }
    assert!(
        !a.graph_problems
            .iter()
            .any(|p| p.message.contains("outputs")),
        "{:?}",
        a.graph_problems
    );
    assert!(a.has_errors(), "a stray node still stops training");
    // A dangling branch from the Input is a second output, named as such,
    // and the real output is still not told its Auto units are misplaced.
    let mut g2 = g.clone();
    for id in [stray, lone_a, lone_b] {
        g2.remove_node(id);
    }
    let dangling = g2.add_node("dangling", dense(4), [300.0, 0.0]);
    g2.connect(ids[1], dangling).unwrap();
    let a = analyze(&g2, Some(&data), &TrainConfig::default());
    assert!(first_error(&a).contains("2 outputs"), "{:?}", messages(&a));
    assert!(
        !a.nodes[&out]
            .problems
            .iter()
            .any(|p| p.message.contains("Auto units")),
        "{:?}",
        a.nodes[&out].problems
    );
}

/// Issue 14, item 12: a flat vector into a convolution or pooling layer
/// suggests only image shapes that hold it and fit the window.
#[test]
fn flat_into_conv_suggests_only_shapes_that_fit() {
    let conv = |kernel, padding| {
        LayerSpec::Conv2D(Conv2DSpec {
            kernel,
            padding,
            ..Default::default()
        })
    };
    let fix_for = |spec: LayerSpec, n: usize| {
        let (g, ids) = chain(&[spec]);
        let a = analyze(&g, Some(&info(&[n], None)), &regression());
        a.nodes[&ids[1]].problems[0].fix.clone()
    };
    let f = fix_for(conv(3, Padding::Same), 16);
    assert!(f.contains("1×4×4") && f.contains("4×2×2"), "{f}");
    assert!(!f.contains("28"), "{f}");
    let f = fix_for(conv(3, Padding::Valid), 16);
    assert!(f.contains("1×4×4") && !f.contains("4×2×2"), "{f}");
    let f = fix_for(conv(3, Padding::Same), 784);
    assert!(f.contains("1×28×28") && f.contains("4×14×14"), "{f}");
    let f = fix_for(conv(5, Padding::Valid), 16);
    assert!(f.contains("cannot make an image"), "{f}");
    let f = fix_for(LayerSpec::MaxPool2D(PoolSpec::default()), 12);
    assert!(f.contains("3×2×2"), "{f}");
    for n in [1usize, 2, 7, 10, 3072] {
        for s in image_shapes_for(n, 1, 3) {
            assert_eq!(s.iter().product::<usize>(), n, "{s:?} holds {n}");
        }
    }
    assert_eq!(
        image_shapes_for(3072, 1, 2),
        vec![[3, 32, 32], [12, 16, 16]]
    );
}
