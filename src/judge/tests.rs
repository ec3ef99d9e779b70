//! The judge's figures on solos written to show one thing each.

use super::*;
use crate::music::{ChordSpan, Note, PPQ, Pitch, Role, Score, Track};

fn solo(notes: &[(u32, u32, u8)], chords: &[(&str, u32, u32)]) -> Score {
    let mut s = Score::new("t", 120.0);
    let mut t = Track::new("solo", Role::Melody, 0, 0);
    for &(start, dur, key) in notes {
        t.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(t);
    for &(sym, start, dur) in chords {
        s.chords.push(ChordSpan {
            start,
            dur,
            chord: sym.parse().unwrap(),
        });
    }
    s
}

fn figures(s: &Score) -> Figures {
    let mut t = Tally::default();
    t.add(&Take::of_melody(s));
    t.figures()
}

const Q: u32 = PPQ;

#[test]
fn a_solo_of_chord_tones_scores_one() {
    // C E G Bb over C7, then D F A C over Dm7: eighth notes, two bars.
    let keys = [
        60, 64, 67, 70, 72, 70, 67, 64, 62, 65, 69, 72, 74, 72, 69, 65,
    ];
    let notes: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, &k)| (i as u32 * Q / 2, Q / 2, k))
        .collect();
    let f = figures(&solo(&notes, &[("C7", 0, 4 * Q), ("Dm7", 4 * Q, 4 * Q)]));
    assert_eq!(f.chord_tone_rate, 1.0);
    assert_eq!(f.scale_tone_rate, 1.0);
    assert_eq!(f.notes_per_bar, 8.0);
    assert_eq!(f.rest_share, 0.0);
    assert_eq!(f.median_note_beats, 0.5);
    assert_eq!((f.lowest, f.highest), (Some(60), Some(74)));
    // Two of sixteen notes on the walls (the one C4 and the one D5).
    assert!((f.wall_share - 2.0 / 16.0).abs() < 1e-12);

    // The same rhythm a half step off: no chord tones.
    let off: Vec<_> = notes.iter().map(|&(s, d, k)| (s, d, k + 1)).collect();
    let g = figures(&solo(&off, &[("C7", 0, 4 * Q), ("Dm7", 4 * Q, 4 * Q)]));
    assert!(g.chord_tone_rate < 0.2, "{}", g.chord_tone_rate);
}

#[test]
fn a_line_pinned_to_one_pitch_shows_it() {
    let notes: Vec<_> = (0..16).map(|i| (i * Q / 2, Q / 2, 48)).collect();
    let f = figures(&solo(&notes, &[("C7", 0, 8 * Q)]));
    assert_eq!(f.wall_share, 1.0);
    assert_eq!(f.pc_entropy, 0.0);
    assert_eq!(
        (f.lowest, f.median, f.highest),
        (Some(48), Some(48), Some(48))
    );
    // A line that moves through twelve pitch classes equally has the most entropy.
    let chromatic: Vec<_> = (0..24)
        .map(|i| (i * Q / 2, Q / 2, 60 + (i % 12) as u8))
        .collect();
    let g = figures(&solo(&chromatic, &[("C7", 0, 12 * Q)]));
    assert!((g.pc_entropy - 12f64.log2()).abs() < 1e-9);
    // Two of 24 notes on each wall.
    assert!((g.wall_share - 4.0 / 24.0).abs() < 1e-12);
}

#[test]
fn rests_and_onsets() {
    // Quarter notes on beats 1 and 3, rests between: half the time silent.
    let notes = [(0, Q, 60), (2 * Q, Q, 64), (4 * Q, Q, 67)];
    let f = figures(&solo(&notes, &[("C", 0, 8 * Q)]));
    assert!((f.rest_share - 2.0 / 5.0).abs() < 1e-12, "{}", f.rest_share);
    // Same onsets: full overlap; onsets moved by an eighth: none.
    let mut a = Tally::default();
    a.add(&Take::of_melody(&solo(&notes, &[("C", 0, 8 * Q)])));
    let late: Vec<_> = notes.iter().map(|&(s, d, k)| (s + Q / 2, d, k)).collect();
    let mut b = Tally::default();
    b.add(&Take::of_melody(&solo(&late, &[("C", 0, 8 * Q)])));
    assert!((a.onset_overlap(&a) - 1.0).abs() < 1e-12);
    assert_eq!(a.onset_overlap(&b), 0.0);
    // Their intervals are the same (4, 3).
    assert!((a.interval_overlap(&b) - 1.0).abs() < 1e-12);
}

#[test]
fn onset_positions_follow_meter_changes() {
    // Bar 1 in 3/4, then 4/4: a note on the downbeat of bar 2 is at position 0.
    let mut s = solo(&[(0, Q, 60), (3 * Q, Q, 62)], &[("C", 0, 7 * Q)]);
    s.time_sigs = vec![
        crate::music::TimeSig {
            tick: 0,
            num: 3,
            den: 4,
        },
        crate::music::TimeSig {
            tick: 3 * Q,
            num: 4,
            den: 4,
        },
    ];
    let mut a = Tally::default();
    a.add(&Take::of_melody(&s));
    let mut b = Tally::default();
    b.add(&Take::of_melody(&solo(
        &[(0, Q, 60), (4 * Q, Q, 62)],
        &[("C", 0, 8 * Q)],
    )));
    assert!((a.onset_overlap(&b) - 1.0).abs() < 1e-12);
}

