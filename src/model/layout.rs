//! Auto-layout: places nodes in rows by their depth from the inputs, data
//! flowing top to bottom, and orders each row to keep wires short.

use std::collections::BTreeMap;

use super::{Graph, NodeId};

/// Distances between laid-out nodes, in canvas units.
#[derive(Clone, Copy, Debug)]
pub struct Spacing {
    /// Horizontal distance between the left edges of neighbours in a row.
    pub column: f32,
    /// Vertical distance between the top edges of consecutive rows.
    pub row: f32,
    /// Top-left corner of the first row.
    pub origin: [f32; 2],
}

impl Default for Spacing {
    fn default() -> Self {
        Self {
            column: 220.0,
            row: 100.0,
            origin: [40.0, 40.0],
        }
    }
}

/// New positions for every node: row = longest path from a source, rows
/// ordered by the mean column of their inputs (two sweeps), each row centred
/// on the widest one. A graph with a cycle keeps its cyclic nodes in a last
/// row, so every node still gets a place.
pub fn auto_layout(graph: &Graph, spacing: Spacing) -> BTreeMap<NodeId, [f32; 2]> {
    let order = match graph.topo_order() {
        Ok(o) => o,
        Err(cyclic) => {
            let mut o: Vec<NodeId> = graph
                .nodes()
                .iter()
                .map(|n| n.id)
                .filter(|id| !cyclic.contains(id))
                .collect();
            o.extend(cyclic);
            o
        }
    };
    let mut depth: BTreeMap<NodeId, usize> = BTreeMap::new();
    for id in &order {
        let d = graph
            .inputs_of(*id)
            .iter()
            .filter_map(|e| depth.get(&e.from).map(|d| d + 1))
            .max()
            .unwrap_or(0);
        depth.insert(*id, d);
    }
    let rows = depth.values().copied().max().map_or(0, |m| m + 1);
    let mut layers: Vec<Vec<NodeId>> = vec![Vec::new(); rows];
    for id in &order {
        layers[depth[id]].push(*id);
    }
    // Start each row in the user's left-to-right order, then sort by the
    // mean column of the inputs.
    for row in &mut layers {
        row.sort_by(|a, b| {
            let x = |id: &NodeId| graph.node(*id).map_or(0.0, |n| n.pos[0]);
            x(a).total_cmp(&x(b))
        });
    }
    for _ in 0..2 {
        let mut column: BTreeMap<NodeId, f32> = BTreeMap::new();
        for row in &mut layers {
            let key = |id: &NodeId| {
                let ins = graph.inputs_of(*id);
                let cols: Vec<f32> = ins
                    .iter()
                    .filter_map(|e| column.get(&e.from))
                    .copied()
                    .collect();
                if cols.is_empty() {
                    f32::MAX
                } else {
                    cols.iter().sum::<f32>() / cols.len() as f32
                }
            };
            let mut keyed: Vec<(f32, usize, NodeId)> = row
                .iter()
                .enumerate()
                .map(|(i, id)| (key(id), i, *id))
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *row = keyed.into_iter().map(|(_, _, id)| id).collect();
            let width = row.len() as f32;
            for (i, id) in row.iter().enumerate() {
                column.insert(*id, i as f32 - (width - 1.0) / 2.0);
            }
        }
    }
    let widest = layers.iter().map(Vec::len).max().unwrap_or(1) as f32;
    let mut out = BTreeMap::new();
    for (r, row) in layers.iter().enumerate() {
        let offset = (widest - row.len() as f32) / 2.0;
        for (i, id) in row.iter().enumerate() {
            out.insert(
                *id,
                [
                    spacing.origin[0] + (offset + i as f32) * spacing.column,
                    spacing.origin[1] + r as f32 * spacing.row,
                ],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerSpec;

    #[test]
    fn a_chain_is_one_column_and_a_branch_spreads() {
        let mut g = Graph::new();
        let i = g.add_node("in", LayerSpec::Input, [500.0, 0.0]);
        let a = g.add_node("a", LayerSpec::Flatten, [0.0, 0.0]);
        let b = g.add_node("b", LayerSpec::Flatten, [900.0, 0.0]);
        let s = g.add_node("sum", LayerSpec::Add, [0.0, 0.0]);
        g.connect(i, a).unwrap();
        g.connect(i, b).unwrap();
        g.connect(a, s).unwrap();
        g.connect(b, s).unwrap();
        let sp = Spacing::default();
        let p = auto_layout(&g, sp);
        assert_eq!(p.len(), 4);
        assert_eq!(p[&i][1], sp.origin[1]);
        assert_eq!(p[&a][1], sp.origin[1] + sp.row);
        assert_eq!(p[&b][1], p[&a][1]);
        assert_eq!(p[&s][1], sp.origin[1] + 2.0 * sp.row);
        // a was left of b before and stays so; the single nodes are centred.
        assert!(p[&a][0] < p[&b][0]);
        assert_eq!(p[&i][0], (p[&a][0] + p[&b][0]) / 2.0);
        assert_eq!(p[&s][0], p[&i][0]);
    }

    #[test]
    fn cycles_and_loose_nodes_still_get_places() {
        let mut g = Graph::new();
        let a = g.add_node("a", LayerSpec::Flatten, [0.0, 0.0]);
        let b = g.add_node("b", LayerSpec::Flatten, [0.0, 0.0]);
        let _loose = g.add_node("c", LayerSpec::Input, [0.0, 0.0]);
        g.connect(a, b).unwrap();
        let p = auto_layout(&g, Spacing::default());
        assert_eq!(p.len(), 3);
        let mut seen: Vec<_> = p.values().map(|v| (v[0] as i32, v[1] as i32)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 3, "no two nodes on the same spot");
    }
}
