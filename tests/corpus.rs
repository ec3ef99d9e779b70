//! The starter corpus keeps the musical properties it is meant to teach.

use improv::corpus::generate_corpus;
use improv::music::{PPQ, Role};
use improv::tokens::{NoteClass, classify};

#[test]
fn same_seed_same_corpus_other_seed_other_solos() {
    let a = generate_corpus(1);
    let b = generate_corpus(1);
    let c = generate_corpus(2);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.score, y.score);
    }
    assert_ne!(a[0].score.melody(), c[0].score.melody());
}

#[test]
fn forty_choruses_over_every_family() {
    let corpus = generate_corpus(1);
    let choruses: usize = corpus.iter().map(|p| p.choruses).sum();
    assert!(choruses >= 40, "{choruses} choruses");
    for family in [
        "blues-f",
        "blues-bb",
        "minor-blues",
        "rhythm-changes",
        "ii-v-i-cycle",
        "aaba-eb",
        "ballad",
        "autumn",
    ] {
        assert!(
            corpus.iter().any(|p| p.progression == family),
            "{family} missing"
        );
    }
}

#[test]
fn every_piece_is_a_band_over_the_whole_form() {
    for p in generate_corpus(1) {
        let s = &p.score;
        for role in [Role::Melody, Role::Chords, Role::Bass] {
            assert!(
                s.track(role).is_some_and(|t| !t.notes.is_empty()),
                "{} lacks {role:?}",
                p.file_name
            );
        }
        assert_eq!(s.chords[0].start, 0);
        for w in s.chords.windows(2) {
            assert_eq!(
                w[0].end(),
                w[1].start,
                "{}: a gap in the changes",
                p.file_name
            );
        }
        let m = &s.melody().unwrap().notes;
        for w in m.windows(2) {
            assert!(
                w[0].end() <= w[1].start,
                "{}: overlapping solo notes",
                p.file_name
            );
        }
        let (low, high) = (p.voice.low, p.voice.high);
        assert!(
            m.iter()
                .all(|n| (low..=high).contains(&(n.pitch.key() as i32))),
            "{}: a note outside {low}..={high}",
            p.file_name
        );
        assert!(s.melody().unwrap().end() <= s.chords.last().unwrap().end());
    }
}

#[test]
fn the_lines_sound_like_jazz() {
    let (mut strong, mut strong_chord) = (0, 0);
    let (mut approaches, mut triplets, mut bars, mut breaths) = (0, 0, 0, 0);
    let (mut bass_bars, mut bass_roots) = (0, 0);
    for p in generate_corpus(1) {
        let s = &p.score;
        let m = &s.melody().unwrap().notes;
        bars += s.bar_starts().len();
        for (i, n) in m.iter().enumerate() {
            let chord = s.chord_at(n.start).map(|c| &c.chord);
            if n.start % (PPQ * 2) == 0 {
                strong += 1;
                if classify(n.pitch, chord) == NoteClass::Chord {
                    strong_chord += 1;
                }
            }
            if n.start % PPQ == PPQ / 3 {
                triplets += 1;
            }
            if let Some(next) = m.get(i + 1) {
                let nchord = s.chord_at(next.start).map(|c| &c.chord);
                let step = (next.pitch.key() as i32 - n.pitch.key() as i32).abs();
                if step == 1
                    && classify(next.pitch, nchord) == NoteClass::Chord
                    && classify(n.pitch, chord) != NoteClass::Chord
                {
                    approaches += 1;
                }
                if next.start >= n.end() + PPQ {
                    breaths += 1;
                }
            }
        }
        let bass = &s.track(Role::Bass).unwrap().notes;
        for span in &s.chords {
            if let Some(n) = bass.iter().find(|n| n.start == span.start) {
                bass_bars += 1;
                if n.pitch.class() == span.chord.bass_note() {
                    bass_roots += 1;
                }
            }
        }
    }
    let share = strong_chord as f64 / strong as f64;
    assert!(share > 0.6, "chord tones on strong beats: {share:.2}");
    assert!(approaches > 50, "{approaches} approach notes");
    assert!(triplets > 20, "{triplets} triplets");
    assert!(breaths * 4 >= bars, "{breaths} breaths in {bars} bars");
    assert!(
        bass_roots as f64 > 0.95 * bass_bars as f64,
        "{bass_roots}/{bass_bars} roots"
    );
    println!(
        "strong-beat chord tones {share:.2}, approaches {approaches}, triplets {triplets}, breaths {breaths}/{bars} bars"
    );
}

/// The figures real solos show (measured on 77 Weimar Jazz Database solos: chord tones
/// 0.50 of the notes, 6.0 notes a bar, a fifth of the notes in sixteenth runs, a register
/// from 41 to 91): the corpus should be near them, not an exercise book.
#[test]
fn the_corpus_is_near_the_players_figures() {
    let (mut notes, mut chord_tones, mut bars, mut fast) = (0usize, 0usize, 0usize, 0usize);
    let (mut lowest, mut highest) = (127u8, 0u8);
    for p in generate_corpus(1) {
        let s = &p.score;
        let m = &s.melody().unwrap().notes;
        bars += s.bar_starts().len();
        notes += m.len();
        for (i, n) in m.iter().enumerate() {
            let chord = s.chord_at(n.start).map(|c| &c.chord);
            if classify(n.pitch, chord) == NoteClass::Chord {
                chord_tones += 1;
            }
            if m.get(i + 1).is_some_and(|x| x.start - n.start <= PPQ / 4) {
                fast += 1;
            }
            lowest = lowest.min(n.pitch.key());
            highest = highest.max(n.pitch.key());
        }
    }
    let rate = chord_tones as f64 / notes as f64;
    let per_bar = notes as f64 / bars as f64;
    let sixteenths = fast as f64 / notes as f64;
    println!(
        "chord tones {rate:.3}, notes per bar {per_bar:.2}, sixteenths {sixteenths:.3}, register {lowest}-{highest}"
    );
    assert!((0.45..0.58).contains(&rate), "chord tones {rate:.3}");
    assert!((5.0..7.0).contains(&per_bar), "{per_bar:.2} notes per bar");
    assert!(sixteenths > 0.12, "sixteenths {sixteenths:.3}");
    assert!(highest - lowest >= 36, "register {lowest}-{highest}");
}
