//! The cost-at-scale memory estimate (`neuroglass check --batch --world`,
//! `model::scale`) against the memory Neuroglass's own training really
//! takes: the peak of live heap bytes from compiling a project's network
//! through three training steps (weights, gradients, optimizer state, the
//! network's activation and gradient buffers, the layers' scratch, the
//! GEMM backend's packing). The batch itself is made before measuring, as
//! the data set is not part of the estimate. Within 2× either way.
//!
//! What the GEMM backend allocates inside a product is left out of the
//! measured peak and printed beside it: the `gemm` crate sizes its packing
//! buffers and a per-thread slab from the machine's caches (the level-2
//! cache, 2 MiB here; blocks from the level-3 size), so that part depends
//! on the machine, not on the network — and the estimate is of a PyTorch
//! worker, whose libraries have their own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use neuroglass::engine::loss::Targets;

/// Tracks live heap bytes and their peak.
struct Tracking;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Live bytes allocated inside the GEMM backend's products, and their peak.
static IN_PRODUCT: AtomicUsize = AtomicUsize::new(0);
static PRODUCT_PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    if neuroglass::engine::linalg::inside_product() {
        let now = IN_PRODUCT.fetch_add(by, Ordering::SeqCst) + by;
        PRODUCT_PEAK.fetch_max(now, Ordering::SeqCst);
    } else {
        let now = LIVE.fetch_add(by, Ordering::SeqCst) + by;
        PEAK.fetch_max(now, Ordering::SeqCst);
    }
}

fn shrank(by: usize) {
    if neuroglass::engine::linalg::inside_product() {
        IN_PRODUCT.fetch_sub(by, Ordering::SeqCst);
    } else {
        LIVE.fetch_sub(by, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            shrank(layout.size() - new_size);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Peak live bytes added by compiling `file`'s network and training it
/// three steps at `batch` (outside the GEMM backend's products), the peak
/// inside them, and the estimate for one worker at that batch.
fn measured_and_estimated(file: &str, batch: usize) -> (u64, u64, u64) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects");
    let path = dir.join(file);
    let mut project = neuroglass::project::load(&path).unwrap();
    project.training.batch_size = batch;
    let info = neuroglass::model::resolve_data_info(&project, Some(&dir)).unwrap();
    let analysis = neuroglass::model::analyze(&project.graph, Some(&info), &project.training);
    let estimate = neuroglass::model::scale::estimate(
        &project.graph,
        &analysis,
        &project.training.optimizer,
        batch,
        1,
    );
    let input: usize = info.input_shape.iter().product();
    let x = Array2::<f32>::from_shape_fn((batch, input), |(i, j)| ((i * 7 + j) % 11) as f32 * 0.1);
    let classes = info.classes.unwrap_or(1).max(1) as u32;
    let labels: Vec<u32> = (0..batch as u32).map(|i| i % classes).collect();
    let values = Array2::<f32>::zeros((batch, info.targets.max(1)));
    let targets = if info.classes.is_some() {
        Targets::Classes(&labels)
    } else {
        Targets::Values(values.view())
    };

    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let product_base = IN_PRODUCT.load(Ordering::SeqCst);
    PRODUCT_PEAK.store(product_base, Ordering::SeqCst);
    {
        let mut compiled = neuroglass::model::compile::compile::<f32>(
            &project.graph,
            &analysis,
            &info,
            &project.training,
            1,
        )
        .unwrap();
        let mut opt = neuroglass::model::compile::optimizer::<f32>(&project.training);
        for _ in 0..3 {
            compiled
                .network
                .train_step(x.view(), &targets, compiled.loss, &mut opt, 1e-3)
                .unwrap();
        }
    }
    let peak = PEAK.load(Ordering::SeqCst) - base;
    let product = PRODUCT_PEAK
        .load(Ordering::SeqCst)
        .saturating_sub(product_base);
    (
        peak as u64,
        product as u64,
        estimate.memory_per_worker_bytes,
    )
}

#[test]
fn the_memory_estimate_is_within_2x_of_the_measured_peak() {
    // One test, so no other test's allocations are counted.
    for (file, batch) in [
        ("mnist_mlp.ron", 16),
        ("mnist_mlp.ron", 256),
        ("mnist_cnn.ron", 8),
        ("mnist_cnn.ron", 128),
        ("sine_lstm.ron", 64),
        ("digits_mlp.ron", 512),
    ] {
        let (measured, product, estimated) = measured_and_estimated(file, batch);
        let ratio = estimated as f64 / measured as f64;
        println!(
            "{file} at batch {batch}: measured {measured} B (and {product} B inside the GEMM backend's products), estimated {estimated} B, ratio {ratio:.2}"
        );
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{file} at batch {batch}: estimate {estimated} B vs measured peak {measured} B (ratio {ratio:.2})"
        );
    }
}

#[test]
fn n_workers_at_global_batch_b_cost_what_one_worker_at_b_over_n_does() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects");
    let project = neuroglass::project::load(&dir.join("mnist_cnn.ron")).unwrap();
    let info = neuroglass::model::resolve_data_info(&project, Some(&dir)).unwrap();
    let a = neuroglass::model::analyze(&project.graph, Some(&info), &project.training);
    let opt = &project.training.optimizer;
    let est = |b, n| neuroglass::model::scale::estimate(&project.graph, &a, opt, b, n);
    let (four, one) = (est(256, 4), est(64, 1));
    assert_eq!(four.memory_per_worker_bytes, one.memory_per_worker_bytes);
    assert_eq!(four.worker_batch, 64);
    // Adam: two moments per parameter; every gradient is all-reduced.
    assert_eq!(four.optimizer_bytes, 2 * four.weights_bytes);
    assert_eq!(four.allreduce_bytes_per_step, a.total_params * 4);
    assert_eq!(
        one.allreduce_bytes_per_step, 0,
        "one worker reduces nothing"
    );
    assert_eq!(four.ring_bytes_per_worker(), a.total_params * 4 * 6 / 4);
    // More workers: less activation memory each, never more.
    assert!(est(256, 8).memory_per_worker_bytes < four.memory_per_worker_bytes);
}
