//! The document: what the user builds and edits. Layer settings
//! ([`LayerSpec`]), the [`Graph`] of nodes and wires, the [`TrainConfig`] and
//! [`DataSpec`]; shape inference and validation; compiling a graph into an
//! `engine::Network`.
//!
//! The model knows nothing of the UI, of files, or of threads.

pub mod config;
pub mod graph;
pub mod spec;

pub use config::*;
pub use graph::{Edge, Graph, GraphError, Node, NodeId};
pub use spec::*;
pub mod analysis;
pub mod project;

pub use analysis::{Analysis, NodeInfo, Problem, Severity};
pub use project::Project;
pub mod data_path;
pub mod datainfo;
pub mod infer;
pub mod layout;
pub mod load_data;
pub mod reference;
pub mod scale;
pub mod validate;
pub mod variants;

pub use datainfo::{DataInfo, data_info, resolve_data_info};
pub use validate::analyze;
pub mod compile;

pub use compile::{CompileError, Compiled, compile};
