//! Batch-parallel work: a layer splits its batch into a fixed number of
//! *shards* (chosen from the batch size alone, never from the thread
//! count), computes each shard with its own buffers, and adds the shards'
//! parameter gradients in shard order. The shards run on several threads
//! when [`threads`] allows, else one after another — with
//! the same numbers either way, so results do not depend on the thread
//! count.
//!
//! The thread count belongs to the calling thread, not to the process: a
//! thread uses one engine thread until it says otherwise
//! ([`set_threads_for_this_thread`], [`with_threads`]), and work it hands
//! to the engine's workers ([`install`]) carries its count along. Two
//! threads (tests, or the trainer and a benchmark) can use different
//! counts at once without seeing each other's.

use std::cell::Cell;
use std::ops::Range;

use ndarray::{ArrayViewMut2, Axis};
use rayon::prelude::*;

thread_local! {
    static IN_SHARD: Cell<bool> = const { Cell::new(false) };
    /// The calling thread's engine thread count (1 until set).
    static THREADS: Cell<usize> = const { Cell::new(1) };
}

/// How many threads the engine may use for work started on this thread
/// (1 = single-threaded): large products, shards and long optimizer
/// updates split over at most this many.
pub fn threads() -> usize {
    THREADS.with(Cell::get)
}

/// Sets [`threads`] for the rest of the calling thread's life (for a
/// thread that does nothing else, like the trainer's; elsewhere prefer
/// [`with_threads`]).
pub fn set_threads_for_this_thread(n: usize) {
    THREADS.with(|c| c.set(n.max(1)));
}

/// Runs `f` with [`threads`] set to `n` on this thread, restoring the
/// previous count afterwards (also when `f` panics).
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            THREADS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(THREADS.with(|c| c.replace(n.max(1))));
    f()
}

/// The threads worth using on this machine: its cores, at most 8.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8))
}

/// Whether the calling thread is computing a shard (matrix products then
/// stay on this thread instead of splitting again).
pub fn in_shard() -> bool {
    IN_SHARD.with(Cell::get)
}

/// The engine's worker threads, as many as [`default_threads`].
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(default_threads())
            .thread_name(|i| format!("neuroglass-engine-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `f` on one of the engine's worker threads when several threads are
/// allowed, so that the parallel parts inside it hand work between workers
/// that are already awake instead of waking threads for each part (one
/// hand-over per call instead of one per layer). Runs `f` here otherwise.
/// Inside `f` [`threads`] is the caller's count.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let n = threads();
    match pool() {
        Some(p) if n > 1 && rayon::current_thread_index().is_none() => {
            p.install(move || with_threads(n, f))
        }
        _ => f(),
    }
}

/// Runs `f` with every parallel part inside it on this thread (for work
/// too small to pay for waking other threads).
pub fn serial<R>(f: impl FnOnce() -> R) -> R {
    let was = IN_SHARD.with(|c| c.replace(true));
    let r = f();
    IN_SHARD.with(|c| c.set(was));
    r
}

/// The value count from which [`for_each_row_chunk`] splits work, as a
/// layer's [`super::Layer::parallel_work`].
pub fn row_work(batch: usize, len: usize) -> usize {
    let work = batch.saturating_mul(len);
    if work >= ROWS_PARALLEL_MIN { work } else { 0 }
}

/// How many shards a batch of `batch` rows is split into: one per
/// `min_rows` rows, at most `max`, at least one.
pub fn shard_count(batch: usize, min_rows: usize, max: usize) -> usize {
    (batch / min_rows.max(1)).clamp(1, max.max(1))
}

/// The rows of shard `k` of `n` over `batch` rows: equal chunks of
/// `⌈batch / n⌉`, the last one shorter.
pub fn shard_rows(batch: usize, n: usize, k: usize) -> Range<usize> {
    let size = batch.div_ceil(n.max(1));
    (k * size).min(batch)..((k + 1) * size).min(batch)
}

/// Runs `f(k, &mut items[k])` for every shard, in parallel when more than
/// one thread is allowed.
pub fn for_each_shard<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync) {
    let run = |k: usize, item: &mut T| {
        let was = IN_SHARD.with(|c| c.replace(true));
        f(k, item);
        IN_SHARD.with(|c| c.set(was));
    };
    if items.len() > 1 && threads() > 1 && !in_shard() {
        items
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, item)| run(k, item));
    } else {
        for (k, item) in items.iter_mut().enumerate() {
            run(k, item);
        }
    }
}

