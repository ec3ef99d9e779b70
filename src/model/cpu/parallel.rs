//! Data-parallel batches: a batch's windows split into contiguous slices, one per thread,
//! and their gradients summed in slice order, so a result depends on the thread count but
//! never on how the threads were scheduled.
//!
//! With the default thread count (one per core), whether the workers help is measured as
//! training goes: another program busy on a core makes a worker wait for its turn while
//! the others wait for it, and then the calling thread runs every slice itself. The slices
//! stay the same either way, so the results do not change.

use crate::model::cpu::team::Team;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// The training threads: the calling thread and `threads - 1` workers (none for one).
pub struct Parallel {
    team: Option<Team>,
    threads: usize,
    /// For the default thread count: which way of running each call is faster, measured.
    adapt: Option<Mutex<Adapt>>,
}

impl Default for Parallel {
    fn default() -> Self {
        Parallel {
            team: None,
            threads: 1,
            adapt: None,
        }
    }
}

/// Calls of a stretch that weighs the team against the calling thread alone.
const PROBE: u32 = 8;
/// Calls the calling thread runs alone before the team is tried again: at first
/// `KEEP_MIN`, doubled each time the team measures slower again, up to `KEEP`.
const KEEP_MIN: u32 = 4 * PROBE;
const KEEP: u32 = 40 * PROBE;
/// A call on the team that takes this many times what the caller alone would have taken,
/// and at least `STALL_MIN` seconds longer, hands the next calls to the caller at once.
const STALLED: f64 = 2.0;
/// A worker woken late on a quiet machine holds a short call up by tens of microseconds
/// (an Adam step's call takes about 20); one waiting for a core another program keeps
/// busy, by a scheduler's time slice (milliseconds). Only the second is a stall.
const STALL_MIN: f64 = 1e-3;
/// How much faster than one thread alone the team must measure to be kept.
const MARGIN: f64 = 0.97;

/// The running choice between the team and the calling thread alone. On the team, each
/// call weighs itself: the caller ran `mine` of its `n` items in `working` seconds of its
/// own CPU time, so alone, on a core of its own, it would have taken about
/// n·working/mine, against the call's whole (wall-clock) time. Each
/// stretch of `PROBE` calls on the team that sums slower than that hands the next `KEEP`
/// calls to the caller alone, and so does a single call that stalls (`STALLED`); then the
/// team is tried again.
#[derive(Debug, Default)]
struct Adapt {
    /// The calling thread runs every item.
    solo: bool,
    /// Calls into this stretch.
    calls: u32,
    /// On the team: this stretch's seconds, and its estimate of them alone.
    spent: f64,
    alone: f64,
    /// Calls of the next stretch alone (0: `KEEP_MIN`).
    keep: u32,
}

impl Adapt {
    /// Counts a call on the team: `n` items, `mine` of them run by the caller in `working`
    /// seconds, `secs` in all.
    fn on_team(&mut self, n: usize, (mine, working): (usize, f64), secs: f64) {
        if mine == 0 {
            return;
        }
        let alone = working * n as f64 / mine as f64;
        self.spent += secs;
        self.alone += alone;
        self.calls += 1;
        // A worker the system put aside can hold a call up far past what one thread
        // would have taken: then there is no need to wait for the stretch's end.
        let stalled = secs > STALLED * alone && secs - alone > STALL_MIN;
        if stalled || self.calls >= PROBE {
            let slower = stalled || self.spent > MARGIN * self.alone;
            self.keep = match slower {
                false => 0,
                true if self.keep == 0 => KEEP_MIN,
                // Slower again after a stretch alone: the next one is twice as long.
                true => (self.keep * 2).min(KEEP),
            };
            self.solo = slower;
            (self.calls, self.spent, self.alone) = (0, 0.0, 0.0);
        }
    }

    /// Counts a call the caller ran alone.
    fn on_solo(&mut self) {
        self.calls += 1;
        if self.calls >= self.keep.max(KEEP_MIN) {
            (self.solo, self.calls) = (false, 0);
        }
    }
}

/// A pointer to the items of `Parallel::each`, shared with the workers.
struct Items<T>(*mut T);

// SAFETY: each task dereferences only its own item (see `each`), and items are `Send`.
unsafe impl<T: Send> Sync for Items<T> {}

impl Parallel {
    /// `threads` threads (0: one per core, the workers used only while they make the
    /// calls faster). Falls back to one thread if a worker cannot start.
    pub fn new(threads: usize) -> Parallel {
        let adapt = (threads == 0).then(|| Mutex::new(Adapt::default()));
        let threads = if threads == 0 { cores() } else { threads };
        if threads <= 1 {
            return Parallel::default();
        }
        match Team::new(threads - 1) {
            Ok(team) => Parallel {
                team: Some(team),
                threads,
                adapt,
            },
            Err(_) => Parallel::default(),
        }
    }

