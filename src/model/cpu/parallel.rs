//! Data-parallel batches: a batch's windows split into contiguous slices, one per thread,
//! and their gradients summed in slice order, so a result depends on the thread count but
//! never on how the threads were scheduled.

use crate::model::cpu::team::Team;

/// The training threads: the calling thread and `threads - 1` workers (none for one).
pub struct Parallel {
    team: Option<Team>,
    threads: usize,
}

impl Default for Parallel {
    fn default() -> Self {
        Parallel {
            team: None,
            threads: 1,
        }
    }
}

/// A pointer to the items of `Parallel::each`, shared with the workers.
struct Items<T>(*mut T);

// SAFETY: each task dereferences only its own item (see `each`), and items are `Send`.
unsafe impl<T: Send> Sync for Items<T> {}

impl Parallel {
    /// `threads` threads (0: one per core). Falls back to one thread if a worker cannot start.
    pub fn new(threads: usize) -> Parallel {
        let threads = if threads == 0 { cores() } else { threads };
        if threads <= 1 {
            return Parallel::default();
        }
        match Team::new(threads - 1) {
            Ok(team) => Parallel {
                team: Some(team),
                threads,
            },
            Err(_) => Parallel::default(),
        }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// `f(i, &mut items[i])` for every item, each on whichever thread is free first (so
    /// a thread the system has put aside holds nothing up). At most `threads()` items; in
    /// order on this thread when there are no workers.
    pub fn each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(usize, &mut T) + Sync)) {
        match &self.team {
            Some(team) if items.len() > 1 => {
                assert!(items.len() <= self.threads, "more items than threads");
                let n = items.len();
                let base = Items(items.as_mut_ptr());
                let base = &base;
                team.run(n, &move |i| {
                    // SAFETY: `run` calls this once for each i in 0..n, all while `items`
                    // is borrowed here, so each task has the only reference to item i.
                    let item = unsafe { &mut *base.0.add(i) };
                    f(i, item)
                });
            }
            _ => items.iter_mut().enumerate().for_each(|(i, t)| f(i, t)),
        }
    }

    /// `f(start, end)` for each slice of `0..n` windows (`slices`, one per thread), with
    /// the slices, in slice order.
    pub fn map_slices<R: Send>(
        &self,
        n: usize,
        f: &(dyn Fn(usize, usize) -> R + Sync),
    ) -> Vec<((usize, usize), R)> {
        let parts = slices(n, self.threads);
        if parts.len() <= 1 {
            return vec![((0, n), f(0, n))];
        }
        let mut each: Vec<Option<R>> = parts.iter().map(|_| None).collect();
        self.each(&mut each, &|i, slot| {
            let (s, e) = parts[i];
            *slot = Some(f(s, e));
        });
        parts.into_iter().zip(each.into_iter().flatten()).collect()
    }
}

/// The machine's cores (1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `0..n` in at most `k` contiguous, near-equal, non-empty slices.
pub fn slices(n: usize, k: usize) -> Vec<(usize, usize)> {
    slice_iter(n, k).collect()
}

/// `slices` without a fresh vector.
pub fn slice_iter(n: usize, k: usize) -> impl Iterator<Item = (usize, usize)> {
    let k = k.clamp(1, n.max(1));
    (0..k)
        .map(move |i| (i * n / k, (i + 1) * n / k))
        .filter(|(s, e)| e > s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_batch_in_order_without_gaps() {
        for n in 1..40 {
            for k in 1..6 {
                let s = slices(n, k);
                assert_eq!(s.first().map(|p| p.0), Some(0));
                assert_eq!(s.last().map(|p| p.1), Some(n));
                assert!(s.windows(2).all(|w| w[0].1 == w[1].0));
                assert_eq!(s.len(), k.min(n));
            }
        }
    }
}
