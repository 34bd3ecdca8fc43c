//! A training step of every benchmark workload allocates nothing outside
//! the GEMM backend once it has run at its batch size (buffers are
//! reused), on one thread and on two. The `gemm` crate allocates its
//! packing scratch on every product it computes (6–22 allocations a step
//! here); those are counted apart and only printed, so this test does
//! *not* show that a whole step is allocation-free — only the engine's own
//! code (layers, losses, optimizers, the small-product kernel, the thread
//! hand-over).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use neuroglass::engine::bench::{WORKLOADS, build};
use neuroglass::engine::linalg::inside_product;
use neuroglass::engine::parallel::with_threads;

/// Counts every allocation of the process.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static IN_PRODUCTS: AtomicUsize = AtomicUsize::new(0);

fn count() {
    if inside_product() {
        IN_PRODUCTS.fetch_add(1, Ordering::Relaxed);
    } else {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_warm_training_step_allocates_nothing_outside_gemm_products() {
    for &w in WORKLOADS {
        for threads in [1, 2] {
            let mut wl = build(w).unwrap();
            with_threads(threads, || wl.train(3)).unwrap();
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let products_before = IN_PRODUCTS.load(Ordering::Relaxed);
            with_threads(threads, || wl.train(5)).unwrap();
            let during = ALLOCATIONS.load(Ordering::Relaxed) - before;
            let in_products = IN_PRODUCTS.load(Ordering::Relaxed) - products_before;
            println!(
                "workload {w}, {threads} threads: {in_products} allocations inside products in 5 steps"
            );
            assert_eq!(
                during, 0,
                "workload {w} on {threads} threads: {during} allocations outside products in 5 steps"
            );
        }
    }
}
