//! `neuroglass check`: the model summary table, problems, and exit codes.

use std::path::Path;
use std::process::ExitCode;

use crate::model::infer::fmt_shape;
use crate::model::validate::fmt_bytes;
use crate::model::{Analysis, DataInfo, Project, Severity, analyze};

use super::table::render;
use crate::numfmt::{flops, thousands};

/// Exit code for a valid project.
pub const OK: u8 = 0;
/// Exit code for a project with problems (or training that diverged).
pub const INVALID: u8 = 1;
/// Exit code for input that cannot be read.
pub const UNREADABLE: u8 = 2;

/// The summary table of a project: one row per node in execution order.
pub fn summary(project: &Project, analysis: &Analysis) -> String {
    let graph = &project.graph;
    let mut ids: Vec<_> = analysis.order.clone();
    for n in graph.nodes() {
        if !ids.contains(&n.id) {
            ids.push(n.id);
        }
    }
    let rows: Vec<Vec<String>> = ids
        .iter()
        .filter_map(|id| graph.node(*id).map(|n| (n, analysis.nodes.get(id))))
        .map(|(n, info)| {
            let shape = info
                .and_then(|i| i.out_shape.as_deref())
                .map_or_else(|| "?".to_string(), fmt_shape);
            let bad =
                info.is_some_and(|i| i.problems.iter().any(|p| p.severity == Severity::Error));
            vec![
                n.id.to_string(),
                n.name.clone(),
                n.spec.kind_name().to_string(),
                shape,
                thousands(info.map_or(0, |i| i.params)),
                flops(info.map_or(0, |i| i.flops)),
                if bad { "✗".into() } else { String::new() },
            ]
        })
        .collect();
    let mut out = render(
        &["id", "layer", "kind", "output", "params", "FLOPs", ""],
        &rows,
        &[4, 5],
    );
    out.push_str(&format!(
        "total: {} parameters · {} per sample · training memory ≈ {} at batch {}\n",
        thousands(analysis.total_params),
        flops(analysis.total_flops),
        fmt_bytes(analysis.train_memory_bytes),
        project.training.batch_size
    ));
    out
}

/// Each problem on its own line, `error: node #3 `dense` (Dense): … — fix: …`.
pub fn problems(project: &Project, analysis: &Analysis) -> String {
    let mut out = String::new();
    for (id, p) in analysis.problems() {
        let level = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = id
            .and_then(|id| project.graph.node(id))
            .map(|n| format!("node {} `{}` ({}): ", n.id, n.name, n.spec.kind_name()))
            .unwrap_or_default();
        out.push_str(&format!("{level}: {place}{} — fix: {}\n", p.message, p.fix));
    }
    out
}

/// A JSON description of the analysis, for tools.
pub fn to_json(
    project: &Project,
    data: Option<&DataInfo>,
    analysis: &Analysis,
) -> serde_json::Value {
    let nodes: Vec<serde_json::Value> = analysis
        .nodes
        .iter()
        .filter_map(|(id, info)| {
            let n = project.graph.node(*id)?;
            Some(serde_json::json!({
                "id": id.0,
                "name": n.name,
                "kind": n.spec.kind_name(),
                "output_shape": info.out_shape,
                "params": info.params,
                "flops": info.flops,
                "problems": info.problems.iter().map(|p| serde_json::json!({
                    "severity": if p.severity == Severity::Error { "error" } else { "warning" },
                    "message": p.message, "fix": p.fix,
                })).collect::<Vec<_>>(),
            }))
        })
        .collect();
    serde_json::json!({
        "name": project.name,
        "ok": !analysis.has_errors(),
        "input_shape": data.map(|d| d.input_shape.clone()),
        "classes": data.and_then(|d| d.classes),
        "total_params": analysis.total_params,
        "total_flops": analysis.total_flops,
        "train_memory_bytes": analysis.train_memory_bytes,
        "order": analysis.order.iter().map(|id| id.0).collect::<Vec<_>>(),
        "nodes": nodes,
        "graph_problems": analysis.graph_problems.iter().map(|p| serde_json::json!({
            "severity": if p.severity == Severity::Error { "error" } else { "warning" },
            "message": p.message, "fix": p.fix,
        })).collect::<Vec<_>>(),
    })
}

/// Runs `neuroglass check PATH`: prints the summary and problems and returns
/// 0 (clean), 1 (problems) or 2 (unreadable).
pub fn run(path: &Path, json: bool) -> ExitCode {
    run_at_scale(path, json, None, None)
}

/// [`run`], with the cost of data-parallel training at global batch
/// `batch` (default: the project's) on `world` workers (default 1): printed
/// when either is given, and always in the JSON
/// (`memory_per_worker_bytes`, `allreduce_bytes_per_step`, `scale`).
pub fn run_at_scale(
    path: &Path,
    json: bool,
    batch: Option<usize>,
    world: Option<usize>,
) -> ExitCode {
    // Unreadable: the message on stderr, and with --json also a JSON
    // object on stdout, so a tool always gets one.
    let unreadable = |message: String| {
        if json {
            super::out::line(
                serde_json::json!({ "ok": false, "error": message, "exit_code": UNREADABLE })
                    .to_string(),
            );
        }
        super::out::error(message);
        ExitCode::from(UNREADABLE)
    };
    let project = match crate::project::load(path) {
        Ok(p) => p,
        Err(e) => return unreadable(e.to_string()),
    };
    let data = match crate::model::resolve_data_info(&project, path.parent()) {
        Ok(d) => d,
        Err(e) => {
            return unreadable(format!(
                "{}: the data could not be read: {e}",
                path.display()
            ));
        }
    };
    let analysis = analyze(&project.graph, Some(&data), &project.training);
    let scale = crate::model::scale::estimate(
        &project.graph,
        &analysis,
        &project.training.optimizer,
        batch.unwrap_or(project.training.batch_size),
        world.unwrap_or(1),
    );
    if json {
        let mut v = to_json(&project, Some(&data), &analysis);
        super::scale::add_json(&mut v, &scale);
        super::out::line(v.to_string());
    } else {
        super::out::line(format!("{} — {}", project.name, path.display()));
        super::out::line(format!(
            "data: input {} · {}",
            fmt_shape(&data.input_shape),
            match data.classes {
                Some(k) => format!("{k} classes"),
                None => format!("{} regression target(s)", data.targets),
            }
        ));
        super::out::text(summary(&project, &analysis));
        if batch.is_some() || world.is_some() {
            super::out::text(super::scale::text(&scale));
        }
        let p = problems(&project, &analysis);
        if p.is_empty() {
            super::out::line("no problems");
        } else {
            super::out::text(&p);
        }
    }
    if analysis.has_errors() {
        ExitCode::from(INVALID)
    } else {
        ExitCode::from(OK)
    }
}
