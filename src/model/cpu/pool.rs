//! Reused scratch buffers for the fused operations: a training step takes the gates, cell
//! states and gradients it needs from here and gives them back, so batches after the
//! first allocate (and fault in) no fresh memory for them. A slice of a training batch
//! brings its own pool (`scoped`): it may run on another thread than last time, and its
//! buffers go with it; everything else shares the process's pool.

use std::cell::Cell;
use std::sync::{Mutex, PoisonError};

/// At most this many buffers wait (a two-layer step uses about a dozen per thread).
const KEEP: usize = 256;

/// Free buffers.
#[derive(Default)]
pub struct Pool(Mutex<Vec<Vec<f32>>>);

/// The process's pool.
static FREE: Pool = Pool::new();

thread_local! {
    /// The pool serving this thread inside `scoped` (null: the process's).
    static SCOPE: Cell<*const Pool> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with `pool` serving this thread's buffers, so they stay with whatever owns
/// the pool (a slice of a batch) whichever thread runs it.
pub fn scoped<R>(pool: &Pool, f: impl FnOnce() -> R) -> R {
    /// Puts the pool before back, on return or unwinding.
    struct Restore(*const Pool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPE.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPE.with(|s| s.replace(pool)));
    f()
}

/// `f` on the pool serving this thread.
fn with_pool<R>(f: impl FnOnce(&Pool) -> R) -> R {
    let p = SCOPE.with(Cell::get);
    if p.is_null() {
        f(&FREE)
    } else {
        // SAFETY: a non-null scope is set only inside `scoped`, whose borrow of the pool
        // outlives it, and it is this thread's own.
        f(unsafe { &*p })
    }
}

/// A buffer of `len` zeros, reusing the smallest free one that is large enough.
pub fn zeros(len: usize) -> Vec<f32> {
    with_pool(|p| p.zeros(len))
}

/// A buffer of `len` values left from earlier use: for buffers the caller overwrites whole.
pub fn scratch(len: usize) -> Vec<f32> {
    with_pool(|p| p.scratch(len))
}

/// A buffer holding a copy of `x`.
pub fn copy_of(x: &[f32]) -> Vec<f32> {
    with_pool(|p| p.copy_of(x))
}

/// Hands buffers back for later steps (the largest are kept when there are too many).
pub fn give(bufs: impl IntoIterator<Item = Vec<f32>>) {
    with_pool(|p| p.give(bufs))
}

impl Pool {
    pub const fn new() -> Pool {
        Pool(Mutex::new(Vec::new()))
    }

    /// The free buffers, locked (a panic elsewhere leaves them usable).
    fn free(&self) -> std::sync::MutexGuard<'_, Vec<Vec<f32>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn zeros(&self, len: usize) -> Vec<f32> {
        let mut v = self.take(len);
        v.clear();
        v.resize(len, 0.0);
        v
    }

    fn scratch(&self, len: usize) -> Vec<f32> {
        let mut v = self.take(len);
        if v.len() >= len {
            v.truncate(len);
        } else {
            v.resize(len, 0.0);
        }
        v
    }

    fn copy_of(&self, x: &[f32]) -> Vec<f32> {
        let mut v = self.take(x.len());
        v.clear();
        v.extend_from_slice(x);
        v
    }

    fn take(&self, len: usize) -> Vec<f32> {
        let mut free = self.free();
        let best = free
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => free.swap_remove(i),
            None => {
                drop(free);
                Vec::with_capacity(len)
            }
        }
    }

    fn give(&self, bufs: impl IntoIterator<Item = Vec<f32>>) {
        let mut free = self.free();
        free.extend(bufs.into_iter().filter(|v| v.capacity() > 0));
        if free.len() > KEEP {
            free.sort_unstable_by_key(|v| std::cmp::Reverse(v.capacity()));
            free.truncate(KEEP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_reused_zeroed_by_any_thread() {
        let pool = Pool::new();
        let mut v = pool.zeros(1000);
        v[3] = 7.0;
        let p = v.as_ptr() as usize;
        pool.give([v]);
        // Another thread takes it: one pool serves them all.
        let w = std::thread::scope(|s| {
            s.spawn(|| pool.zeros(900))
                .join()
                .expect("the thread finishes")
        });
        assert_eq!(w.as_ptr() as usize, p, "the same allocation comes back");
        assert!(w.iter().all(|&x| x == 0.0) && w.len() == 900);
        pool.give([w]);
        assert_eq!(pool.copy_of(&[1.0, 2.0]), vec![1.0, 2.0]);
        // The smallest that fits is taken, and no more than KEEP wait.
        pool.give((1..=KEEP + 5).map(|n| Vec::with_capacity(n * 10)));
        assert_eq!(pool.free().len(), KEEP);
        assert!(pool.scratch(15).capacity() >= 15);
    }

    #[test]
    fn a_scoped_pool_serves_its_scope_only() {
        let mine = Pool::new();
        let p = scoped(&mine, || {
            let v = zeros(12_345);
            let p = v.as_ptr() as usize;
            give([v]);
            p
        });
        assert_eq!(
            mine.free().len(),
            1,
            "the buffer went back to the scope's pool"
        );
        assert_eq!(mine.free()[0].as_ptr() as usize, p);
        // Outside the scope the process's pool serves, and nested scopes restore theirs.
        let other = Pool::new();
        scoped(&mine, || {
            scoped(&other, || give([Vec::with_capacity(3)]));
            give([Vec::with_capacity(4)]);
        });
        assert_eq!((mine.free().len(), other.free().len()), (2, 1));
    }
}
