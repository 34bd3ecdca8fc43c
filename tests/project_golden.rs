//! The on-disk form of every data and training setting, frozen byte for
//! byte: `tests/fixtures/golden_settings.ron` is what the program wrote
//! both before and after the file format had its own settings types
//! (checked on commit 34d4334, which serialized the model's types), and saving the same
//! projects must still give exactly those bytes. Renaming a field or variant
//! of the model's types cannot change it without failing here.

use neuroglass::model::*;
use neuroglass::project;

/// A small network: Input → Dense.
fn graph() -> Graph {
    let mut g = Graph::new();
    let a = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let b = g.add_node("out", LayerSpec::Dense(DenseSpec::default()), [100.0, 0.0]);
    g.connect(a, b).expect("Input → Dense connects");
    g
}

/// Projects that together use every variant and field of the data and
/// training settings, each with non-default values.
fn projects() -> Vec<Project> {
    let losses = [
        LossKind::Mse,
        LossKind::Mae,
        LossKind::Huber { delta: 0.5 },
        LossKind::CrossEntropy,
        LossKind::BinaryCrossEntropy,
    ];
    let optimizers = [
        OptimizerSpec::Sgd {
            momentum: 0.9,
            nesterov: true,
        },
        OptimizerSpec::Adam {
            beta1: 0.8,
            beta2: 0.99,
            eps: 1e-7,
        },
        OptimizerSpec::AdamW {
            beta1: 0.85,
            beta2: 0.95,
            eps: 1e-6,
            weight_decay: 0.01,
        },
        OptimizerSpec::RmsProp {
            alpha: 0.9,
            eps: 1e-5,
            momentum: 0.1,
        },
        OptimizerSpec::Adagrad { eps: 1e-4 },
    ];
    let schedules = [
        Schedule::Constant,
        Schedule::Step {
            every_epochs: 7,
            gamma: 0.5,
        },
        Schedule::Exponential { gamma: 0.97 },
        Schedule::Cosine { min_lr: 0.0001 },
        Schedule::Warmup { steps: 100 },
    ];
    let generators = [
        Generator::Circles,
        Generator::Xor,
        Generator::Blobs { classes: 4 },
        Generator::Spiral { arms: 3 },
        Generator::Moons,
        Generator::Function1D {
            function: Function1D::Sine,
        },
        Generator::Function1D {
            function: Function1D::Polynomial,
        },
        Generator::Function1D {
            function: Function1D::Step,
        },
        Generator::Function1D {
            function: Function1D::Abs,
        },
        Generator::Function1D {
            function: Function1D::Linear,
        },
        Generator::Plane,
        Generator::GaussianMixture,
        Generator::SineSequence { window: 12 },
        Generator::WaveShapes {
            window: 20,
            classes: 3,
        },
    ];
    let mut sources: Vec<DataSource> = generators
        .into_iter()
        .enumerate()
        .map(|(i, generator)| DataSource::Generated {
            generator,
            samples: 300 + i,
            noise: 0.25,
        })
        .collect();
    for b in [
        Bundled::MnistSubset,
        Bundled::Digits8x8,
        Bundled::Iris,
        Bundled::Diabetes,
    ] {
        sources.push(DataSource::Bundled(b));
    }
    sources.push(DataSource::Csv {
        path: "data/houses.csv".into(),
        target: Some("price".into()),
        classification: false,
        drop_empty: true,
        drop_bad: false,
    });
    sources.push(DataSource::Csv {
        path: "flowers.csv".into(),
        target: None,
        classification: true,
        drop_empty: false,
        drop_bad: false,
    });
    sources.push(DataSource::Idx {
        path: "mnist".into(),
    });
    let normalizations = [
        Normalization::Off,
        Normalization::Standardize,
        Normalization::MinMax,
    ];
    let all_features = vec![
        Feature::X1,
        Feature::X2,
        Feature::X1Squared,
        Feature::X2Squared,
        Feature::X1X2,
        Feature::SinX1,
        Feature::SinX2,
    ];
    sources
        .into_iter()
        .enumerate()
        .map(|(i, source)| {
            let on = i % 2 == 0;
            Project {
                name: format!("golden {i}"),
                notes: "every setting".into(),
                graph: graph(),
                data: DataSpec {
                    source,
                    validation_split: 0.25,
                    normalization: normalizations[i % normalizations.len()],
                    features: if on { all_features.clone() } else { Vec::new() },
                },
                training: TrainConfig {
                    loss: losses[i % losses.len()],
                    optimizer: optimizers[i % optimizers.len()],
                    learning_rate: 0.003,
                    schedule: schedules[i % schedules.len()],
                    batch_size: 64,
                    epochs: 12,
                    l1: 0.001,
                    l2: 0.0005,
                    clip_grad_norm: on.then_some(1.5),
                    early_stopping: on.then_some(EarlyStopping {
                        patience: 4,
                        restore_best: i % 4 == 0,
                    }),
                    target_loss: on.then_some(0.05),
                    target_accuracy: on.then_some(0.95),
                    seed: 7 + i as u64,
                },
            }
        })
        .collect()
}

fn written() -> String {
    projects()
        .iter()
        .map(|p| project::to_string(p).expect("the golden projects are valid"))
        .collect::<Vec<_>>()
        .join("\n")
}

const GOLDEN: &str = "tests/fixtures/golden_settings.ron";

#[test]
fn every_setting_is_written_byte_for_byte_as_frozen() {
    let text = written();
    if std::env::var_os("NEUROGLASS_WRITE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &text).expect("write the golden file");
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("the golden file is present");
    assert_eq!(text, golden, "the on-disk form of the settings changed");
}

#[test]
fn the_golden_file_reads_back_to_the_same_projects() {
    let golden = std::fs::read_to_string(GOLDEN).expect("the golden file is present");
    let texts: Vec<&str> = golden.split("\n\n").collect();
    let expected = projects();
    assert_eq!(texts.len(), expected.len());
    for (text, p) in texts.iter().zip(&expected) {
        let back = project::parse(text, "golden.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back.data, &p.data);
        assert_eq!(&back.training, &p.training);
    }
}
