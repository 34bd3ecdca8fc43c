//! PyTorch export: every example and three projects that use every layer
//! kind export; with a Python that has torch, the generated model matches
//! Neuroglass's outputs and gradients and `train.py` runs (also under
//! torchrun). Hostile names never reach the Python source unescaped.
//!
//! Python is `$NEUROGLASS_PYTHON`, else `/work/.venv/bin/python` if it
//! exists, else `python3`; without `torch` and `safetensors` the PyTorch
//! checks are skipped with a message and the files are still checked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use neuroglass::export::pytorch::{ExportSummary, export_project};
use neuroglass::model::*;

const FILES: [&str; 7] = [
    "model.py",
    "train.py",
    "check_reference.py",
    "README.txt",
    "weights.safetensors",
    "data.safetensors",
    "reference.safetensors",
];

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A Python with torch and safetensors, or `None` (after saying so).
fn python() -> Option<&'static Path> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| {
        let candidate = std::env::var_os("NEUROGLASS_PYTHON")
            .map(PathBuf::from)
            .or_else(|| {
                let venv = PathBuf::from("/work/.venv/bin/python");
                venv.exists().then_some(venv)
            })
            .unwrap_or_else(|| PathBuf::from("python3"));
        let ok = Command::new(&candidate)
            .args(["-c", "import torch, safetensors.torch"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            Some(candidate)
        } else {
            println!(
                "torch not available: skipping PyTorch equivalence checks ({} cannot import torch and safetensors)",
                candidate.display()
            );
            None
        }
    })
    .as_deref()
}

