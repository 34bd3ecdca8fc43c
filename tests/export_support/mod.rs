//! Projects and helpers (temporary folders, finding Python) for the PyTorch
//! export tests (included with `mod`): together the projects use every layer
//! kind, loss, optimizer and schedule, and one of them has hostile names
//! everywhere.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use neuroglass::model::*;

pub mod csv_projects;

/// Adds a node fed by `from` (in port order).
pub fn node(g: &mut Graph, name: &str, spec: LayerSpec, from: &[NodeId]) -> NodeId {
    let id = g.add_node(name, spec, [0.0, 0.0]);
    for f in from {
        g.connect(*f, id).unwrap();
    }
    id
}

/// A Conv2D with a bias and the default initialiser.
pub fn conv(filters: usize, kernel: usize, stride: usize, padding: Padding) -> LayerSpec {
    LayerSpec::Conv2D(Conv2DSpec {
        filters,
        kernel,
        stride,
        padding,
        bias: true,
        init: Init::Default,
    })
}

/// Recurrent settings with the default initialiser.
pub fn rnn(units: usize, return_sequences: bool) -> RnnSpec {
    RnnSpec {
        units,
        return_sequences,
        init: Init::Default,
    }
}

/// A Dense layer with a bias.
pub fn dense(units: Units) -> LayerSpec {
    LayerSpec::Dense(DenseSpec {
        units,
        ..DenseSpec::default()
    })
}