#[test]
fn entropy_and_overlap_helpers() {
    assert_eq!(entropy(&[0.0; 12]), 0.0);
    assert!((entropy(&[1.0, 1.0]) - 1.0).abs() < 1e-12);
    assert_eq!(overlap(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
    assert!((overlap(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-12);
    assert_eq!(overlap(&[0.0], &[1.0]), 0.0);
}

#[test]
fn walls_are_each_line_s_own() {
    // One low line pinned to C3, one high line that moves: pooled, the low line's notes
    // are all on its own wall, the high line's only at its ends.
    let low: Vec<_> = (0..8).map(|i| (i * Q, Q, 48)).collect();
    let high: Vec<_> = (0..8).map(|i| (i * Q, Q, 72 + (i % 4) as u8)).collect();
    let mut t = Tally::default();
    t.add(&Take::of_melody(&solo(&low, &[("C", 0, 8 * Q)])));
    t.add(&Take::of_melody(&solo(&high, &[("C", 0, 8 * Q)])));
    let f = t.figures();
    // 8 pinned notes + 4 of the high line's 8 (two on 72, two on 75) of 16.
    assert!(
        (f.wall_share - 12.0 / 16.0).abs() < 1e-12,
        "{}",
        f.wall_share
    );
    assert_eq!((f.lowest, f.highest), (Some(48), Some(75)));
}

#[test]
fn played_timing_lands_on_the_grid_the_models_write() {
    // Swung eighths on the triplet grid (each beat and 2/3 of the way through it), from the
    // second bar on, and the same line as a player plays it: downbeats pushed or dragged by
    // about a twentieth of a beat, offbeats a little less.
    let grid: Vec<_> = (0..16u32)
        .map(|i| {
            let at = 4 * Q + (i / 2) * Q + if i % 2 == 1 { 2 * Q / 3 } else { 0 };
            (at, Q / 3, 60 + (i % 5) as u8)
        })
        .collect();
    let jitter = [
        22i64, 9, -23, -12, 24, 15, -21, -8, 25, 11, -22, -17, 21, 6, -24, -14,
    ];
    let played: Vec<_> = grid
        .iter()
        .zip(jitter)
        .map(|(&(s, d, k), j)| ((s as i64 + j) as u32, d, k))
        .collect();
    let chords = [("C7", 0, 12 * Q)];
    let (mut a, mut b) = (Tally::default(), Tally::default());
    a.add(&Take::of_melody(&solo(&grid, &chords)));
    b.add(&Take::of_melody(&solo(&played, &chords)));
    assert!(a.onset_overlap(&b) > 0.99, "{}", a.onset_overlap(&b));
    // Read raw, the pushed and dragged downbeats fall in the neighbouring bins.
    let mut raw = Take::of_melody(&solo(&played, &chords));
    raw.grid_onsets.clear();
    let mut c = Tally::default();
    c.add(&raw);
    assert!(a.onset_overlap(&c) < 0.6, "{}", a.onset_overlap(&c));
}

#[test]
fn musdr_figures_and_the_span_come_out_per_solo_and_in_the_json() {
    // Two bars of eighths: C E G Bb C Bb G E, then D F A C D C A F.
    let keys = [
        60, 64, 67, 70, 72, 70, 67, 64, 62, 65, 69, 72, 74, 72, 69, 65,
    ];
    let notes: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, &k)| (i as u32 * Q / 2, Q / 2, k))
        .collect();
    let f = figures(&solo(&notes, &[("C7", 0, 4 * Q), ("Dm7", 4 * Q, 4 * Q)]));
    // Four pitch classes twice in each bar: 2 bits; both bars the same rhythm.
    assert!((f.solo.pc_entropy_1bar - 2.0).abs() < 1e-12);
    assert_eq!(f.solo.grooving_similarity, 1.0);
    assert_eq!(f.solo.register_span, 14.0);
    let json = serde_json::to_value(&f).unwrap();
    for key in [
        "pc_entropy_1bar",
        "pc_entropy_4bar",
        "grooving_similarity",
        "register_span",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
}

#[test]
fn judge_progression_plays_the_changes_given_for_the_player_s_length() {
    let bundle = crate::fixtures::small_conditioned_bundle();
    // Five bars of a player over C major; the model is sent over a two-bar chart instead.
    let notes: Vec<(u32, u32, u8)> = (0..20).map(|i| (i * Q, Q, 60 + (i % 5) as u8)).collect();
    let player = solo(&notes, &[("Cmaj7", 0, 20 * Q)]);
    let chart = crate::generate::Changes::from_arg("| Eb7 | Ab7 |").unwrap();
    let opts = JudgeOptions {
        changes: Some(chart),
        ..JudgeOptions::default()
    };
    let take = improvise(&bundle, &player, Path::new("p.mid"), 1, &opts).unwrap();
    // Three choruses of the chart cover the player's five bars.
    assert_eq!(take.bars, 6);
    let roots: std::collections::BTreeSet<String> =
        take.chords.iter().map(|c| c.chord.to_string()).collect();
    assert_eq!(roots.into_iter().collect::<Vec<_>>(), ["Ab7", "Eb7"]);
    // Without the chart, the file's own changes and length.
    let own = improvise(
        &bundle,
        &player,
        Path::new("p.mid"),
        1,
        &JudgeOptions::default(),
    )
    .unwrap();
    assert_eq!(own.bars, 5);
    assert!(own.chords.iter().all(|c| c.chord.to_string() == "Cmaj7"));
}
