//! `neuroglass trace` against PyTorch: for every example project and the
//! projects that use every layer kind, the PyTorch export's model, run in
//! float64 on the same validation sample with the same weights (evaluation
//! mode), gives the loss and every parameter's gradient the trace gives
//! (relative error ≤ 1e-6). The command line's JSON is the library's.
//!
//! Python is found as in `export_pytorch.rs` (`export_support::torch_or_skip`).

use std::path::{Path, PathBuf};
use std::process::Command;

use neuroglass::cli::trace::{TraceArgs, compute, to_json};
use neuroglass::export::pytorch::export_project;
use neuroglass::model::load_data::{info_of, load_data};
use neuroglass::model::*;
use neuroglass::project::NamedTensor;

mod export_support;
use export_support::*;

/// The largest relative error allowed (the issue's bound). Measured
/// (torch 2.x, float64): the examples agree to rounding, at most 2.0e-16
/// for the loss and 7.7e-16 for a gradient; the layer-kind projects at most
/// 4.0e-10 and 1.7e-8 (image_branches), because their layers carry float32
/// settings (eps, slopes) that PyTorch gets as decimals. The test prints
/// every figure.
const BOUND: f64 = 1e-6;

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

/// The project's initial `f32` weights, changed deterministically so no
/// value is a special one: parameters shifted, BatchNorm's running
/// statistics moved away from 0 and 1.
fn weights(project: &Project, dir: Option<&Path>) -> Vec<NamedTensor> {
    let prepared = load_data(&project.data, dir, project.training.seed).unwrap();
    let info = info_of(&prepared);
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    let net = compile::<f32>(
        &project.graph,
        &analysis,
        &info,
        &project.training,
        project.training.seed,
    )
    .unwrap()
    .network;
    net.state_dict()
        .into_iter()
        .enumerate()
        .map(|(k, (name, shape, v))| {
            let v = v
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let wiggle = ((k * 31 + i * 7) as f32).sin();
                    if name.ends_with("running_var") {
                        0.5 + wiggle.abs()
                    } else if name.ends_with("running_mean") {
                        0.3 * wiggle
                    } else {
                        x + 0.05 * wiggle
                    }
                })
                .collect();
            (name, shape, v)
        })
        .collect()
}

/// For each folder: the sample index and the trace's JSON. Python runs the
/// exported model on the sample and prints the relative errors of the loss
/// and the worst parameter gradient, and the names of gradients it has and
/// the trace has not (or the other way round).
const DRIVER: &str = r#"
import json, sys
import torch
from safetensors.torch import load_file
for arg in sys.argv[1:]:
    d, trace_file = arg.split("|")
    trace = json.load(open(trace_file))
    for m in ("model", "train", "csv_data"):
        sys.modules.pop(m, None)
    sys.path.insert(0, d)
    from model import build_model
    from train import loss_fn
    model = build_model(d + "/weights.safetensors").to(torch.float64)
    model.eval()
    data = load_file(d + "/data.safetensors")
    i = trace["sample"]
    x = data["val_x"][i:i + 1].to(torch.float64)
    y = data["val_y"][i:i + 1]
    if y.is_floating_point():
        y = y.to(torch.float64)
    loss = loss_fn(model(x), y)
    loss.backward()
    ours = {p["torch_key"]: torch.tensor([float("nan") if g is None else g for g in p["grad"]],
                                         dtype=torch.float64).reshape(p["shape"])
            for p in trace["params"]}
    theirs = dict(model.named_parameters())
    total = sum(g.norm().item() ** 2 for g in ours.values()) ** 0.5
    worst, worst_key = 0.0, None
    for k, p in theirs.items():
        if k not in ours:
            continue
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        err = (g - ours[k]).norm().item() / max(ours[k].norm().item(), 1e-9 * total, 1e-300)
        if not err <= worst:
            worst, worst_key = err, k
    ref = trace["loss"]
    print("RESULT " + json.dumps({
        "dir": d, "sample": i,
        "loss": abs(loss.item() - ref) / max(abs(ref), 1e-300),
        "grads": worst, "worst": worst_key,
        "missing": sorted(set(theirs) - set(ours)), "extra": sorted(set(ours) - set(theirs)),
    }), flush=True)
    sys.path.remove(d)
"#;

