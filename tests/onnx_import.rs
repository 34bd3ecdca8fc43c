//! ONNX import: every example and every layer kind exported and imported
//! again predicts what the original predicts; models written by PyTorch's
//! own exporter (`torch.onnx.export`, TorchScript path, opset 17) import
//! and predict what PyTorch predicted; unsupported models are refused with
//! every operator listed; hostile files (truncated, huge dimensions,
//! cycles, external data outside the folder) are refused cleanly; the
//! command line imports, predicts from `.npy`, and writes nothing on
//! refusal.

mod export_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use export_support::*;
use neuroglass::cli::predict::{network_for, outputs};
use neuroglass::model::Project;
use neuroglass::model::load_data::load_data;
use neuroglass::onnx::build::{GraphBuilder, tensor_f32, value_info};
use neuroglass::onnx::import::{ImportError, import_model};
use neuroglass::onnx::proto::{GraphProto, ModelProto, OperatorSetIdProto};

/// max |a − b| / max |b|.
fn rel_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
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

/// Exports `project` (initial weights, moved a little so every bias and
/// BatchNorm statistic matters), imports the model, and compares both
/// networks' outputs on the project's data. Returns the relative error.
fn round_trip(name: &str, project: &Project, dir: Option<&Path>) -> f32 {
    let prepared = load_data(&project.data, dir, project.training.seed).unwrap();
    let shape = prepared.train.input_shape.clone();
    let (net, _, _) = network_for(project, dir, &shape, None).unwrap();
    let weights: Vec<_> = net
        .state_dict()
        .into_iter()
        .enumerate()
        .map(|(t, (n, s, v))| {
            let v = v
                .iter()
                .enumerate()
                .map(|(k, x)| {
                    let w = ((k as f32) * 0.91 + t as f32).sin();
                    if n.ends_with("running_var") {
                        0.6 + 0.3 * w.abs()
                    } else if n.ends_with("running_mean") {
                        0.2 * w
                    } else {
                        x + 0.05 * w
                    }
                })
                .collect();
            (n, s, v)
        })
        .collect();
    let (model, _, _) = neuroglass::onnx::project_model(project, dir, Some(&weights)).unwrap();
    let imported = import_model(&model, None, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(imported.input_shape, shape, "{name}");
    let x = prepared
        .train
        .x
        .slice(ndarray::s![..prepared.train.x.nrows().min(50), ..])
        .to_owned();
    let (mut a, _, fa) = network_for(project, dir, &shape, Some(&weights)).unwrap();
    let (mut b, _, fb) =
        network_for(&imported.project, None, &shape, Some(&imported.weights)).unwrap();
    let ya = outputs(&mut a, &x, fa).unwrap();
    let yb = outputs(&mut b, &x, fb).unwrap();
    let e = rel_err(yb.as_slice().unwrap(), ya.as_slice().unwrap());
    eprintln!(
        "{name}: {} layers → {} ONNX nodes → {} layers, rel err {e:.2e}",
        project.graph.nodes().len(),
        imported.onnx_nodes,
        imported.project.graph.nodes().len()
    );
    e
}

#[test]
fn every_example_exported_and_imported_predicts_the_same() {
    for p in examples() {
        let project = neuroglass::project::load(&p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let e = round_trip(&name, &project, p.parent());
        assert!(e <= 1e-5, "{name}: rel err {e}");
    }
}

#[test]
fn every_layer_kind_exported_and_imported_predicts_the_same() {
    for (name, p) in [
        ("image_branches", image_branches()),
        ("sequences", sequences()),
        ("sequences_mae", sequences_mae()),
        ("folded_sigmoid", folded_sigmoid()),
    ] {
        let e = round_trip(name, &p, None);
        assert!(e <= 1e-5, "{name}: rel err {e}");
    }
}

/// Writes PyTorch models with `torch.onnx.export` and what PyTorch
/// predicted for a batch of inputs.
const TORCH_MODELS: &str = r#"
import sys, warnings, numpy as np, torch, torch.nn as nn
warnings.filterwarnings("ignore")
torch.manual_seed(0)
out = sys.argv[1]

class Mlp(nn.Module):
    def __init__(s):
        super().__init__()
        s.fc1 = nn.Linear(6, 16); s.bn = nn.BatchNorm1d(16); s.drop = nn.Dropout(0.3)
        s.fc2 = nn.Linear(16, 3)
    def forward(s, x):
        return torch.softmax(s.fc2(s.drop(torch.relu(s.bn(s.fc1(x))))), dim=1)

class Cnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 4, 3, padding=1); s.pool = nn.AvgPool2d(2)
        s.c2 = nn.Conv2d(4, 6, 3); s.bn = nn.BatchNorm2d(6); s.gap = nn.AdaptiveAvgPool2d(1)
        s.fc = nn.Linear(6, 3)
    def forward(s, x):
        x = s.pool(torch.relu(s.c1(x)))
        x = s.gap(torch.relu(s.bn(s.c2(x))))
        return s.fc(torch.flatten(x, 1))

class Residual(nn.Module):
    def __init__(s):
        super().__init__()
        s.a = nn.Linear(8, 8); s.ln = nn.LayerNorm(8); s.act = nn.GELU(); s.fc = nn.Linear(16, 4)
    def forward(s, x):
        r = s.act(s.ln(s.a(x))) + x
        return s.fc(torch.cat([r, x], dim=1))

class ManualNorm(nn.Module):
    def __init__(s):
        super().__init__()
        s.a = nn.Linear(5, 7); s.w = nn.Parameter(torch.randn(7)); s.b = nn.Parameter(torch.randn(7))
        s.fc = nn.Linear(7, 2)
    def forward(s, x):
        h = s.a(x)
        mu = h.mean(-1, keepdim=True)
        d = h - mu
        var = d.pow(2).mean(-1, keepdim=True)
        h = d / torch.sqrt(var + 1e-5) * s.w + s.b
        return s.fc(torch.tanh(h))

class Lstm(nn.Module):
    def __init__(s):
        super().__init__()
        s.rnn = nn.LSTM(3, 8, batch_first=True); s.fc = nn.Linear(8, 2)
    def forward(s, x):
        y, _ = s.rnn(x)
        return s.fc(y[:, -1, :])

class Gru(nn.Module):
    def __init__(s):
        super().__init__()
        s.rnn = nn.GRU(3, 6, batch_first=True); s.fc = nn.Linear(6, 2)
    def forward(s, x):
        _, h = s.rnn(x)
        return s.fc(h[-1])

class Rnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.rnn = nn.RNN(2, 5, batch_first=True); s.fc = nn.Linear(5, 1)
    def forward(s, x):
        y, _ = s.rnn(x)
        return torch.sigmoid(s.fc(y[:, -1, :]))

cases = {
    "mlp_bn_dropout": (Mlp(), (6,)),
    "cnn_avg_global": (Cnn(), (1, 10, 10)),
    "residual_ln_gelu_concat": (Residual(), (8,)),
    "decomposed_layernorm": (ManualNorm(), (5,)),
    "lstm": (Lstm(), (7, 3)),
    "gru": (Gru(), (9, 3)),
    "rnn": (Rnn(), (6, 2)),
}
for name, (m, shape) in cases.items():
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.3, 0.3)
        if isinstance(mod, nn.LayerNorm):
            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.3, 0.3)
    m.eval()
    x = torch.randn(5, *shape)
    with torch.no_grad():
        y = m(x)
    torch.onnx.export(m, (x,), f"{out}/{name}.onnx", dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    np.save(f"{out}/{name}_x.npy", x.numpy().astype(np.float32))
    np.save(f"{out}/{name}_y.npy", y.numpy().astype(np.float32))
    print(name, "written")
"#;

#[test]
fn models_written_by_pytorch_import_and_predict_what_pytorch_predicted() {
    let Some(torch) =
        torch_or_skip("models_written_by_pytorch_import_and_predict_what_pytorch_predicted")
    else {
        return;
    };
    let dir = temp_dir("onnx_torch_models");
    let d = dir.display().to_string();
    let (ok, text) = run_python(torch.py, &["-c", TORCH_MODELS, &d], Path::new("."));
    assert!(ok, "{text}");
    for name in [
        "mlp_bn_dropout",
        "cnn_avg_global",
        "residual_ln_gelu_concat",
        "decomposed_layernorm",
        "lstm",
        "gru",
        "rnn",
    ] {
        let imported = neuroglass::onnx::import::import_file(&dir.join(format!("{name}.onnx")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let x = neuroglass::data::npy::read(&dir.join(format!("{name}_x.npy"))).unwrap();
        let y = neuroglass::data::npy::read(&dir.join(format!("{name}_y.npy"))).unwrap();
        assert_eq!(x.shape[1..], imported.input_shape[..], "{name}");
        let per: usize = x.shape[1..].iter().product();
        let rows = ndarray::Array2::from_shape_vec((x.shape[0], per), x.values).unwrap();
        let (mut net, _, folded) = network_for(
            &imported.project,
            None,
            &imported.input_shape,
            Some(&imported.weights),
        )
        .unwrap();
        let got = outputs(&mut net, &rows, folded).unwrap();
        let e = rel_err(got.as_slice().unwrap(), &y.values);
        let kinds: Vec<&str> = imported
            .project
            .graph
            .nodes()
            .iter()
            .map(|n| n.spec.kind_name())
            .collect();
        eprintln!(
            "{name}: {} ONNX nodes → {kinds:?}, rel err {e:.2e}",
            imported.onnx_nodes
        );
        assert!(e <= 1e-4, "{name}: rel err {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A model of `nodes` on input `[batch, 4]`.
fn model_of(b: GraphBuilder, output: &str) -> ModelProto {
    ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        graph: Some(GraphProto {
            name: Some("test".into()),
            node: b.nodes,
            initializer: b.initializers,
            input: vec![value_info("input", "batch", &[4])],
            output: vec![value_info(output, "batch", &[4])],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn unsupported_models_are_refused_with_every_operator_listed() {
    let mut b = GraphBuilder::default();
    let c = b.op("Cos", &["input"], "cos_1", vec![]);
    let r = b.op("Relu", &[&c], "relu", vec![]);
    let t = b.op("Cos", &[&r], "cos_2", vec![]);
    b.node("Hardmax", &[&t], &["output"], vec![]);
    let err = import_model(&model_of(b, "output"), None, "t").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ImportError::Unsupported(_)), "{text}");
    assert!(text.contains("Cos: cos_1, cos_2"), "{text}");
    assert!(text.contains("Hardmax: output"), "{text}");
    // A supported operator used in a way no layer matches names its node.
    let mut b = GraphBuilder::default();
    let k = b.weight("k", &[], &[3.0]);
    b.node("Mul", &["input", &k], &["output"], vec![]);
    let text = import_model(&model_of(b, "output"), None, "t")
        .unwrap_err()
        .to_string();
    assert!(text.contains("Mul \"output\""), "{text}");
}

#[test]
fn hostile_models_are_refused_cleanly() {
    // Truncated: half of a real model.
    let project = neuroglass::project::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/mnist_cnn.ron"),
    )
    .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects");
    let (model, _, _) = neuroglass::onnx::project_model(&project, Some(&dir), None).unwrap();
    let bytes = neuroglass::onnx::export::encode(&model);
    let tmp = temp_dir("onnx_hostile");
    let half = tmp.join("half.onnx");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    let e = neuroglass::onnx::import::import_file(&half).unwrap_err();
    assert!(matches!(e, ImportError::Hostile(_)), "{e}");
    // Huge dimensions.
    let mut b = GraphBuilder::default();
    let mut t = tensor_f32("w", &[1], &[1.0]);
    t.dims = vec![1 << 40, 1 << 40];
    b.initializers.push(t);
    b.node("Relu", &["input"], &["output"], vec![]);
    let e = import_model(&model_of(b, "output"), None, "t").unwrap_err();
    assert!(matches!(e, ImportError::Hostile(_)), "{e}");
    // Dimensions that promise more values than are stored.
    let mut b = GraphBuilder::default();
    let mut t = tensor_f32("w", &[2], &[1.0, 2.0]);
    t.dims = vec![1000];
    b.initializers.push(t);
    b.node("Relu", &["input"], &["output"], vec![]);
    assert!(matches!(
        import_model(&model_of(b, "output"), None, "t"),
        Err(ImportError::Hostile(_))
    ));
    // A cycle: a reads b, b reads a.
    let mut b = GraphBuilder::default();
    b.node("Add", &["input", "b"], &["a"], vec![]);
    b.node("Relu", &["a"], &["b"], vec![]);
    b.node("Relu", &["b"], &["output"], vec![]);
    let e = import_model(&model_of(b, "output"), None, "t").unwrap_err();
    assert!(
        matches!(e, ImportError::Hostile(_)) && e.to_string().contains("cycle"),
        "{e}"
    );
    // External data outside the model's folder.
    for location in ["../secret.bin", "/etc/passwd"] {
        let mut b = GraphBuilder::default();
        let mut t = tensor_f32("w", &[4], &[0.0; 4]);
        t.raw_data = None;
        t.data_location = Some(1);
        t.external_data = vec![neuroglass::onnx::proto::StringStringEntryProto {
            key: Some("location".into()),
            value: Some(location.into()),
        }];
        b.initializers.push(t);
        b.node("Relu", &["input"], &["output"], vec![]);
        let e = import_model(&model_of(b, "output"), Some(&tmp), "t").unwrap_err();
        assert!(
            matches!(e, ImportError::Hostile(_)) && e.to_string().contains("outside"),
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn command_line_imports_predicts_and_writes_nothing_on_refusal() {
    let bin = env!("CARGO_BIN_EXE_neuroglass");
    let tmp = temp_dir("onnx_cli");
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .env("NEUROGLASS_DATA_DIR", &data)
            .output()
            .unwrap()
    };
    let p = |f: &str| tmp.join(f).display().to_string();
    let iris = root.join("projects/iris.ron").display().to_string();
    let o = run(&["export", &iris, "--onnx", &p("iris.onnx")]);
    assert!(o.status.success(), "{o:?}");
    let o = run(&["import", &p("iris.onnx"), "-o", &p("iris2.ron")]);
    assert!(o.status.success(), "{o:?}");
    assert!(tmp.join("iris2.safetensors").exists());
    // Same predictions from the original and the imported project.
    let x: Vec<f32> = (0..20).map(|k| ((k as f32) * 0.37).sin()).collect();
    std::fs::write(
        tmp.join("x.npy"),
        neuroglass::data::npy::to_bytes(&[5, 4], &x),
    )
    .unwrap();
    let o = run(&[
        "predict",
        &iris,
        "--input",
        &p("x.npy"),
        "--output",
        &p("y1.npy"),
    ]);
    assert!(o.status.success(), "{o:?}");
    let o = run(&[
        "predict",
        &p("iris2.ron"),
        "--weights",
        &p("iris2.safetensors"),
        "--input",
        &p("x.npy"),
        "--output",
        &p("y2.csv"),
    ]);
    assert!(o.status.success(), "{o:?}");
    let y1 = neuroglass::data::npy::read(&tmp.join("y1.npy")).unwrap();
    assert_eq!(y1.shape, vec![5, 3]);
    let y2: Vec<f32> = std::fs::read_to_string(tmp.join("y2.csv"))
        .unwrap()
        .split([',', '\n'])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(rel_err(&y2, &y1.values) <= 1e-6);
    // Existing files are refused without --force; an unsupported model
    // exits 1 and writes nothing.
    let o = run(&["import", &p("iris.onnx"), "-o", &p("iris2.ron")]);
    assert_eq!(o.status.code(), Some(2));
    let mut b = GraphBuilder::default();
    b.node("Cos", &["input"], &["output"], vec![]);
    std::fs::write(
        tmp.join("cos.onnx"),
        neuroglass::onnx::export::encode(&model_of(b, "output")),
    )
    .unwrap();
    let o = run(&["import", &p("cos.onnx"), "-o", &p("cos.ron")]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("Cos: output"));
    assert!(!tmp.join("cos.ron").exists() && !tmp.join("cos.safetensors").exists());
    let _ = std::fs::remove_dir_all(&tmp);
}
