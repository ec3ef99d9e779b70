//! Tests of the conditioned model's material: windows, augmentation, the register, and
//! windows that carry their state cut from whole pieces.

use super::*;
use crate::music::{ChordSpan, Note, PPQ, Pitch, Role, Track};

fn score(keys: &[u8]) -> Score {
    let mut s = Score::new("t", 120.0);
    let mut m = Track::new("m", Role::Melody, 0, 0);
    for (i, &k) in keys.iter().enumerate() {
        m.notes.push(Note {
            start: i as u32 * PPQ,
            dur: PPQ,
            pitch: Pitch::new(k).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(m);
    s.chords.push(ChordSpan {
        start: 0,
        dur: keys.len() as u32 * PPQ,
        chord: "C7".parse().unwrap(),
    });
    s
}

#[test]
fn windows_feed_the_previous_event_and_target_the_next() {
    let p = Piece::of_score("a", &score(&[60, 62, 64]));
    let w = make_windows(&[p], 4, 4, &FeatureLayout::V1);
    assert_eq!(w.m, 1);
    assert_eq!(w.prev_p, vec![N_PITCH as i32, 25, 27, 29]);
    assert_eq!(w.y_p, vec![25, 27, 29, -1]);
    assert_eq!(w.y_d[0], dur_index(12) as i32);
    assert_eq!(w.feats.len(), 4 * FeatureLayout::V1.len);
    assert_eq!(w.targets(), 3);
    assert!(w.clone().blinded().feats.iter().all(|&v| v == 0.0));
}

#[test]
fn augmentation_multiplies_training_only_and_register_is_the_corpus_s() {
    let named: Vec<(String, Score)> = (0..10)
        .map(|i| (format!("s{i}"), score(&[60, 64, 67, 70, 72])))
        .collect();
    let opts = EventOptions {
        tx: 8,
        stride: 8,
        augment_keys: KEY_SHIFTS.to_vec(),
        ..Default::default()
    };
    let d = EventData::from_scores(named.clone(), &opts);
    assert_eq!(d.val.m, 1);
    assert_eq!(d.train.m, 9 * 12);
    let plain = EventData::from_scores(
        named,
        &EventOptions {
            augment_keys: Vec::new(),
            ..opts
        },
    );
    assert_eq!(plain.train.m, 9);
    assert_eq!(d.register, plain.register);
    assert!(d.register.low() <= 60 && d.register.high() >= 72);
}

/// Pieces of these lengths, each with its own run of pitches (piece `k` plays 40 + k,
/// 41 + k, …), so a target names its piece and place.
fn numbered_pieces(lengths: &[usize]) -> Vec<Piece> {
    lengths
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let keys: Vec<u8> = (0..n).map(|i| (40 + k + i % 30) as u8).collect();
            Piece::of_score(&format!("p{k}"), &score(&keys))
        })
        .collect()
}

/// Window `i`'s targets.
fn targets(w: &EventWindows, i: usize) -> Vec<i32> {
    let tx = w.tx;
    w.y_p[i * tx..(i + 1) * tx]
        .iter()
        .copied()
        .filter(|&t| t >= 0)
        .collect()
}

/// The targets of each piece as the lanes of `batches` play it: each lane whole pieces one
/// after another, each window carrying on from the window before it in its lane (whose
/// last target it hears first).
fn played_pieces(w: &EventWindows, batches: &[Vec<usize>], n_lanes: usize) -> Vec<Vec<i32>> {
    let mut played: Vec<Vec<i32>> = Vec::new();
    for j in 0..n_lanes {
        let lane: Vec<usize> = batches.iter().filter_map(|b| b.get(j).copied()).collect();
        assert!(!w.continues(lane[0]), "a lane starts with a piece");
        for &i in &lane {
            if w.continues(i) {
                let last = played.last_mut().expect("a piece before");
                assert_eq!(w.prev_p[i * w.tx], *last.last().unwrap(), "lane {j}");
                last.extend(targets(w, i));
            } else {
                played.push(targets(w, i));
            }
        }
    }
    played
}

#[test]
fn carried_windows_cut_whole_pieces_and_lanes_deal_them_out_whole() {
    use rand_chacha::ChaCha8Rng;
    let tx = 4;
    let lengths = [5, 8, 13, 1, 17, 4, 9, 3, 12];
    let pieces = numbered_pieces(&lengths);
    let w = carried_windows(&pieces, tx, &FeatureLayout::V1);
    // Consecutive windows of tx, the last padded; starts exactly at piece starts.
    let counts: Vec<usize> = lengths.iter().map(|n| n.div_ceil(tx)).collect();
    assert_eq!(w.m, counts.iter().sum::<usize>());
    let mut want_starts = Vec::new();
    for &c in &counts {
        want_starts.extend((0..c).map(|i| i == 0));
    }
    assert_eq!(w.starts, want_starts);
    assert_eq!(lanes::pieces(&w).len(), lengths.len());
    assert_eq!(w.targets(), lengths.iter().sum::<usize>());
    for lanes_asked in [1, 3, 4, 20] {
        for seed in [1, 2] {
            let batches = lanes::batches(&w, lanes_asked, &mut ChaCha8Rng::seed_from_u64(seed));
            let n_lanes = lanes_asked.min(lengths.len());
            assert_eq!(batches[0].len(), n_lanes);
            assert!(batches.windows(2).all(|b| b[0].len() >= b[1].len()));
            // Every window once per epoch, so every event a target once.
            let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..w.m).collect::<Vec<_>>());
            // Each lane: whole pieces one after another, each window the part after the
            // one before it in its lane (the pitch after its last target heard first).
            let mut played = played_pieces(&w, &batches, n_lanes);
            // Each piece played whole, in order, exactly once.
            let mut want: Vec<Vec<i32>> = pieces
                .iter()
                .map(|p| {
                    p.events
                        .iter()
                        .map(|e| pitch_index(e.pitch) as i32)
                        .collect()
                })
                .collect();
            want.sort();
            played.sort();
            assert_eq!(played, want);
        }
    }
    // Epochs deal the pieces differently; a seed deals them the same way again.
    let deal = |seed| lanes::batches(&w, 3, &mut ChaCha8Rng::seed_from_u64(seed));
    assert_ne!(deal(1), deal(2));
    assert_eq!(deal(1), deal(1));
    // Without carry the windows start from zero and overlap as before.
    let plain = make_windows(&pieces, tx, 2, &FeatureLayout::V1);
    assert!(!plain.carried() && plain.m > w.m);
}

#[test]
fn carry_cuts_training_and_validation_and_keeps_the_register() {
    let named: Vec<(String, Score)> = (0..10)
        .map(|i| {
            (
                format!("s{i}"),
                score(&[60, 64, 67, 70, 72, 74, 76][..3 + i % 5]),
            )
        })
        .collect();
    let opts = EventOptions {
        tx: 2,
        stride: 1,
        carry: true,
        ..Default::default()
    };
    let d = EventData::from_scores(named, &opts);
    assert!(d.train.carried() && d.val.carried());
    assert_eq!(d.train.targets(), d.train_events);
    assert_eq!(d.val.targets(), d.val_events);
}
