//! `neuroglass bench --profile P.ron`: where a training step's time goes,
//! node by node.

use std::process::ExitCode;

use crate::trainer::profile::{Profile, profile_project};

/// Profiles the project's training step on the first of `threads` (all
/// cores when none are given) and prints a table or, with `json`, one
/// object per node and one for the whole step. Exit 2 if the project cannot
/// be read, 1 if it cannot be trained.
pub fn run(path: &std::path::Path, threads: &[usize], reps: usize, json: bool) -> ExitCode {
    let project = match crate::project::load(path) {
        Ok(p) => p,
        Err(e) => {
            super::out::error(format!("{}: {e}", path.display()));
            return ExitCode::from(2);
        }
    };
    let threads = threads
        .first()
        .copied()
        .unwrap_or_else(crate::engine::parallel::default_threads);
    match profile_project(&project, path.parent(), 5, reps.max(3), threads) {
        Ok(p) if json => print_json(&p),
        Ok(p) => print_table(&p),
        Err(e) => {
            super::out::error(format!("{}: {e}", path.display()));
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

fn print_json(p: &Profile) {
    for n in &p.nodes {
        super::out::line(
            serde_json::json!({
                "node": n.name,
                "kind": n.kind,
                "forward_ms": n.forward_ms,
                "backward_ms": n.backward_ms,
                "share": n.share,
                "flops": n.flops,
                "activation_bytes": n.activation_bytes,
            })
            .to_string(),
        );
    }
    super::out::line(
        serde_json::json!({
            "step_ms": p.step_ms,
            "optimizer_ms": p.optimizer_ms,
            "other_ms": p.other_ms(),
            "batch": p.batch,
            "threads": p.threads,
            "steps": p.steps,
        })
        .to_string(),
    );
}

fn print_table(p: &Profile) {
    let ms = |v: f64| format!("{v:.3}");
    let pct = |v: f64| format!("{:.1} %", v * 100.0);
    let mut rows: Vec<Vec<String>> = p
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                n.kind.to_string(),
                ms(n.forward_ms),
                ms(n.backward_ms),
                pct(n.share),
                crate::numfmt::flops(n.flops),
                crate::model::validate::fmt_bytes(n.activation_bytes),
            ]
        })
        .collect();
    let step = p.step_ms.max(1e-12);
    for (name, v) in [("optimizer", p.optimizer_ms), ("other", p.other_ms())] {
        rows.push(vec![
            name.into(),
            String::new(),
            String::new(),
            ms(v),
            pct(v / step),
            String::new(),
            String::new(),
        ]);
    }
    super::out::text(super::table::render(
        &[
            "node",
            "kind",
            "forward ms",
            "backward ms",
            "share",
            "FLOPs",
            "activations",
        ],
        &rows,
        &[2, 3, 4, 5, 6],
    ));
    super::out::line(format!(
        "step {:.3} ms (median of {} steps, batch {}, {} thread{})",
        p.step_ms,
        p.steps,
        p.batch,
        p.threads,
        if p.threads == 1 { "" } else { "s" }
    ));
}
