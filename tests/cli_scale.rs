//! `neuroglass check --batch B --world N`, `bench --profile` and
//! `bench --ceiling` from the command line: their contracts (flags, JSON
//! keys), not their timings.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_neuroglass"));
    c.env("NEUROGLASS_DATA_DIR", std::env::temp_dir());
    c
}

fn project(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("projects")
        .join(name)
}

fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn check_at_scale_gives_memory_per_worker_and_allreduce_bytes() {
    let one = bin()
        .args(["check", "--json", "--batch", "256", "--world", "1"])
        .arg(project("mnist_cnn.ron"))
        .output()
        .unwrap();
    let four = bin()
        .args(["check", "--json", "--batch", "256", "--world", "4"])
        .arg(project("mnist_cnn.ron"))
        .output()
        .unwrap();
    assert_eq!(four.status.code(), Some(0));
    let (one, four) = (&json_lines(&one)[0], &json_lines(&four)[0]);
    let params = four["total_params"].as_u64().unwrap();
    assert_eq!(four["allreduce_bytes_per_step"].as_u64(), Some(params * 4));
    assert_eq!(one["allreduce_bytes_per_step"].as_u64(), Some(0));
    let (m1, m4) = (
        one["memory_per_worker_bytes"].as_u64().unwrap(),
        four["memory_per_worker_bytes"].as_u64().unwrap(),
    );
    assert!(m4 < m1, "a quarter of the batch needs less: {m4} vs {m1}");
    assert_eq!(four["scale"]["worker_batch"].as_u64(), Some(64));
    // The text says it too.
    let text = bin()
        .args(["check", "--batch", "256", "--world", "4"])
        .arg(project("mnist_cnn.ron"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("data-parallel on 4 workers at global batch 256"),
        "{text}"
    );
    // Out-of-range counts are refused by the argument parser.
    let bad = bin()
        .args(["check", "--world", "0"])
        .arg(project("mnist_cnn.ron"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn bench_profile_names_every_node_and_the_step() {
    let out = bin()
        .args([
            "bench",
            "--json",
            "--threads",
            "1",
            "--reps",
            "3",
            "--profile",
        ])
        .arg(project("mnist_mlp.ron"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let (step, nodes) = lines.split_last().unwrap();
    assert!(step["step_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(step["threads"].as_u64(), Some(1));
    for key in [
        "node",
        "kind",
        "forward_ms",
        "backward_ms",
        "share",
        "flops",
        "activation_bytes",
    ] {
        assert!(nodes.iter().all(|n| n.get(key).is_some()), "{key} missing");
    }
    assert!(
        nodes
            .iter()
            .any(|n| n["kind"] == "Dense" && n["flops"].as_u64() > Some(0))
    );
    // A project that cannot be read: exit 2.
    let missing = bin()
        .args(["bench", "--profile", "/nonexistent/p.ron"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn bench_ceiling_gives_the_square_product_and_each_workloads_share() {
    let out = bin()
        .args([
            "bench",
            "--ceiling",
            "--json",
            "--workloads",
            "a",
            "--threads",
            "1",
            "--reps",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines[0]["gemm"], "1024x1024x1024");
    assert!(lines[0]["gflops"].as_f64().unwrap() > 0.0);
    let a = &lines[1];
    assert_eq!(a["workload"], "a");
    assert_eq!(a["products"].as_u64(), Some(5));
    let share = a["share"].as_f64().unwrap();
    assert!(share > 0.0 && share.is_finite(), "{share}");
}