/// Images with branches: strided and even-kernel 'same' convolutions
/// (padded unevenly), valid convolution, BatchNorm 2-D and 1-D, LayerNorm,
/// pooling of every kind, Add, Concatenate of images and vectors, Dropout,
/// ReLU, LeakyReLU, ELU, GELU, Linear, and a final Softmax with
/// cross-entropy; SGD with Nesterov momentum, penalties, clipping, cosine.
pub fn image_branches() -> Project {
    let mut g = Graph::new();
    let x = node(&mut g, "digits", LayerSpec::Input, &[]);
    let img = node(
        &mut g,
        "image",
        LayerSpec::Reshape {
            shape: vec![1, 8, 8],
        },
        &[x],
    );
    let c1 = node(
        &mut g,
        "conv/2 ‘same’",
        conv(4, 3, 2, Padding::Same),
        &[img],
    );
    let bn = node(
        &mut g,
        "bn2d",
        LayerSpec::BatchNorm(BatchNormSpec::default()),
        &[c1],
    );
    let a1 = node(
        &mut g,
        "leaky",
        LayerSpec::Activation(Activation::LeakyReLU { slope: 0.1 }),
        &[bn],
    );
    let c2 = node(&mut g, "even kernel", conv(4, 2, 1, Padding::Same), &[a1]);
    let a2 = node(
        &mut g,
        "elu",
        LayerSpec::Activation(Activation::Elu { alpha: 0.7 }),
        &[c2],
    );
    let add = node(&mut g, "residual", LayerSpec::Add, &[a1, a2]);
    let relu = node(
        &mut g,
        "relu",
        LayerSpec::Activation(Activation::ReLU),
        &[add],
    );
    let c3 = node(&mut g, "valid", conv(6, 3, 1, Padding::Valid), &[relu]);
    let mp = node(
        &mut g,
        "max",
        LayerSpec::MaxPool2D(PoolSpec { size: 2, stride: 2 }),
        &[relu],
    );
    let cat = node(&mut g, "channels", LayerSpec::Concatenate, &[c3, mp]);
    let ap = node(
        &mut g,
        "avg",
        LayerSpec::AvgPool2D(PoolSpec { size: 2, stride: 1 }),
        &[cat],
    );
    let gap = node(&mut g, "gap", LayerSpec::GlobalAvgPool, &[cat]);
    let fl = node(&mut g, "flatten", LayerSpec::Flatten, &[ap]);
    let cat2 = node(&mut g, "vectors", LayerSpec::Concatenate, &[gap, fl]);
    let drop = node(&mut g, "dropout", LayerSpec::Dropout { rate: 0.3 }, &[cat2]);
    let d1 = node(&mut g, "hidden", dense(Units::Fixed(16)), &[drop]);
    let bn1 = node(
        &mut g,
        "bn1d",
        LayerSpec::BatchNorm(BatchNormSpec {
            momentum: 0.2,
            eps: 1e-3,
        }),
        &[d1],
    );
    let gelu = node(
        &mut g,
        "gelu",
        LayerSpec::Activation(Activation::Gelu),
        &[bn1],
    );
    let ln = node(&mut g, "ln", LayerSpec::LayerNorm { eps: 1e-5 }, &[gelu]);
    let lin = node(
        &mut g,
        "linear",
        LayerSpec::Activation(Activation::Linear),
        &[ln],
    );
    let out = node(&mut g, "scores", dense(Units::Auto), &[lin]);
    node(
        &mut g,
        "softmax",
        LayerSpec::Activation(Activation::Softmax),
        &[out],
    );
    Project {
        name: "every image layer".into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Bundled(Bundled::Digits8x8),
            validation_split: 0.2,
            normalization: Normalization::MinMax,
            features: vec![],
        },
        training: TrainConfig {
            loss: LossKind::CrossEntropy,
            optimizer: OptimizerSpec::Sgd {
                momentum: 0.9,
                nesterov: true,
            },
            learning_rate: 0.05,
            schedule: Schedule::Cosine { min_lr: 1e-4 },
            batch_size: 24,
            epochs: 3,
            l1: 1e-4,
            l2: 1e-3,
            clip_grad_norm: Some(1.0),
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

/// Sequences: SimpleRNN, GRU and LSTM with every step and the last step,
/// LayerNorm over a sequence, Add and Concatenate of sequences, a softmax
/// over a whole sequence, Reshape, Tanh and Sigmoid; Huber, AdamW, steps.
pub fn sequences() -> Project {
    let mut g = Graph::new();
    let x = node(&mut g, "seq", LayerSpec::Input, &[]);
    let r1 = node(&mut g, "rnn seq", LayerSpec::SimpleRnn(rnn(8, true)), &[x]);
    let ln = node(&mut g, "ln seq", LayerSpec::LayerNorm { eps: 1e-4 }, &[r1]);
    let gru = node(&mut g, "gru seq", LayerSpec::Gru(rnn(6, true)), &[ln]);
    let lstm = node(&mut g, "lstm seq", LayerSpec::Lstm(rnn(6, true)), &[x]);
    let add = node(&mut g, "add", LayerSpec::Add, &[gru, lstm]);
    let sm = node(
        &mut g,
        "softmax over all",
        LayerSpec::Activation(Activation::Softmax),
        &[add],
    );
    let cat = node(&mut g, "longer", LayerSpec::Concatenate, &[add, sm]);
    let gru2 = node(&mut g, "gru last", LayerSpec::Gru(rnn(5, false)), &[cat]);
    let lstm2 = node(&mut g, "lstm last", LayerSpec::Lstm(rnn(3, false)), &[cat]);
    let rnn2 = node(
        &mut g,
        "rnn last",
        LayerSpec::SimpleRnn(rnn(3, false)),
        &[x],
    );
    let tanh = node(
        &mut g,
        "tanh",
        LayerSpec::Activation(Activation::Tanh),
        &[gru2],
    );
    let flat = node(
        &mut g,
        "as vector",
        LayerSpec::Reshape { shape: vec![144] },
        &[cat],
    );
    let d = node(&mut g, "squeeze", dense(Units::Fixed(4)), &[flat]);
    let cat2 = node(
        &mut g,
        "join",
        LayerSpec::Concatenate,
        &[tanh, d, lstm2, rnn2],
    );
    let sig = node(
        &mut g,
        "sigmoid",
        LayerSpec::Activation(Activation::Sigmoid),
        &[cat2],
    );
    node(&mut g, "next value", dense(Units::Fixed(1)), &[sig]);
    Project {
        name: "every sequence layer".into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Generated {
                generator: Generator::SineSequence { window: 12 },
                samples: 200,
                noise: 0.05,
            },
            validation_split: 0.25,
            normalization: Normalization::Off,
            features: vec![],
        },
        training: TrainConfig {
            loss: LossKind::Huber { delta: 0.5 },
            optimizer: OptimizerSpec::AdamW {
                beta1: 0.9,
                beta2: 0.99,
                eps: 1e-7,
                weight_decay: 0.01,
            },
            learning_rate: 0.01,
            schedule: Schedule::Step {
                every_epochs: 2,
                gamma: 0.5,
            },
            batch_size: 16,
            epochs: 3,
            early_stopping: Some(EarlyStopping {
                patience: 2,
                restore_best: true,
            }),
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

/// The sequence project with MAE, plain momentum SGD, warm-up, an L2
/// penalty and clipping.
pub fn sequences_mae() -> Project {
    let mut p = sequences();
    p.name = "every sequence layer, MAE".into();
    p.training.loss = LossKind::Mae;
    p.training.optimizer = OptimizerSpec::Sgd {
        momentum: 0.5,
        nesterov: false,
    };
    p.training.schedule = Schedule::Warmup { steps: 3 };
    p.training.l2 = 1e-3;
    p.training.clip_grad_norm = Some(0.5);
    p
}

/// A flat input reshaped to an image, a 1×1 valid convolution without bias,
/// and a final Sigmoid folded into binary cross-entropy; RMSprop with
/// momentum, exponential decay, feature crosses.
pub fn folded_sigmoid() -> Project {
    let mut g = Graph::new();
    let x = node(&mut g, "points", LayerSpec::Input, &[]);
    let r = node(
        &mut g,
        "as image",
        LayerSpec::Reshape {
            shape: vec![1, 2, 2],
        },
        &[x],
    );
    let c = node(
        &mut g,
        "1x1",
        LayerSpec::Conv2D(Conv2DSpec {
            filters: 3,
            kernel: 1,
            stride: 1,
            padding: Padding::Valid,
            bias: false,
            init: Init::XavierUniform,
        }),
        &[r],
    );
    let a = node(
        &mut g,
        "relu",
        LayerSpec::Activation(Activation::ReLU),
        &[c],
    );
    let f = node(&mut g, "flatten", LayerSpec::Flatten, &[a]);
    let d = node(&mut g, "logit", dense(Units::Auto), &[f]);
    node(
        &mut g,
        "probability",
        LayerSpec::Activation(Activation::Sigmoid),
        &[d],
    );
    Project {
        name: "folded sigmoid".into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Generated {
                generator: Generator::Circles,
                samples: 200,
                noise: 0.1,
            },
            validation_split: 0.2,
            normalization: Normalization::Standardize,
            features: vec![
                Feature::X1,
                Feature::X2,
                Feature::X1Squared,
                Feature::X2Squared,
            ],
        },
        training: TrainConfig {
            loss: LossKind::BinaryCrossEntropy,
            optimizer: OptimizerSpec::RmsProp {
                alpha: 0.9,
                eps: 1e-8,
                momentum: 0.5,
            },
            learning_rate: 0.01,
            schedule: Schedule::Exponential { gamma: 0.9 },
            batch_size: 20,
            epochs: 3,
            target_accuracy: Some(0.99),
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

pub const INJECTION: &str = "x\"); import os; os.system(\"echo pwned\") #";
/// The same without semicolons, which CSV delimiter detection would take
/// for the delimiter.
pub const COLUMN_INJECTION: &str = "x\"), __import__(\"os\").system(\"echo pwned\"), (\"";

/// A project whose every name tries to break out: the project's name,
/// layer names with quotes, newlines, line separators, bidi overrides and
/// triple quotes, and a CSV file (with a quote in its name) whose columns
/// and classes carry code.
pub fn hostile(dir: &Path) -> Project {
    let mut csv = format!(
        "\"{}\",\"col\ntwo\",kind,label\n",
        COLUMN_INJECTION.replace('"', "\"\"")
    );
    for i in 0..40 {
        let a = (i as f32 * 0.37).sin();
        let b = (i as f32 * 0.11).cos();
        let kind = if i % 3 == 0 { "\"p\"\"q\"" } else { "r" };
        let label = if a + b > 0.5 {
            "\"yes\"\"); os.system(\"\"echo pwned\"\")\""
        } else {
            "\"no\nline\""
        };
        csv.push_str(&format!("{a},{b},{kind},{label}\n"));
    }
    std::fs::write(dir.join("we\"ird'.csv"), csv).unwrap();
    let mut g = Graph::new();
    let x = node(&mut g, "\n\r\u{2028}", LayerSpec::Input, &[]);
    let h = node(&mut g, INJECTION, dense(Units::Fixed(6)), &[x]);
    let a = node(
        &mut g,
        "ünïcödé ☃\u{202e}",
        LayerSpec::Activation(Activation::Tanh),
        &[h],
    );
    let c = node(&mut g, "class", dense(Units::Fixed(6)), &[a]);
    node(&mut g, "'''\"\"\"\\", dense(Units::Auto), &[c]);
    Project {
        name: format!("{INJECTION}\n\u{202e}name"),
        graph: g,
        data: DataSpec {
            source: DataSource::Csv {
                path: "we\"ird'.csv".into(),
                target: None,
                classification: true,
                drop_empty: false,
                drop_bad: false,
            },
            validation_split: 0.25,
            normalization: Normalization::Standardize,
            features: vec![],
        },
        training: TrainConfig {
            loss: LossKind::CrossEntropy,
            optimizer: OptimizerSpec::Adagrad { eps: 1e-10 },
            schedule: Schedule::Warmup { steps: 5 },
            batch_size: 8,
            epochs: 2,
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The Python the PyTorch checks use: `$NEUROGLASS_PYTHON`, else
/// `/work/.venv/bin/python` if it exists, else `python3`; `Err` says why
/// it cannot run them (missing, or without torch and safetensors).
fn find_python() -> Result<PathBuf, String> {
    let candidate = std::env::var_os("NEUROGLASS_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let venv = PathBuf::from("/work/.venv/bin/python");
            venv.exists().then_some(venv)
        })
        .unwrap_or_else(|| PathBuf::from("python3"));
    match Command::new(&candidate)
        .args(["-c", "import torch, safetensors.torch"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(candidate),
        Ok(o) => Err(format!(
            "{} cannot import torch and safetensors: {}",
            candidate.display(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Err(format!("{} does not run: {e}", candidate.display())),
    }
}

/// A PyTorch check that is running; when it ends without a panic it says
/// so on the terminal (`.ci/run` counts these lines).
pub struct Torch {
    /// The Python to run.
    pub py: &'static Path,
    test: &'static str,
}

impl Drop for Torch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // Straight to stderr: `cargo test` hides `println!` of passing
            // tests, not writes to the stream itself.
            let _ = writeln!(std::io::stderr(), "PYTORCH CHECK RAN: {}", self.test);
        }
    }
}

/// The Python for the PyTorch part of test `test`, or `None` after a
/// visible `SKIPPED: …` line when there is none. With
/// `NEUROGLASS_REQUIRE_TORCH=1` (as `.ci/run` sets) a missing Python or
/// torch fails the test instead.
pub fn torch_or_skip(test: &'static str) -> Option<Torch> {
    static PY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PY.get_or_init(find_python) {
        Ok(py) => Some(Torch { py, test }),
        Err(why) if std::env::var_os("NEUROGLASS_REQUIRE_TORCH").is_some_and(|v| v == "1") => {
            panic!("NEUROGLASS_REQUIRE_TORCH=1 but {why}")
        }
        Err(why) => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the PyTorch part of {test} ({why}; set NEUROGLASS_PYTHON, or run .ci/run)"
            );
            None
        }
    }
}

/// Runs Python in `dir`; whether it succeeded, and what it printed.
pub fn run_python(py: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(py)
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