    /// Whether the calling thread runs the next call's items alone (the default thread
    /// count, measured slower with the workers).
    fn solo(&self) -> bool {
        self.adapt
            .as_ref()
            .is_some_and(|a| a.lock().unwrap_or_else(PoisonError::into_inner).solo)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// `f(i, &mut items[i])` for every item, each on whichever thread is free first (so
    /// a thread the system has put aside holds nothing up). At most `threads()` items; in
    /// order on this thread when there are no workers.
    pub fn each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(usize, &mut T) + Sync)) {
        let Some(adapt) = self.adapt.as_ref().filter(|_| items.len() > 1) else {
            self.each_way(false, items, f);
            return;
        };
        let solo = self.solo();
        let t0 = Instant::now();
        let (mine, working) = self.each_way(solo, items, f);
        let secs = t0.elapsed().as_secs_f64();
        let mut a = adapt.lock().unwrap_or_else(PoisonError::into_inner);
        match solo {
            true => a.on_solo(),
            false => a.on_team(items.len(), (mine, working), secs),
        }
    }

    /// `each` on the team, or on this thread alone when `solo`: how many items this
    /// thread ran on the team, and the CPU seconds they took it (nothing alone).
    fn each_way<T: Send>(
        &self,
        solo: bool,
        items: &mut [T],
        f: &(dyn Fn(usize, &mut T) + Sync),
    ) -> (usize, f64) {
        match &self.team {
            Some(team) if items.len() > 1 && !solo => {
                assert!(items.len() <= self.threads, "more items than threads");
                let n = items.len();
                let base = Items(items.as_mut_ptr());
                let base = &base;
                team.run(n, &move |i| {
                    // SAFETY: `run` calls this once for each i in 0..n, all while `items`
                    // is borrowed here, so each task has the only reference to item i.
                    let item = unsafe { &mut *base.0.add(i) };
                    f(i, item)
                })
            }
            _ => {
                items.iter_mut().enumerate().for_each(|(i, t)| f(i, t));
                (items.len(), 0.0)
            }
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

    /// A stretch of `calls` calls of two items on the team, the caller running one in
    /// `working` seconds of the call's `secs`.
    fn on_team(a: &mut Adapt, calls: u32, working: f64, secs: f64) {
        (0..calls).for_each(|_| a.on_team(2, (1, working), secs));
    }

    #[test]
    fn the_default_count_runs_alone_while_the_team_measures_slower() {
        // Quiet: the caller's item takes 0.5 and the call 0.55 (alone: 1.0).
        let mut a = Adapt::default();
        on_team(&mut a, 4 * PROBE, 0.5, 0.55);
        assert!(!a.solo);
        // A worker waits for a busy core: the call takes 1.3 where alone would take 1.0.
        on_team(&mut a, PROBE, 0.5, 1.3);
        assert!(a.solo, "alone is faster on a busy machine");
        // Each time the team is tried and still slower, the stretch alone doubles.
        for keep in [KEEP_MIN, 2 * KEEP_MIN, 4 * KEEP_MIN] {
            (0..keep - 1).for_each(|_| a.on_solo());
            assert!(a.solo);
            a.on_solo();
            assert!(!a.solo, "then the team is tried again after {keep} calls");
            on_team(&mut a, PROBE, 0.5, 1.2);
            assert!(a.solo, "still slower");
        }
        while a.solo {
            a.on_solo();
        }
        // Quiet again: the team is kept.
        on_team(&mut a, PROBE, 0.5, 0.6);
        assert!(!a.solo);
        // A call where the workers ran every item tells nothing.
        a.on_team(2, (0, 0.0), 5.0);
        assert_eq!(a.calls, 0);
        // A short call a late wake-up held up for microseconds is no stall.
        a.on_team(2, (1, 10e-6), 60e-6);
        assert!(!a.solo && a.calls == 1);
        // One call held up far past the caller's own time hands over at once, for the
        // shortest stretch alone (the team was fine until then).
        a.on_team(2, (1, 0.5), 2.5);
        assert!(a.solo && a.calls == 0 && a.keep == KEEP_MIN);
    }

    #[test]
    fn every_way_of_running_runs_each_item_once_with_its_index() {
        for threads in [0, 1, 2, 3] {
            let par = Parallel::new(threads);
            let mut items = vec![0usize; par.threads()];
            for round in 0..(2 * KEEP as usize) {
                par.each(&mut items, &|i, x| *x += i + 1);
                let want: Vec<usize> = (1..=par.threads()).map(|i| i * (round + 1)).collect();
                assert_eq!(items, want, "{threads} threads, round {round}");
            }
        }
    }

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
