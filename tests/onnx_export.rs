//! ONNX export: every example and every layer kind written as an ONNX
//! model, with perturbed weights (so BatchNorm's running statistics and
//! every bias matter); the model passes `onnx.checker` (full check, with
//! shape inference) and ONNX Runtime reproduces Neuroglass's
//! evaluation-mode outputs on the project's own data: max |ort − ours| /
//! max |ours| ≤ 1e-4 (float32 both sides). Needs a Python with onnx and
//! onnxruntime (see `export_support::torch_or_skip`); without, the Rust
//! half still runs and the check says it skipped.

mod export_support;

use std::path::{Path, PathBuf};

use export_support::*;
use neuroglass::cli::predict::{network_for, outputs};
use neuroglass::model::Project;
use neuroglass::model::load_data::load_data;
use neuroglass::project::NamedTensor;

/// Checks each `case/model.onnx` against `case/io.safetensors` (`x`, `y`).
const CHECK: &str = r#"
import sys, numpy as np, onnx, onnxruntime as ort
from safetensors.numpy import load_file
worst = 0.0
for case in sys.argv[1:]:
    m = onnx.load(f"{case}/model.onnx")
    onnx.checker.check_model(m, full_check=True)
    assert m.opset_import[0].version >= 17, m.opset_import
    dim0 = m.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param == "batch", dim0
    io = load_file(f"{case}/io.safetensors")
    s = ort.InferenceSession(f"{case}/model.onnx", providers=["CPUExecutionProvider"])
    got = s.run(None, {"input": io["x"]})[0]
    want = io["y"]
    assert got.shape == want.shape, (case, got.shape, want.shape)
    err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-12))
    worst = max(worst, err)
    print(f"{case}: {len(m.graph.node)} nodes, rel err {err:.2e}")
    assert err <= 1e-4, (case, err)
    # Any batch size: one sample alone gives the same.
    one = s.run(None, {"input": io["x"][:1]})[0]
    assert np.max(np.abs(one - got[:1])) <= 1e-4 * max(float(np.max(np.abs(want))), 1e-12)
print(f"worst rel err {worst:.2e}")
"#;

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

/// The project's initial weights, each value moved by a fixed pattern;
/// running variances kept positive.
fn perturbed(project: &Project, dir: Option<&Path>) -> Vec<NamedTensor> {
    let prepared = load_data(&project.data, dir, project.training.seed).unwrap();
    let (net, _, _) = network_for(project, dir, &prepared.train.input_shape, None).unwrap();
    net.state_dict()
        .into_iter()
        .enumerate()
        .map(|(t, (name, shape, values))| {
            let values = values
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let wave = ((k as f32) * 1.37 + (t as f32) * 0.71).sin();
                    if name.ends_with("running_var") {
                        0.5 + 0.4 * wave.abs()
                    } else if name.ends_with("running_mean") {
                        0.3 * wave
                    } else {
                        v + 0.05 * wave
                    }
                })
                .collect();
            (name, shape, values)
        })
        .collect()
}

/// Writes `out/model.onnx` and `out/io.safetensors` for `project`.
fn write_case(project: &Project, dir: Option<&Path>, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    let weights = perturbed(project, dir);
    let (model, params, input_shape) =
        neuroglass::onnx::project_model(project, dir, Some(&weights)).unwrap();
    assert!(params > 0);
    std::fs::write(
        out.join("model.onnx"),
        neuroglass::onnx::export::encode(&model),
    )
    .unwrap();
    let prepared = load_data(&project.data, dir, project.training.seed).unwrap();
    let all = if prepared.validation.x.nrows() > 0 {
        &prepared.validation.x
    } else {
        &prepared.train.x
    };
    let n = all.nrows().min(64);
    let x = all.slice(ndarray::s![..n, ..]).to_owned();
    let (mut net, out_shape, folded) =
        network_for(project, dir, &input_shape, Some(&weights)).unwrap();
    let y = outputs(&mut net, &x, folded).unwrap();
    let mut xs = vec![n];
    xs.extend(&input_shape);
    let mut ys = vec![n];
    ys.extend(&out_shape);
    neuroglass::project::save_weights(
        &out.join("io.safetensors"),
        &[
            ("x".into(), xs, x.iter().copied().collect()),
            ("y".into(), ys, y.iter().copied().collect()),
        ],
    )
    .unwrap();
}

fn check(py: &Path, cases: &[PathBuf]) {
    let mut args = vec!["-c", CHECK];
    let names: Vec<String> = cases.iter().map(|c| c.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let (ok, text) = run_python(py, &args, Path::new("."));
    eprintln!("{text}");
    assert!(ok, "{text}");
}

#[test]
fn every_example_exports_to_onnx_and_runs_in_onnx_runtime() {
    let root = temp_dir("onnx_examples");
    let mut cases = Vec::new();
    for p in examples() {
        let project = neuroglass::project::load(&p).unwrap();
        let out = root.join(p.file_stem().unwrap());
        write_case(&project, p.parent(), &out);
        cases.push(out);
    }
    let Some(torch) = torch_or_skip("every_example_exports_to_onnx_and_runs_in_onnx_runtime")
    else {
        return;
    };
    check(torch.py, &cases);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn every_layer_kind_exports_to_onnx_and_runs_in_onnx_runtime() {
    let root = temp_dir("onnx_layers");
    let mut cases = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (name, p) in [
        ("image_branches", image_branches()),
        ("sequences", sequences()),
        ("sequences_mae", sequences_mae()),
        ("folded_sigmoid", folded_sigmoid()),
    ] {
        kinds.extend(p.graph.nodes().iter().map(|n| n.spec.kind_name()));
        let out = root.join(name);
        write_case(&p, None, &out);
        cases.push(out);
    }
    let all: std::collections::BTreeSet<&str> = neuroglass::model::LayerSpec::palette()
        .iter()
        .map(|s| s.kind_name())
        .collect();
    assert_eq!(kinds, all, "every kind of the palette is exported");
    let Some(torch) = torch_or_skip("every_layer_kind_exports_to_onnx_and_runs_in_onnx_runtime")
    else {
        return;
    };
    check(torch.py, &cases);
    let _ = std::fs::remove_dir_all(&root);
}
