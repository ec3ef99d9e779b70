//! The fused recurrence's forward pass and BPTT allocate nothing once their scratch
//! buffers are warm: counted with a counting global allocator.

use improv::model::lstm::{backward, forward_owned};
use improv::model::pool;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn a_warm_recurrence_step_forward_and_backward_allocates_nothing() {
    // The conditioned kind's shape at a smaller batch: B 8, T 16, n_a 128.
    let (b, t, a) = (8, 16, 128);
    let xp: Vec<f32> = (0..b * t * 4 * a)
        .map(|i| ((i % 97) as f32 - 48.0) * 0.01)
        .collect();
    let u: Vec<f32> = (0..a * 4 * a)
        .map(|i| ((i % 89) as f32 - 44.0) * 0.002)
        .collect();
    let dhs: Vec<f32> = (0..b * t * a)
        .map(|i| ((i % 13) as f32 - 6.0) * 0.1)
        .collect();
    let step = || {
        let cache = forward_owned(pool::copy_of(&xp), &u, b, t, a);
        let (dxp, du) = backward(&cache, &dhs);
        let out = (dxp[5], du[7]);
        cache.recycle();
        pool::give([dxp, du]);
        out
    };
    let first = step();
    step();
    let before = allocations();
    let again = step();
    assert_eq!(allocations() - before, 0, "allocations in a warm step");
    assert_eq!(first, again, "the same inputs give the same gradients");
}