fn run_python(py: &Path, args: &[&str], dir: &Path) -> (bool, String) {
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

fn export(project: &Project, dir: Option<&Path>, out: &Path) -> ExportSummary {
    let s =
        export_project(project, dir, None, out).unwrap_or_else(|e| panic!("{}: {e}", project.name));
    for f in FILES {
        assert!(out.join(f).is_file(), "{}: {f} missing", project.name);
    }
    s
}

/// Runs the checker in float64 and float32 and one epoch of `train.py`
/// (at most `batches` batches) for every folder, in one Python process
/// (importing torch once); returns per folder the JSON results and output.
const DRIVER: &str = r#"
import json, sys
batches, dirs = sys.argv[1], sys.argv[2:]
for d in dirs:
    for m in ("model", "train", "check_reference"):
        sys.modules.pop(m, None)
    sys.path.insert(0, d)
    import check_reference
    res = [check_reference.check(t, d + "/weights.safetensors", d + "/reference.safetensors")
           for t in ("float64", "float32")]
    print("RESULT " + json.dumps({"dir": d, "checks": res}), flush=True)
    import train
    sys.argv = ["train.py", "--epochs", "1", "--max-batches", batches, "--out", d + "/trained.safetensors"]
    train.main()
    print("TRAINED " + d, flush=True)
    sys.path.remove(d)
"#;

#[derive(Debug)]
struct Check {
    f64_outputs: f64,
    f64_grads: f64,
    f64_training: f64,
    f32_outputs: f64,
    f32_grads: f64,
    f32_training: f64,
    ok: bool,
}

fn torch_checks(py: &Path, dirs: &[PathBuf], batches: usize) -> Vec<(PathBuf, Check)> {
    let mut args = vec!["-c".to_string(), DRIVER.to_string(), batches.to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out) = run_python(py, &refs, &std::env::temp_dir());
    assert!(ok, "the driver failed:\n{out}");
    let mut results = Vec::new();
    for d in dirs {
        let line = out
            .lines()
            .find_map(|l| {
                l.strip_prefix("RESULT ")
                    .filter(|j| j.contains(&format!("\"dir\": \"{}\"", d.display())))
            })
            .unwrap_or_else(|| panic!("no result for {}:\n{out}", d.display()));
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let c = &v["checks"];
        let num = |i: usize, k: &str| c[i][k].as_f64().unwrap();
        results.push((
            d.clone(),
            Check {
                f64_outputs: num(0, "outputs"),
                f64_grads: num(0, "gradients"),
                f64_training: num(0, "training"),
                f32_outputs: num(1, "outputs"),
                f32_grads: num(1, "gradients"),
                f32_training: num(1, "training"),
                ok: c[0]["ok"].as_bool().unwrap(),
            },
        ));
        assert!(
            out.contains(&format!("TRAINED {}", d.display())),
            "train.py did not finish for {}:\n{out}",
            d.display()
        );
    }
    assert_eq!(
        out.matches("epoch    1/1  train loss").count(),
        dirs.len(),
        "{out}"
    );
    results
}

fn report(results: &[(PathBuf, Check)]) {
    println!(
        "relative errors against Neuroglass (outputs and loss / gradients / two training steps):"
    );
    for (d, c) in results {
        println!(
            "  {:<20} f64 {:.1e} / {:.1e} / {:.1e}   f32 {:.1e} / {:.1e} / {:.1e}",
            d.file_name().unwrap().to_string_lossy(),
            c.f64_outputs,
            c.f64_grads,
            c.f64_training,
            c.f32_outputs,
            c.f32_grads,
            c.f32_training
        );
    }
    for (d, c) in results {
        assert!(c.ok, "{} does not match: {c:?}", d.display());
        assert!(
            c.f64_outputs <= 1e-5 && c.f64_grads <= 1e-4 && c.f64_training <= 1e-4,
            "{c:?}"
        );
    }
}

#[test]
fn every_example_exports_and_matches_pytorch() {
    let root = temp_dir("examples");
    let mut dirs = Vec::new();
    for p in examples() {
        let project = neuroglass::project::load(&p).unwrap();
        let out = root.join(p.file_stem().unwrap());
        let s = export(&project, p.parent(), &out);
        assert!(s.parameters > 0 && s.reference_samples > 0, "{s:?}");
        dirs.push(out);
    }
    let Some(py) = python() else { return };
    let results = torch_checks(py, &dirs, 2);
    report(&results);
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn node(g: &mut Graph, name: &str, spec: LayerSpec, from: &[NodeId]) -> NodeId {
    let id = g.add_node(name, spec, [0.0, 0.0]);
    for f in from {
        g.connect(*f, id).unwrap();
    }
    id
}

fn conv(filters: usize, kernel: usize, stride: usize, padding: Padding) -> LayerSpec {
    LayerSpec::Conv2D(Conv2DSpec {
        filters,
        kernel,
        stride,
        padding,
        bias: true,
        init: Init::Default,
    })
}

fn rnn(units: usize, return_sequences: bool) -> RnnSpec {
    RnnSpec {
        units,
        return_sequences,
        init: Init::Default,
    }
}

fn dense(units: Units) -> LayerSpec {
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
fn image_branches() -> Project {
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
fn sequences() -> Project {
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

/// A flat input reshaped to an image, a 1×1 valid convolution without bias,
/// and a final Sigmoid folded into binary cross-entropy; RMSprop with
/// momentum, exponential decay, feature crosses.
fn folded_sigmoid() -> Project {
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

#[test]
fn every_layer_kind_exports_and_matches_pytorch() {
    let root = temp_dir("layers");
    let mut dirs = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (name, p) in [
        ("image_branches", image_branches()),
        ("sequences", sequences()),
        ("folded_sigmoid", folded_sigmoid()),
    ] {
        kinds.extend(p.graph.nodes().iter().map(|n| n.spec.kind_name()));
        let out = root.join(name);
        let s = export(&p, None, &out);
        assert_eq!(s.folded_sigmoid, name == "folded_sigmoid");
        let model = std::fs::read_to_string(out.join("model.py")).unwrap();
        if name == "image_branches" {
            // 8×8 with a 3×3 kernel at stride 2, and a 2×2 kernel: one
            // zero at the bottom and right only.
            assert!(model.contains("pad=(0, 1, 0, 1)"), "{model}");
            assert!(model.contains("nn.BatchNorm2d(4") && model.contains("nn.BatchNorm1d(16"));
            assert!(model.contains("torch.cat([valid, max_], dim=1)"), "{model}");
        }
        if name == "sequences" {
            assert!(model.contains("[:, -1, :]") && model.contains("nn.LayerNorm((12, 8)"));
            assert!(model.contains(".flatten(1)).view_as(add)"), "{model}");
        }
        if name == "folded_sigmoid" {
            assert!(model.contains("def probability(self, x)"), "{model}");
        }
        dirs.push(out);
    }
    let all: std::collections::BTreeSet<&str> =
        LayerSpec::palette().iter().map(|s| s.kind_name()).collect();
    assert_eq!(kinds, all, "every kind of the palette is exported");
    let Some(py) = python() else { return };
    let results = torch_checks(py, &dirs, 3);
    report(&results);
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn scripts_run_as_commands_and_under_torchrun() {
    let root = temp_dir("commands");
    let out = root.join("xor");
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let project = neuroglass::project::load(&p).unwrap();
    export(&project, p.parent(), &out);
    let Some(py) = python() else { return };
    let (ok, text) = run_python(py, &["check_reference.py"], &out);
    assert!(ok && text.contains("OK: largest relative error"), "{text}");
    let (ok, text) = run_python(py, &["train.py", "--epochs", "2"], &out);
    assert!(ok, "{text}");
    assert!(
        text.contains("epoch    2/2  train loss") && text.contains("val acc"),
        "{text}"
    );
    assert!(out.join("trained.safetensors").is_file());
    let (ok, text) = run_python(
        py,
        &[
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "train.py",
            "--epochs",
            "1",
            "--out",
            "ddp.safetensors",
        ],
        &out,
    );
    assert!(ok, "{text}");
    assert!(text.contains("2 processes"), "{text}");
    assert_eq!(
        text.matches("epoch    1/1").count(),
        1,
        "only rank 0 prints: {text}"
    );
    assert!(out.join("ddp.safetensors").is_file());
    // The trained weights load back into the model strictly.
    let (ok, text) = run_python(
        py,
        &[
            "-c",
            "from model import build_model; build_model('ddp.safetensors'); print('loaded')",
        ],
        &out,
    );
    assert!(ok && text.contains("loaded"), "{text}");
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

const INJECTION: &str = "x\"); import os; os.system(\"echo pwned\") #";
/// The same without semicolons, which CSV delimiter detection would take
/// for the delimiter.
const COLUMN_INJECTION: &str = "x\"), __import__(\"os\").system(\"echo pwned\"), (\"";

/// A project whose every name tries to break out: the project's name,
/// layer names with quotes, newlines, line separators, bidi overrides and
/// triple quotes, and a CSV file (with a quote in its name) whose columns
/// and classes carry code.
fn hostile(dir: &Path) -> Project {
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

#[test]
fn hostile_names_never_reach_python_unescaped() {
    let root = temp_dir("hostile");
    let project = hostile(&root);
    let out = root.join("export");
    export(&project, Some(&root), &out);
    let scripts = ["model.py", "train.py", "check_reference.py", "README.txt"];
    for f in scripts {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.contains(INJECTION), "{f} holds the raw name:\n{text}");
        assert!(
            !text.contains(COLUMN_INJECTION),
            "{f} holds the raw column:\n{text}"
        );
        assert!(!text.contains("os.system(\"echo"), "{f}:\n{text}");
        for bad in ['\r', '\u{2028}', '\u{202e}', '\0'] {
            assert!(!text.contains(bad), "{f} holds {bad:?}");
        }
    }
    let model = std::fs::read_to_string(out.join("model.py")).unwrap();
    // The injected layer's identifier and its escaped name.
    assert!(model.contains("self.x_import_os_os_system_echo_pwned = nn.Linear(4, 6)"));
    assert!(model.contains("self.class_ = nn.Linear(6, 6)"), "{model}");
    assert!(model.contains(r#""x\"); import os; os.system(\"echo pwned\") #""#));
    let train = std::fs::read_to_string(out.join("train.py")).unwrap();
    assert!(train.contains(r#"CSV file we\"ird'.csv"#), "{train}");
    let Some(py) = python() else { return };
    let (ok, text) = run_python(
        py,
        &[
            "-c",
            "import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\nprint('parsed')",
            "model.py",
            "train.py",
            "check_reference.py",
        ],
        &out,
    );
    assert!(ok && text.contains("parsed"), "{text}");
    for args in [
        &["model.py"][..],
        &["check_reference.py"],
        &["train.py", "--epochs", "1"],
    ] {
        let (ok, text) = run_python(py, args, &out);
        assert!(ok, "{args:?}: {text}");
        assert!(
            !text.contains("pwned\n") && !text.lines().any(|l| l == "pwned"),
            "{text}"
        );
    }
    let (_, text) = run_python(
        py,
        &[
            "-c",
            "import train; print(repr(train.PROJECT_NAME)); print(train.CLASS_NAMES); print(train.FEATURE_NAMES)",
        ],
        &out,
    );
    assert!(
        text.contains("echo pwned") && text.contains("no\\nline"),
        "{text}"
    );
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn neuroglass(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn command_line_exit_codes_and_trained_weights() {
    let root = temp_dir("cli");
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects");
    let xor = ex.join("xor.ron").display().to_string();
    let out = root.join("xor").display().to_string();
    let (code, text) = neuroglass(&["export", &xor, "--pytorch", &out]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("weights.safetensors"), "{text}");
    let initial = std::fs::read(root.join("xor/weights.safetensors")).unwrap();

    // Missing project: 2. Invalid project: 1.
    let missing = root.join("nope.ron").display().to_string();
    assert_eq!(neuroglass(&["export", &missing, "--pytorch", &out]).0, 2);
    let mut bad = neuroglass::project::load(Path::new(&xor)).unwrap();
    let ids: Vec<NodeId> = bad.graph.nodes().iter().map(|n| n.id).collect();
    let conv_id = bad
        .graph
        .add_node("conv", conv(2, 3, 1, Padding::Same), [0.0, 0.0]);
    bad.graph.connect(ids[0], conv_id).unwrap();
    bad.graph.connect(conv_id, ids[1]).unwrap();
    let bad_path = root.join("bad.ron");
    neuroglass::project::save(&bad, &bad_path).unwrap();
    let (code, text) = neuroglass(&["export", &bad_path.display().to_string(), "--pytorch", &out]);
    assert_eq!(code, 1, "{text}");

    // Trained weights export in place of the initial ones; weights of
    // another network are refused (1); a damaged file is unreadable (2).
    let trained = root.join("trained");
    let (code, text) = neuroglass(&[
        "train",
        &xor,
        "--epochs",
        "2",
        "--out",
        &trained.display().to_string(),
    ]);
    assert_eq!(code, 0, "{text}");
    let w = trained.join("xor.safetensors").display().to_string();
    let out2 = root.join("xor_trained");
    let (code, text) = neuroglass(&[
        "export",
        &xor,
        "--pytorch",
        &out2.display().to_string(),
        "--weights",
        &w,
    ]);
    assert_eq!(code, 0, "{text}");
    assert_ne!(
        std::fs::read(out2.join("weights.safetensors")).unwrap(),
        initial
    );
    let spiral = ex.join("spiral.ron").display().to_string();
    let (code, text) = neuroglass(&["export", &spiral, "--pytorch", &out, "--weights", &w]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("weights do not fit"), "{text}");
    let junk = root.join("junk.safetensors");
    std::fs::write(&junk, b"not a tensor file").unwrap();
    let (code, _) = neuroglass(&[
        "export",
        &xor,
        "--pytorch",
        &out,
        "--weights",
        &junk.display().to_string(),
    ]);
    assert_eq!(code, 2);
    if let Some(py) = python() {
        let (ok, text) = run_python(py, &["check_reference.py"], &out2);
        assert!(ok, "trained weights match too: {text}");
    }
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}
