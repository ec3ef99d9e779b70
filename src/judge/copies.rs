//! Originality: the longest run of intervals a solo copies from a corpus, and the longest run
//! the corpus's own files share with each other (what "copied" should be held against).

use std::collections::{HashMap, HashSet};

/// The longest run of consecutive intervals of `line` that appears anywhere in `corpus`.
pub fn longest_copied(line: &[i8], corpus: &[Vec<i8>]) -> usize {
    longest(line.len(), |k| {
        let grams: HashSet<&[i8]> = corpus.iter().flat_map(|c| c.windows(k)).collect();
        line.windows(k).any(|w| grams.contains(w))
    })
}

/// The longest run of consecutive intervals found in two different sequences of `corpus`.
pub fn longest_shared(corpus: &[Vec<i8>]) -> usize {
    let max = corpus.iter().map(Vec::len).max().unwrap_or(0);
    longest(max, |k| {
        let mut owner: HashMap<&[i8], usize> = HashMap::new();
        corpus
            .iter()
            .enumerate()
            .any(|(i, c)| c.windows(k).any(|w| *owner.entry(w).or_insert(i) != i))
    })
}

/// The largest k in 0..=max for which `found(k)` holds, given that it holds for every
/// smaller k when it holds for k (a copied run of k contains copied runs of k - 1).
fn longest(max: usize, mut found: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, max);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if found(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_copied_phrase_and_nothing_longer() {
        let corpus = vec![vec![1, 2, -3, 4, 5, -1, 2], vec![7, 7, 7]];
        // Copies 2, -3, 4, 5 (four intervals) and then goes its own way.
        let line = [0, 0, 2, -3, 4, 5, 9, 9];
        assert_eq!(longest_copied(&line, &corpus), 4);
        assert_eq!(longest_copied(&[11, 11], &corpus), 0);
        assert_eq!(longest_copied(&[], &corpus), 0);
        assert_eq!(longest_copied(&[1, 2, -3, 4, 5, -1, 2], &corpus), 7);
    }

    #[test]
    fn shared_runs_count_only_between_different_files() {
        // The first file repeats itself; only "5, 6" is shared with the second.
        let corpus = vec![vec![1, 2, 3, 1, 2, 3, 5, 6], vec![9, 5, 6, 9]];
        assert_eq!(longest_shared(&corpus), 2);
        assert_eq!(longest_shared(&[vec![1, 2, 3], vec![4, 5]]), 0);
        assert_eq!(longest_shared(&[]), 0);
    }
}
