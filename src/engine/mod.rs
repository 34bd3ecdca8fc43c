//! The numeric core: tensors on `ndarray`, layers with forward and backward,
//! losses, optimizers, initialisers and the compiled [`Network`].
//!
//! The engine knows nothing of the UI, files, serde or threads. It is
//! generic over [`Float`] so that every layer runs in `f32` for training and
//! in `f64` for finite-difference gradient checks.
//!
//! # Conventions
//! - Every activation is an `Array2<F>` of shape `[batch, features]`, row
//!   major. A layer's logical per-sample shape (e.g. `C×H×W` or `T×F`) is
//!   known when the layer is built; the features are that shape flattened in
//!   row-major order (NCHW for images, batch-first `T×F` for sequences, as in
//!   PyTorch). Flatten and Reshape are therefore free.
//! - Parameters are stored in PyTorch's layouts (Dense weight `[out, in]`,
//!   Conv2D weight `[out, in, kh, kw]` kept as `[out, in·kh·kw]`, LSTM
//!   `weight_ih [4H, I]` with gate order i, f, g, o, GRU gate order r, z, n).
//! - `backward` *overwrites* parameter gradients (one call per step) and
//!   writes input gradients into pre-shaped buffers.

pub mod float;
pub mod layer;

pub use float::Float;
pub use layer::{Ctx, Layer, Mode, Param};
pub mod activation;
pub mod bench;
pub mod conv;
pub mod dense;
pub mod dropout;
pub mod error;
pub mod fastmath;
pub mod gradcheck;
pub mod init;
pub mod linalg;
pub mod loss;
pub mod merge;
pub mod metrics;
pub mod network;
pub mod norm;
pub mod optim;
pub mod parallel;
pub mod pool;
pub mod recurrent;
pub mod reshape;
pub mod schedule;

pub use error::EngineError;
pub use network::{NetNode, Network, Source};
