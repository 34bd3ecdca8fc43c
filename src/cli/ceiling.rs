//! `neuroglass bench --ceiling`: the GEMM kernel's throughput at 1024³ and
//! at each workload's own products, and each workload's share of it.

use std::process::ExitCode;

use crate::engine::bench::ceiling::{square_gflops, workload_ceiling};

/// Prints the ceiling at 1024³ on each thread count, then one line (or
/// JSON object) per workload and thread count.
pub fn ceiling(workloads: &[char], threads: &[usize], reps: usize, json: bool) -> ExitCode {
    for &t in threads {
        let g = square_gflops(1024, t, reps.min(7));
        if json {
            super::out::line(
                serde_json::json!({
                    "gemm": "1024x1024x1024",
                    "threads": t,
                    "gflops": g,
                })
                .to_string(),
            );
        } else {
            super::out::line(format!(
                "GEMM 1024×1024×1024  threads {t}  {g:>7.1} GFLOP/s"
            ));
        }
    }
    let mut failed = false;
    for &w in workloads {
        match workload_ceiling(w, threads, reps) {
            Ok(rows) => {
                for r in rows {
                    if json {
                        super::out::line(
                            serde_json::json!({
                                "workload": r.workload.to_string(),
                                "threads": r.threads,
                                "products": r.products,
                                "shapes": r.shapes,
                                "product_flops": r.product_flops,
                                "gemm_ms": r.gemm_ms,
                                "gemm_gflops": r.gemm_gflops(),
                                "step_ms": r.step_ms,
                                "step_gflops": r.step_gflops(),
                                "share": r.share(),
                            })
                            .to_string(),
                        );
                    } else {
                        super::out::line(format!(
                            "{}  threads {}  {} products ({} shapes) alone {:.3} ms = {:.1} GFLOP/s; step {:.3} ms = {:.1} GFLOP/s; {:.0} % of the ceiling",
                            r.workload,
                            r.threads,
                            r.products,
                            r.shapes,
                            r.gemm_ms,
                            r.gemm_gflops(),
                            r.step_ms,
                            r.step_gflops(),
                            r.share() * 100.0
                        ));
                    }
                }
            }
            Err(e) => {
                super::out::error(format!("workload {w}: {e}"));
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
