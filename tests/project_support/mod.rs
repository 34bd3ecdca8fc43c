//! Shared helpers for the project-file tests (included with `mod`).

#![allow(dead_code)]

use std::path::PathBuf;

use neuroglass::model::*;

/// A fresh empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every `Init` variant.
pub fn inits() -> Vec<Init> {
    vec![
        Init::Default,
        Init::XavierUniform,
        Init::XavierNormal,
        Init::HeUniform,
        Init::HeNormal,
        Init::LeCun,
        Init::Zeros,
        Init::Constant(0.25),
    ]
}

/// Every layer kind, with non-default settings where there are settings.
pub fn every_layer(i: usize) -> Vec<LayerSpec> {
    let init = inits()[i % inits().len()];
    let mut v = LayerSpec::palette();
    v.extend([
        LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(7 + i),
            bias: false,
            init,
        }),
        LayerSpec::Dense(DenseSpec {
            units: Units::Auto,
            bias: true,
            init,
        }),
        LayerSpec::Conv2D(Conv2DSpec {
            filters: 4,
            kernel: 5,
            stride: 2,
            padding: Padding::Valid,
            bias: false,
            init,
        }),
        LayerSpec::Lstm(RnnSpec {
            units: 9,
            return_sequences: true,
            init,
        }),
        LayerSpec::Reshape { shape: vec![2, 3] },
    ]);
    v
}

/// Every loss, optimizer, schedule, generator, bundled set, feature,
/// normalisation and data source appears in one of these for i in 0..10.
pub fn training(i: usize) -> TrainConfig {
    let losses = [
        LossKind::Mse,
        LossKind::Mae,
        LossKind::Huber { delta: 1.5 },
        LossKind::CrossEntropy,
        LossKind::BinaryCrossEntropy,
    ];
    let opts = [
        OptimizerSpec::Sgd {
            momentum: 0.9,
            nesterov: true,
        },
        OptimizerSpec::adam(),
        OptimizerSpec::AdamW {
            beta1: 0.8,
            beta2: 0.99,
            eps: 1e-7,
            weight_decay: 0.01,
        },
        OptimizerSpec::RmsProp {
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.1,
        },
        OptimizerSpec::Adagrad { eps: 1e-10 },
    ];
    let schedules = [
        Schedule::Constant,
        Schedule::Step {
            every_epochs: 10,
            gamma: 0.5,
        },
        Schedule::Exponential { gamma: 0.95 },
        Schedule::Cosine { min_lr: 1e-5 },
        Schedule::Warmup { steps: 100 },
    ];
    TrainConfig {
        loss: losses[i % 5],
        optimizer: opts[i % 5],
        learning_rate: 0.003 * (i + 1) as f32,
        schedule: schedules[i % 5],
        batch_size: 16 + i,
        epochs: 20 + i,
        l1: 0.001,
        l2: if i.is_multiple_of(2) { 0.0 } else { 1e-4 },
        clip_grad_norm: (i % 2 == 1).then_some(5.0),
        early_stopping: i.is_multiple_of(2).then_some(EarlyStopping {
            patience: 3,
            restore_best: i.is_multiple_of(4),
        }),
        target_loss: i.is_multiple_of(3).then_some(0.05),
        target_accuracy: (i % 3 == 1).then_some(0.95),
        seed: 1000 + i as u64,
    }
}

/// Data settings covering every source over i in 0..10.
pub fn data(i: usize) -> DataSpec {
    let gens = [
        Generator::Circles,
        Generator::Xor,
        Generator::Blobs { classes: 4 },
        Generator::Spiral { arms: 3 },
        Generator::Moons,
        Generator::Function1D {
            function: [
                Function1D::Sine,
                Function1D::Polynomial,
                Function1D::Step,
                Function1D::Abs,
                Function1D::Linear,
            ][i % 5],
        },
        Generator::Plane,
        Generator::GaussianMixture,
        Generator::SineSequence { window: 12 },
        Generator::WaveShapes {
            window: 20,
            classes: 3,
        },
    ];
    let bundled = [
        Bundled::MnistSubset,
        Bundled::Digits8x8,
        Bundled::Iris,
        Bundled::Diabetes,
    ];
    let source = match i % 4 {
        0 | 1 => DataSource::Generated {
            generator: gens[i % gens.len()].clone(),
            samples: 300 + i,
            noise: 0.05,
        },
        2 => DataSource::Bundled(bundled[i / 4 % 4]),
        _ => {
            if i % 8 == 3 {
                DataSource::Csv {
                    path: "data/houses \"2024\".csv".into(),
                    target: Some("price".into()),
                    classification: false,
                    drop_empty: i % 16 == 3,
                    drop_bad: false,
                }
            } else {
                DataSource::Idx {
                    path: "mnist/".into(),
                }
            }
        }
    };
    let feats = [
        Feature::X1,
        Feature::X2,
        Feature::X1Squared,
        Feature::X2Squared,
        Feature::X1X2,
        Feature::SinX1,
        Feature::SinX2,
    ];
    DataSpec {
        source,
        validation_split: 0.25,
        normalization: [
            Normalization::Off,
            Normalization::Standardize,
            Normalization::MinMax,
        ][i % 3],
        features: feats[..(i % 8).min(7)].to_vec(),
    }
}

/// A project with every layer kind, wired in a chain plus a merge, and the
/// i-th combination of settings.
pub fn rich_project(i: usize) -> Project {
    let mut g = Graph::new();
    let mut prev = None;
    let mut ids = Vec::new();
    for (k, spec) in every_layer(i).into_iter().enumerate() {
        let id = g.add_node(
            format!("{} {k}", spec.kind_name()),
            spec,
            [k as f32 * 120.5, -(k as f32) * 3.25],
        );
        ids.push(id);
        if let Some(p) = prev
            && g.node(id).unwrap().spec.arity() != Some(0)
        {
            g.connect(p, id).unwrap();
        }
        prev = Some(id);
    }
    // A second input into every Add/Concatenate.
    for n in g.nodes().to_vec() {
        if n.spec.arity().is_none() {
            g.connect(ids[0], n.id).unwrap();
        }
    }
    // Leave a hole in the ids: removed nodes' ids are never reused.
    let gone = g.add_node("gone", LayerSpec::Flatten, [0.0, 0.0]);
    g.remove_node(gone);
    Project {
        name: format!("Every layer #{i} — ×"),
        notes: "Line one.\nLine \"two\" with (brackets] and // not a comment.\n".into(),
        graph: g,
        data: data(i),
        training: training(i),
    }
}

/// A small realistic project (for the every-byte truncation corpus).
pub fn small_project() -> Project {
    let mut g = Graph::new();
    let a = g.add_node("x", LayerSpec::Input, [0.0, 0.0]);
    let b = g.add_node(
        "hidden",
        LayerSpec::Dense(DenseSpec::default()),
        [150.0, 0.0],
    );
    let c = g.add_node(
        "relu",
        LayerSpec::Activation(Activation::ReLU),
        [300.0, 0.0],
    );
    let d = g.add_node(
        "out",
        LayerSpec::Dense(DenseSpec {
            units: Units::Auto,
            ..DenseSpec::default()
        }),
        [450.0, 0.0],
    );
    g.connect(a, b).unwrap();
    g.connect(b, c).unwrap();
    g.connect(c, d).unwrap();
    Project {
        name: "Spiral ×".into(),
        notes: "Two arms.".into(),
        graph: g,
        data: DataSpec::default(),
        training: TrainConfig::default(),
    }
}
