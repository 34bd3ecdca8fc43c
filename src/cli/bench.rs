//! `neuroglass bench`: the engine's benchmark workloads.

use std::process::ExitCode;

use crate::engine::bench::{WORKLOADS, run};

/// Runs the chosen workloads at each thread count and prints one line (or
/// one JSON object) per workload and thread count.
pub fn bench(workloads: &[char], threads: &[usize], reps: usize, json: bool) -> ExitCode {
    let chosen: Vec<char> = if workloads.is_empty() {
        WORKLOADS.to_vec()
    } else {
        workloads.to_vec()
    };
    let mut failed = false;
    for &w in &chosen {
        for &t in threads {
            match run(w, t, 10, reps) {
                Ok(r) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({
                                "workload": r.workload.to_string(),
                                "threads": r.threads,
                                "samples_per_sec": r.samples_per_sec,
                                "step_ms": r.step_ms,
                            })
                        );
                    } else {
                        println!(
                            "{}  threads {}  {:>10.0} samples/s  {:>8.3} ms/step",
                            r.workload, r.threads, r.samples_per_sec, r.step_ms
                        );
                    }
                }
                Err(e) => {
                    eprintln!("workload {w}: {e}");
                    failed = true;
                }
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
