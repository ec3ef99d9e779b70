//! Tests of both tokenizers: classes, rhythm, text forms and the encode → decode round trip.

use super::*;
use crate::music::{PPQ, Progression, Role, Track};
use proptest::prelude::*;

fn p(s: &str) -> Pitch {
    s.parse().unwrap()
}

fn score_with(notes: &[(Tick, Tick, u8)], chart: &str) -> Score {
    let mut s = Score::new("t", 120.0);
    let mut m = Track::new("m", Role::Melody, 0, 0);
    for &(start, dur, key) in notes {
        m.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(m);
    s.chords = Progression::parse("x", chart).unwrap().spans(PPQ * 4, 4);
    s
}

#[test]
fn classes_over_g7() {
    let g7: Chord = "G7".parse().unwrap();
    assert_eq!(classify(p("B4"), Some(&g7)), NoteClass::Chord);
    assert_eq!(classify(p("F3"), Some(&g7)), NoteClass::Chord);
    assert_eq!(classify(p("A4"), Some(&g7)), NoteClass::Scale);
    assert_eq!(classify(p("E4"), Some(&g7)), NoteClass::Scale);
    assert_eq!(classify(p("C#4"), Some(&g7)), NoteClass::Approach); // a half step below D
    assert_eq!(classify(p("G#4"), Some(&g7)), NoteClass::Approach);
    assert_eq!(classify(p("C4"), None), NoteClass::Other);
    let cmaj7: Chord = "Cmaj7".parse().unwrap();
    assert_eq!(classify(p("F#4"), Some(&cmaj7)), NoteClass::Approach);
    let dim7: Chord = "Cdim7".parse().unwrap();
    assert_eq!(classify(p("D4"), Some(&dim7)), NoteClass::Scale);
}

#[test]
fn triplets_and_sixteenths_survive() {
    let t = PPQ / 3;
    let s16 = PPQ / 4;
    let s = score_with(
        &[
            (0, t, 60),
            (t, t, 62),
            (2 * t, t, 64),
            (PPQ, s16, 65),
            (PPQ + s16, s16, 67),
            (PPQ + 2 * s16, PPQ / 2, 69),
        ],
        "| C7 |",
    );
    let toks = encode(TokenizerKind::Grammar, &s);
    let durs: Vec<&str> = toks.iter().map(|t| t.split(',').nth(1).unwrap()).collect();
    assert_eq!(durs, ["0.333", "0.333", "0.333", "0.250", "0.250", "0.500"]);
    assert_eq!(toks[0], "C,0.333");
    assert_eq!(toks[1], "S,0.333,<1,2>");
    assert_eq!(token_beats("C,0.333,<1,2>"), Some(4.0 / 12.0));
}

#[test]
fn rests_and_phrase_starts() {
    let s = score_with(&[(PPQ, PPQ / 2, 60), (PPQ * 3, PPQ, 64)], "| C |");
    let toks = encode(TokenizerKind::Grammar, &s);
    assert_eq!(toks, ["R,1.000", "C,0.500", "R,1.500", "C,1.000"]);
}

#[test]
fn played_lines_quantize_per_beat_and_read_legato() {
    // Written: two straight eighths, a beat of triplets, two sixteenths and an eighth, then a
    // beat's rest and a half note.
    let (e, t, s16) = (PPQ / 2, PPQ / 3, PPQ / 4);
    let written = [
        (0, e, 60),
        (e, e, 62),
        (PPQ, t, 64),
        (PPQ + t, t, 65),
        (PPQ + 2 * t, t, 67),
        (2 * PPQ, s16, 69),
        (2 * PPQ + s16, s16, 67),
        (2 * PPQ + 2 * s16, e, 65),
        (4 * PPQ, 2 * PPQ, 64),
    ];
    // Played: every onset early or late by up to 23 ticks (a 21st of a beat), and every
    // note that runs into the next one cut short, detached, as a real performance would.
    let jitter = [17i64, -23, 9, -14, 21, -6, 12, -19, 8];
    let played: Vec<(Tick, Tick, u8)> = written
        .iter()
        .zip(jitter)
        .enumerate()
        .map(|(i, (&(start, dur, key), j))| {
            let start = (start as i64 + j).max(0) as Tick;
            let detached = i + 1 < written.len() && written[i + 1].0 == written[i].0 + dur;
            (start, if detached { dur * 3 / 5 } else { dur }, key)
        })
        .collect();
    let chart = "| C7 | C7 |";
    let clean = encode(TokenizerKind::Grammar, &score_with(&written, chart));
    let humanized = encode(TokenizerKind::Grammar, &score_with(&played, chart));
    assert_eq!(humanized, clean);
    assert!(
        !humanized.iter().any(|t| t.starts_with("R,0.08")),
        "{humanized:?}"
    );
}

#[test]
fn grammar_tokens_round_trip_as_text() {
    for t in [
        "C,0.250",
        "S,0.333,<-2,-1>",
        "R,2.000",
        "X,4.000,<13,24>",
        "A,0.083,<0,0>",
    ] {
        let g: grammar::GrammarToken = t.parse().unwrap();
        assert_eq!(g.to_string(), t);
    }
    for bad in [
        "",
        "C",
        "Q,0.250",
        "C,0.3",
        "C,0.250,<1,-1>",
        "R,0.250,<1,2>",
        "C,0.250,<1,2",
    ] {
        assert!(bad.parse::<grammar::GrammarToken>().is_err(), "{bad}");
    }
    let err = decode(
        TokenizerKind::Grammar,
        &["C,0.250".into(), "junk".into()],
        &[],
        &DecodeOptions::default(),
    );
    assert_eq!(
        err.unwrap_err(),
        TokenError::Unparseable {
            index: 1,
            kind: TokenizerKind::Grammar,
            text: "junk".into()
        }
    );
}

#[test]
fn pitch_tokenizer_is_exact() {
    let s = score_with(
        &[(0, PPQ, 60), (PPQ, PPQ / 3, 72), (PPQ * 2, PPQ / 2, 55)],
        "| C |",
    );
    let toks = encode(TokenizerKind::Pitch, &s);
    assert_eq!(toks, ["P60,1.000", "P72,0.333", "R,0.667", "P55,0.500"]);
    let notes = decode(TokenizerKind::Pitch, &toks, &[], &DecodeOptions::default()).unwrap();
    let orig = &s.melody().unwrap().notes;
    assert_eq!(notes.len(), 3);
    for (a, b) in notes.iter().zip(orig) {
        assert_eq!((a.start, a.dur, a.pitch), (b.start, b.dur, b.pitch));
    }
}

#[test]
fn decoding_is_reproducible_and_in_range() {
    let s = score_with(
        &(0..32)
            .map(|i| (i * PPQ / 2, PPQ / 2, 60 + (i * 7 % 19) as u8))
            .collect::<Vec<_>>(),
        "| Dm7 G7 | Cmaj7 |",
    );
    let toks = encode(TokenizerKind::Grammar, &s);
    let opts = DecodeOptions {
        seed: 3,
        low: 55,
        high: 79,
        ..Default::default()
    };
    let a = decode(TokenizerKind::Grammar, &toks, &s.chords, &opts).unwrap();
    let b = decode(TokenizerKind::Grammar, &toks, &s.chords, &opts).unwrap();
    assert_eq!(a, b);
    let c = decode(
        TokenizerKind::Grammar,
        &toks,
        &s.chords,
        &DecodeOptions {
            seed: 4,
            ..opts.clone()
        },
    )
    .unwrap();
    assert_ne!(a, c, "another seed should pick other pitches");
    assert!(a.iter().all(|n| (55..=79).contains(&n.pitch.key())));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// encode → decode over the same chords keeps every onset and length on the grid and
    /// every note's class.
    #[test]
    fn grammar_round_trip_keeps_rhythm_and_class(
        steps in proptest::collection::vec((0u32..3, prop_oneof![Just(3u32), Just(4), Just(6), Just(8), Just(12)], 55u8..80), 1..48),
        chart in prop_oneof![Just("| Dm7 G7 | Cmaj7 |"), Just("| F7 | Bb7 | C7 | F7 |"), Just("| Am7b5 D7 | Gm6 |")],
        seed in 0u64..1000,
    ) {
        let mut notes = Vec::new();
        let mut t = 0;
        for (gap, len, key) in steps {
            t += gap * 6 * rhythm::UNIT;
            notes.push((t, len * rhythm::UNIT, key));
            t += len * rhythm::UNIT;
        }
        let s = score_with(&notes, chart);
        let toks = encode(TokenizerKind::Grammar, &s);
        let opts = DecodeOptions { seed, low: 40, high: 96, ..Default::default() };
        let back = decode(TokenizerKind::Grammar, &toks, &s.chords, &opts).unwrap();
        let orig = &s.melody().unwrap().notes;
        prop_assert_eq!(back.len(), orig.len());
        for (a, b) in back.iter().zip(orig) {
            prop_assert_eq!(a.start, b.start);
            prop_assert_eq!(a.dur, b.dur);
            let chord = s.chord_at(a.start).map(|c| &c.chord);
            prop_assert_eq!(classify(a.pitch, chord), classify(b.pitch, chord));
        }
    }
}