/// Runs `f(k, &mut items[k], rows)` for every shard, where `rows` are
/// shard `k`'s rows of `out` (`out` has one row per batch row), in
/// parallel when more than one thread is allowed.
pub fn for_each_shard_rows<T: Send, F: Send>(
    items: &mut [T],
    out: ArrayViewMut2<'_, F>,
    f: impl Fn(usize, &mut T, ArrayViewMut2<'_, F>) + Sync,
) {
    let parallel = items.len() > 1 && threads() > 1 && !in_shard();
    let (n, batch) = (items.len(), out.nrows());
    split(items, out, 0, n, batch, parallel, &f);
}

fn split<T: Send, F: Send>(
    items: &mut [T],
    out: ArrayViewMut2<'_, F>,
    first: usize,
    n: usize,
    batch: usize,
    parallel: bool,
    f: &(impl Fn(usize, &mut T, ArrayViewMut2<'_, F>) + Sync),
) {
    match items {
        [] => {}
        [item] => {
            let was = IN_SHARD.with(|c| c.replace(true));
            f(first, item, out);
            IN_SHARD.with(|c| c.set(was));
        }
        _ => {
            let mid = items.len() / 2;
            let (a, b) = items.split_at_mut(mid);
            let at = shard_rows(batch, n, first + mid).start - shard_rows(batch, n, first).start;
            let (oa, ob) = out.split_at(Axis(0), at);
            if parallel {
                rayon::join(
                    || split(a, oa, first, n, batch, parallel, f),
                    || split(b, ob, first + mid, n, batch, parallel, f),
                );
            } else {
                split(a, oa, first, n, batch, parallel, f);
                split(b, ob, first + mid, n, batch, parallel, f);
            }
        }
    }
}

/// Element-wise or per-sample work smaller than this many values stays on
/// one thread.
pub const ROWS_PARALLEL_MIN: usize = 1 << 18;

/// Runs `f(rows, out_rows)` over chunks of the rows of `out`, one chunk per
/// allowed thread when there are at least [`ROWS_PARALLEL_MIN`] values,
/// else once over all rows. For work whose result does not depend on how
/// rows are grouped (per-sample or element-wise).
pub fn for_each_row_chunk<F: Send>(
    out: ArrayViewMut2<'_, F>,
    f: impl Fn(Range<usize>, ArrayViewMut2<'_, F>) + Sync,
) {
    let batch = out.nrows();
    let work = batch.saturating_mul(out.ncols().max(1));
    let threads = threads().min(batch).min(8);
    let n = if work >= ROWS_PARALLEL_MIN && !in_shard() {
        threads.max(1)
    } else {
        1
    };
    let mut items = [(); 8];
    for_each_shard_rows(&mut items[..n], out, |k, _, rows| {
        f(shard_rows(batch, n, k), rows);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_exactly_once() {
        for batch in [1, 7, 16, 31, 32, 100] {
            let n = shard_count(batch, 8, 4);
            let mut next = 0;
            for k in 0..n {
                let r = shard_rows(batch, n, k);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, batch, "batch {batch}, {n} shards");
        }
        assert_eq!(shard_count(3, 8, 4), 1);
        assert_eq!(shard_count(1000, 8, 4), 4);
    }

    #[test]
    fn every_shard_runs_once_on_one_or_two_threads() {
        for threads in [1, 2] {
            let mut items = vec![0usize; 5];
            with_threads(threads, || {
                for_each_shard(&mut items, |k, v| {
                    assert!(in_shard());
                    *v += k + 1;
                })
            });
            assert_eq!(items, [1, 2, 3, 4, 5]);
            assert!(!in_shard());
        }
    }

    #[test]
    fn each_shard_gets_its_own_rows() {
        for threads in [1, 2] {
            let batch = 11;
            let n = shard_count(batch, 2, 4);
            let mut items = vec![(); n];
            let mut out = ndarray::Array2::<usize>::zeros((batch, 2));
            with_threads(threads, || {
                for_each_shard_rows(&mut items, out.view_mut(), |k, _, mut rows| {
                    assert_eq!(rows.nrows(), shard_rows(batch, n, k).len());
                    rows.fill(k + 1);
                })
            });
            for k in 0..n {
                for r in shard_rows(batch, n, k) {
                    assert_eq!(out[[r, 0]], k + 1);
                }
            }
        }
    }

    #[test]
    fn the_thread_count_belongs_to_the_calling_thread() {
        assert_eq!(threads(), 1, "a new thread starts with one engine thread");
        with_threads(2, || {
            assert_eq!(threads(), 2);
            // Another thread does not see this thread's count...
            let other = std::thread::spawn(threads).join().unwrap();
            assert_eq!(other, 1);
            // ...and setting it there does not change it here.
            std::thread::spawn(|| set_threads_for_this_thread(4))
                .join()
                .unwrap();
            assert_eq!(threads(), 2);
            with_threads(3, || assert_eq!(threads(), 3));
            assert_eq!(threads(), 2, "nested scopes restore the outer count");
        });
        assert_eq!(threads(), 1);
        // Restored also when the scope panics.
        let r = std::panic::catch_unwind(|| with_threads(2, || panic!("on purpose")));
        assert!(r.is_err());
        assert_eq!(threads(), 1);
    }

    #[test]
    fn work_handed_to_the_engine_workers_keeps_the_callers_count() {
        let (count, on_worker) = with_threads(2, || {
            install(|| (threads(), rayon::current_thread_index().is_some()))
        });
        assert_eq!(count, 2);
        // On a one-core machine the pool may be missing; then `f` runs here.
        assert_eq!(on_worker, pool().is_some());
        // With one thread, `f` runs on the calling thread.
        assert_eq!(install(rayon::current_thread_index), None);
    }
}