#[test]
fn every_example_traces_like_pytorch() {
    let root = temp_dir("trace");
    let mut cases: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut projects: Vec<(String, PathBuf, Option<PathBuf>)> = examples()
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, p, None)
        })
        .collect();
    for (name, p) in [
        ("image_branches", image_branches()),
        ("sequences", sequences()),
        ("sequences_mae", sequences_mae()),
        ("folded_sigmoid", folded_sigmoid()),
    ] {
        let file = root.join(format!("{name}.ron"));
        neuroglass::project::save(&p, &file).unwrap();
        projects.push((name.to_string(), file, None));
    }
    for (name, file, w) in &mut projects {
        let project = neuroglass::project::load(file).unwrap();
        let dir = file.parent();
        let tensors = weights(&project, dir);
        let wfile = root.join(format!("{name}.weights.safetensors"));
        neuroglass::project::save_weights(&wfile, &tensors).unwrap();
        *w = Some(wfile);
        let out = root.join(name.as_str());
        let s = export_project(&project, dir, Some(&tensors), &out)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(s.validation_samples > 0, "{name}");
        for sample in [0, s.validation_samples - 1] {
            let t = compute(&TraceArgs {
                project: file.clone(),
                weights: w.clone(),
                run: None,
                sample,
                json: true,
            })
            .unwrap_or_else(|e| panic!("{name} sample {sample}: {e:?}"));
            assert!(t.loss.is_finite(), "{name}");
            assert_eq!(t.nodes.len(), project.graph.nodes().len(), "{name}");
            let json = root.join(format!("{name}.{sample}.json"));
            std::fs::write(&json, to_json(sample, &t).to_string()).unwrap();
            cases.push((out.clone(), json));
        }
    }
    let Some(torch) = torch_or_skip("every_example_traces_like_pytorch") else {
        return;
    };
    let mut args = vec!["-c".to_string(), DRIVER.to_string()];
    args.extend(
        cases
            .iter()
            .map(|(d, j)| format!("{}|{}", d.display(), j.display())),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out) = run_python(torch.py, &refs, &std::env::temp_dir());
    assert!(ok, "the driver failed:\n{out}");
    let results: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), cases.len(), "{out}");
    let (mut worst_loss, mut worst_grad) = (0.0f64, 0.0f64);
    println!("relative errors of the trace against PyTorch (loss / worst gradient):");
    for r in &results {
        let (loss, grads) = (r["loss"].as_f64().unwrap(), r["grads"].as_f64().unwrap());
        println!(
            "  {:<22} sample {:>4}  {loss:.1e} / {grads:.1e} ({})",
            Path::new(r["dir"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy(),
            r["sample"],
            r["worst"]
        );
        assert_eq!(r["missing"], serde_json::json!([]), "{r}");
        assert_eq!(r["extra"], serde_json::json!([]), "{r}");
        assert!(loss <= BOUND && grads <= BOUND, "{r}");
        worst_loss = worst_loss.max(loss);
        worst_grad = worst_grad.max(grads);
    }
    println!("  worst: {worst_loss:.1e} / {worst_grad:.1e}");
    if std::env::var_os("KEEP_EXPORTS").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn neuroglass(args: &[&str]) -> (i32, String, String) {
    let data = temp_dir("trace-data");
    let out = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .args(args)
        .env("NEUROGLASS_DATA_DIR", &data)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_prints_the_trace_and_refuses_bad_input() {
    let xor = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let xor = xor.to_str().unwrap();
    let (code, out, err) = neuroglass(&["trace", xor, "--sample", "3", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let lib = compute(&TraceArgs {
        project: xor.into(),
        sample: 3,
        ..TraceArgs::default()
    })
    .unwrap();
    assert_eq!(out.trim(), to_json(3, &lib).to_string());
    for key in ["sample", "target", "loss", "nodes", "params"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    let n = &v["nodes"][0];
    for key in ["id", "name", "shape", "output", "grad"] {
        assert!(n.get(key).is_some(), "{key} in {n}");
    }
    let p = &v["params"][0];
    for key in ["node", "torch_key", "shape", "grad"] {
        assert!(p.get(key).is_some(), "{key} in {p}");
    }

    let (code, out, _) = neuroglass(&["trace", xor, "--sample", "0"]);
    assert_eq!(code, 0);
    assert!(out.contains("validation sample 0: target class"), "{out}");
    assert!(out.contains("∂L/∂parameter"), "{out}");

    let (code, _, err) = neuroglass(&["trace", xor, "--sample", "99999999", "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("there is no validation sample 99999999"),
        "{err}"
    );
    let (code, _, err) = neuroglass(&["trace", xor, "--sample", "-1"]);
    assert_eq!(code, 2, "{err}");

    let dir = temp_dir("trace-cli");
    let missing = dir.join("missing.safetensors");
    let (code, _, err) = neuroglass(&[
        "trace",
        xor,
        "--sample",
        "0",
        "--weights",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.safetensors"), "{err}");

    // NaN weights: refused with the tensor's name.
    let project = neuroglass::project::load(Path::new(xor)).unwrap();
    let mut w = weights(&project, Path::new(xor).parent());
    w[0].2[0] = f32::NAN;
    let nan = dir.join("nan.safetensors");
    std::fs::write(
        &nan,
        neuroglass::project::weights::weights_bytes(&nan, &w).unwrap(),
    )
    .unwrap();
    let (code, _, err) = neuroglass(&[
        "trace",
        xor,
        "--sample",
        "0",
        "--weights",
        nan.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("NaN"), "{err}");
    // Weights of another network do not fit.
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron");
    let op = neuroglass::project::load(&other).unwrap();
    let ow = weights(&op, other.parent());
    let wrong = dir.join("wrong.safetensors");
    neuroglass::project::save_weights(&wrong, &ow).unwrap();
    let (code, _, err) = neuroglass(&[
        "trace",
        xor,
        "--sample",
        "0",
        "--weights",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("do not fit"), "{err}");
    let (code, _, err) = neuroglass(&["trace", xor, "--sample", "0", "--run", "nosuchrun"]);
    assert_eq!(code, 1, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
