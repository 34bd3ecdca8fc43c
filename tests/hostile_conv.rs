//! Hostile input, class 1: 'same' convolutions whose kernel is larger than
//! their input. They validate, train without a panic, and — with a Python
//! that has torch (`NEUROGLASS_PYTHON`) — the exported model computes the
//! same outputs, gradients and training steps as PyTorch.

use neuroglass::export::pytorch::export_project;
use neuroglass::model::*;

mod export_support;
use export_support::*;

/// Digits 8×8 through 'same' convolutions with kernels 13 (odd, stride 1),
/// 11 at stride 2, and 20 (even: the extra zeros at the bottom and right).
fn big_kernels(kernel_a: usize, kernel_b: usize, kernel_c: usize) -> Project {
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
    let a = node(&mut g, "a", conv(2, kernel_a, 1, Padding::Same), &[img]);
    let b = node(&mut g, "b", conv(3, kernel_b, 2, Padding::Same), &[a]);
    let c = node(&mut g, "c", conv(2, kernel_c, 1, Padding::Same), &[b]);
    let f = node(&mut g, "flat", LayerSpec::Flatten, &[c]);
    node(&mut g, "scores", dense(Units::Auto), &[f]);
    Project {
        name: "kernels larger than the image".into(),
        graph: g,
        data: DataSpec {
            source: DataSource::Bundled(Bundled::Digits8x8),
            validation_split: 0.2,
            normalization: Normalization::MinMax,
            features: vec![],
        },
        training: TrainConfig {
            loss: LossKind::CrossEntropy,
            learning_rate: 0.01,
            batch_size: 16,
            epochs: 1,
            ..TrainConfig::default()
        },
        ..Project::default()
    }
}

#[test]
fn kernels_larger_than_the_input_validate_train_and_match_pytorch() {
    let root = temp_dir("big-kernels");
    let mut dirs = Vec::new();
    for (i, (ka, kb, kc)) in [(13, 11, 20), (9, 16, 5), (17, 3, 8)]
        .into_iter()
        .enumerate()
    {
        let p = big_kernels(ka, kb, kc);
        let ron = root.join(format!("k{i}.ron"));
        neuroglass::project::save::save(&p, &ron).unwrap();
        // `check` passes it and `train` trains it (no panic, exit 0).
        for args in [vec!["check"], vec!["train", "--epochs", "1"]] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_neuroglass"))
                .args(&args)
                .arg(&ron)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?} {ka}/{kb}/{kc}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = root.join(format!("k{i}"));
        export_project(&p, None, None, &out).unwrap_or_else(|e| panic!("{ka}/{kb}/{kc}: {e}"));
        dirs.push(out);
    }
    let Some(torch) =
        torch_or_skip("kernels_larger_than_the_input_validate_train_and_match_pytorch")
    else {
        return;
    };
    let py = torch.py;
    for d in &dirs {
        let script = format!(
            "import sys, json; sys.path.insert(0, {d:?}); import check_reference as c; \
             print(json.dumps(c.check('float64', {w:?}, {r:?})))",
            d = d.display().to_string(),
            w = d.join("weights.safetensors").display().to_string(),
            r = d.join("reference.safetensors").display().to_string(),
        );
        let (ok, out) = run_python(py, &["-c", &script], d);
        assert!(ok, "{}: {out}", d.display());
        let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(
            v["ok"],
            serde_json::Value::Bool(true),
            "{}: {out}",
            d.display()
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
