//! One epoch's batches of windows that carry their state: whole pieces dealt to lanes, one
//! after another in each, and batch k holding window k of every lane, so the state a
//! window ends in starts the next window of its lane in the next batch.

use super::EventWindows;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::ops::Range;

/// The pieces of carried windows: each one's windows, consecutive.
pub fn pieces(w: &EventWindows) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for i in 0..w.m {
        match out.last_mut() {
            Some(p) if w.continues(i) => p.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// One epoch's batches over carried windows. The pieces, in an order shuffled by `rng`,
/// are dealt one by one to whichever of `lanes` lanes holds the fewest windows so far, so
/// the lanes end within a piece of one another; batch k holds window k of every lane that
/// has one, lane j in place j. Lanes are sorted longest first: a lane that has run out
/// drops off the end of the batch and the others keep their places. The last batches are
/// smaller, never padded with empty windows.
pub fn batches(w: &EventWindows, lanes: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut order = pieces(w);
    order.shuffle(rng);
    let mut dealt: Vec<Vec<usize>> = vec![Vec::new(); lanes.clamp(1, order.len().max(1))];
    for p in order {
        let shortest = (0..dealt.len()).min_by_key(|&j| dealt[j].len());
        if let Some(j) = shortest {
            dealt[j].extend(p);
        }
    }
    dealt.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let longest = dealt.first().map_or(0, Vec::len);
    (0..longest)
        .map(|k| dealt.iter().map_while(|l| l.get(k).copied()).collect())
        .collect()
}
