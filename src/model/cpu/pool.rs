//! Reused scratch buffers for the fused operations: a training step takes the gates, cell
//! states and gradients it needs from here and gives them back, so batches after the
//! first allocate (and fault in) no fresh memory for them.

use std::cell::RefCell;

/// At most this many buffers wait per thread (a two-layer step uses about a dozen).
const KEEP: usize = 24;

thread_local! {
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` zeros, reusing the smallest free one that is large enough.
pub fn zeros(len: usize) -> Vec<f32> {
    let mut v = take(len);
    v.clear();
    v.resize(len, 0.0);
    v
}

/// A buffer of `len` values left from earlier use: for buffers the caller overwrites whole.
pub fn scratch(len: usize) -> Vec<f32> {
    let mut v = take(len);
    if v.len() >= len {
        v.truncate(len);
    } else {
        v.resize(len, 0.0);
    }
    v
}

/// A buffer holding a copy of `x`.
pub fn copy_of(x: &[f32]) -> Vec<f32> {
    let mut v = take(x.len());
    v.clear();
    v.extend_from_slice(x);
    v
}

fn take(len: usize) -> Vec<f32> {
    FREE.with_borrow_mut(|free| {
        let best = free
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => free.swap_remove(i),
            None => Vec::with_capacity(len),
        }
    })
}

/// Hands buffers back for later steps (the largest are kept when there are too many).
pub fn give(bufs: impl IntoIterator<Item = Vec<f32>>) {
    FREE.with_borrow_mut(|free| {
        free.extend(bufs.into_iter().filter(|v| v.capacity() > 0));
        if free.len() > KEEP {
            free.sort_unstable_by_key(|v| std::cmp::Reverse(v.capacity()));
            free.truncate(KEEP);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_reused_zeroed() {
        let mut v = zeros(1000);
        v[3] = 7.0;
        let p = v.as_ptr();
        give([v]);
        let w = zeros(900);
        assert_eq!(w.as_ptr(), p, "the same allocation comes back");
        assert!(w.iter().all(|&x| x == 0.0) && w.len() == 900);
        give([w]);
        assert_eq!(copy_of(&[1.0, 2.0]), vec![1.0, 2.0]);
    }
}
