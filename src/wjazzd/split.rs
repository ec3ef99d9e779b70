//! The tune split: test/ holds whole tunes, so no tune in test/ is played in train/.

use super::Solo;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// Where a solo goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Train,
    Test,
}

impl Side {
    pub fn folder(self) -> &'static str {
        match self {
            Side::Train => "train",
            Side::Test => "test",
        }
    }
}

/// Each solo's side: tunes are shuffled with `seed` and go to test/ until it holds at least
/// `test_share` of the solos (at least one tune, never every tune when there are two).
pub fn split_by_tune(solos: &[Solo], seed: u64, test_share: f64) -> Vec<Side> {
    let mut by_tune: BTreeMap<&str, usize> = BTreeMap::new();
    for s in solos {
        *by_tune.entry(s.tune.as_str()).or_default() += 1;
    }
    let mut tunes: Vec<&str> = by_tune.keys().copied().collect();
    tunes.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let want = (test_share.clamp(0.0, 1.0) * solos.len() as f64).ceil() as usize;
    let mut test = BTreeSet::new();
    let mut taken = 0;
    for t in &tunes {
        if (taken >= want && !test.is_empty()) || test.len() + 1 >= tunes.len().max(2) {
            break;
        }
        test.insert(*t);
        taken += by_tune[t];
    }
    solos
        .iter()
        .map(|s| {
            if test.contains(s.tune.as_str()) {
                Side::Test
            } else {
                Side::Train
            }
        })
        .collect()
}
