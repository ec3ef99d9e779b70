//! Chord symbols as lead sheets, iReal charts, the Weimar Jazz Database and MusicXML spell
//! them, each against the tones it names.

use crate::music::chord::{Chord, Quality};
use crate::music::parse_symbol;
use crate::music::pitch::PitchClass;
use proptest::prelude::*;

/// (suffix spellings, intervals above the root).
const TABLE: &[(&[&str], &[u8])] = &[
    (&["", "M", "maj", "major"], &[0, 4, 7]),
    (&["m", "-", "mi", "min", "minor"], &[0, 3, 7]),
    (
        &["7", "dom7", "dominant", "dominant-seventh"],
        &[0, 4, 7, 10],
    ),
    (
        &[
            "maj7",
            "M7",
            "Maj7",
            "ma7",
            "Δ",
            "Δ7",
            "^7",
            "^",
            "j7",
            "j",
            "major-seventh",
        ],
        &[0, 4, 7, 11],
    ),
    (
        &["m7", "-7", "mi7", "min7", "minor-seventh"],
        &[0, 3, 7, 10],
    ),
    (
        &[
            "ø",
            "ø7",
            "m7b5",
            "-7b5",
            "mi7(b5)",
            "h7",
            "h",
            "half-diminished",
        ],
        &[0, 3, 6, 10],
    ),
    (&["o7", "dim7", "°7", "diminished-seventh"], &[0, 3, 6, 9]),
    (&["o", "dim", "°", "diminished"], &[0, 3, 6]),
    (&["+", "aug", "+5", "augmented"], &[0, 4, 8]),
    (
        &["+7", "7#5", "7+5", "aug7", "7+", "augmented-seventh"],
        &[0, 4, 8, 10],
    ),
    (&["+j7", "maj7#5", "^7#5"], &[0, 4, 8, 11]),
    (&["sus", "sus4", "suspended-fourth"], &[0, 5, 7]),
    (&["sus2", "suspended-second"], &[0, 2, 7]),
    (&["7sus4", "7sus", "sus7"], &[0, 5, 7, 10]),
    (&["9sus4", "9sus", "7sus4(9)"], &[0, 2, 5, 7, 10]),
    (&["6", "M6", "maj6", "major-sixth"], &[0, 4, 7, 9]),
    (&["m6", "-6", "min6", "minor-sixth"], &[0, 3, 7, 9]),
    (&["6/9", "69", "6(add9)", "6add9"], &[0, 2, 4, 7, 9]),
    (&["m69", "-69", "m6/9"], &[0, 2, 3, 7, 9]),
    (
        &[
            "m(maj7)",
            "mMaj7",
            "mM7",
            "-j7",
            "-^7",
            "-Δ7",
            "minmaj7",
            "major-minor",
        ],
        &[0, 3, 7, 11],
    ),
    (&["9", "79", "7(9)", "dominant-ninth"], &[0, 2, 4, 7, 10]),
    (
        &["maj9", "M9", "j79", "^9", "major-ninth"],
        &[0, 2, 4, 7, 11],
    ),
    (
        &["m9", "-9", "-79", "min9", "minor-ninth"],
        &[0, 2, 3, 7, 10],
    ),
    (&["11", "7911", "dominant-11th"], &[0, 2, 4, 5, 7, 10]),
    (&["m11", "-11", "-7911", "minor-11th"], &[0, 2, 3, 5, 7, 10]),
    (
        &["13", "7913", "7(9,13)", "dominant-13th"],
        &[0, 2, 4, 7, 9, 10],
    ),
    (&["maj13", "j7913", "major-13th"], &[0, 2, 4, 7, 9, 11]),
    (
        &["7b9", "79b", "7(b9)", "7-9", "dominant(b9)"],
        &[0, 1, 4, 7, 10],
    ),
    (&["7#9", "79#", "7(#9)", "7+9"], &[0, 3, 4, 7, 10]),
    (&["7#11", "7(#11)", "711#"], &[0, 4, 6, 7, 10]),
    (&["9#11", "7911#", "7(9,#11)"], &[0, 2, 4, 6, 7, 10]),
    (&["7b13", "7(b13)", "713b"], &[0, 4, 7, 8, 10]),
    (&["7b5", "7(b5)", "7-5", "French"], &[0, 4, 6, 10]),
    (&["7(b9,#11)", "7b9#11", "79b11#"], &[0, 1, 4, 6, 7, 10]),
    (&["13b9", "7(b9,13)", "79b(13)"], &[0, 1, 4, 7, 9, 10]),
    (
        &["7b9b13", "7(b9,b13)", "79b(b13)", "79b13b"],
        &[0, 1, 4, 7, 8, 10],
    ),
    (&["7alt", "alt"], &[0, 1, 3, 4, 6, 8, 10]),
    (
        &["add9", "(add9)", "add2", "2", "major(add9)"],
        &[0, 2, 4, 7],
    ),
    (&["madd9", "m(add9)", "-add9"], &[0, 2, 3, 7]),
    (
        &["maj7#11", "j711#", "^7#11", "maj7(#11)"],
        &[0, 4, 6, 7, 11],
    ),
    (&["5", "power", "(no3)"], &[0, 7]),
    (&["m7(no5)", "-7no5"], &[0, 3, 10]),
    (&["dim(maj7)", "oj7"], &[0, 3, 6, 11]),
    (&["7sus4(b9)", "sus79b"], &[0, 1, 5, 7, 10]),
];

fn shape_of(intervals: &[u8]) -> u16 {
    intervals.iter().fold(0, |m, &i| m | 1 << i)
}

#[test]
fn every_spelling_in_every_key_names_its_tones() {
    let roots = [
        "C", "C#", "Db", "D", "Eb", "E", "F", "F#", "Gb", "G", "Ab", "A", "Bb", "B",
    ];
    let mut checked = 0;
    for &(spellings, intervals) in TABLE {
        for spelling in spellings {
            for root in roots {
                let symbol = format!("{root}{spelling}");
                let chord: Chord = symbol.parse().unwrap_or_else(|e| panic!("{symbol}: {e}"));
                assert_eq!(
                    chord.shape(),
                    shape_of(intervals),
                    "{symbol} read as {chord}"
                );
                assert_eq!(chord.root, root.parse::<PitchClass>().unwrap(), "{symbol}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn weimar_symbols_from_the_database() {
    for (symbol, name) in [
        ("Cj7", "Cmaj7"),
        ("F-7", "Fm7"),
        ("Bb79b", "Bb7b9"),
        ("Eb7911#", "Eb9#11"),
        ("Asus7", "A7sus4"),
        ("G+7", "G7#5"),
        ("Co", "Cdim"),
        ("D-j7", "DmMaj7"),
        ("Bb-/Eb", "Bbm/Eb"),
        ("C-6", "Cm6"),
        ("C69", "C69"),
        ("C79#", "C7#9"),
        ("C7913", "C13"),
        ("Bb79#13", "Bb7(#9,13)"),
        ("F79b13", "F7(b9,13)"),
        ("Fsus7913", "F13sus4"),
        ("C-7911", "Cm11"),
    ] {
        assert_eq!(
            symbol.parse::<Chord>().unwrap().to_string(),
            name,
            "{symbol}"
        );
    }
    assert_eq!(parse_symbol("NC"), Ok(None));
    assert_eq!(parse_symbol("N.C."), Ok(None));
    assert_eq!(parse_symbol("n"), Ok(None));
    assert_eq!(parse_symbol("Cnone"), Ok(None));
}

#[test]
fn tensions_are_kept_and_shape_the_scale() {
    let c7 = "C7".parse::<Chord>().unwrap();
    let c7b9 = "C7b9".parse::<Chord>().unwrap();
    assert_ne!(c7, c7b9);
    assert_eq!(c7b9.quality(), Quality::Dom7);
    let db = PitchClass::new(1);
    let d = PitchClass::new(2);
    assert!(c7b9.tones().contains(db) && !c7.tones().contains(db));
    assert!(c7b9.scale().contains(db) && !c7b9.scale().contains(d));
    assert!(c7.scale().contains(d));
    let alt = "G7alt".parse::<Chord>().unwrap();
    // The altered scale: G Ab Bb B Db Eb F.
    let names: Vec<_> = alt.scale().iter().map(|p| p.name()).collect();
    assert_eq!(names, ["C#", "D#", "F", "G", "G#", "A#", "B"]);
    assert_eq!(alt.to_string(), "G7alt");
    for q in Quality::ALL {
        let ch = Chord::new(PitchClass::new(5), q);
        assert_eq!(ch.quality(), q);
        assert_eq!(ch.tones().0 & !ch.scale().0, 0, "{ch}");
    }
}

#[test]
fn slash_chords_and_errors() {
    let c = "C7/E".parse::<Chord>().unwrap();
    assert_eq!(c.bass, Some(PitchClass::new(4)));
    assert_eq!(c.to_string(), "C7/E");
    assert_eq!("C/C".parse::<Chord>().unwrap().bass, None);
    assert_eq!("C6/9".parse::<Chord>().unwrap().bass, None);
    let e = "Xq7".parse::<Chord>().unwrap_err().to_string();
    assert_eq!(e, "not a chord symbol: \"Xq7\"");
    let e = "Cq7".parse::<Chord>().unwrap_err().to_string();
    assert_eq!(e, "cannot read \"q7\" in chord symbol \"Cq7\"");
    for bad in ["", "H7", "C7(b8)", "Cxyz", "C1"] {
        assert!(bad.parse::<Chord>().is_err(), "{bad:?}");
    }
    assert!("NC".parse::<Chord>().is_err());
}

proptest! {
    /// Printing any chord and reading the name back gives the same chord.
    #[test]
    fn printing_and_parsing_round_trip(root in 0i32..12, shape in 0u16..4096, bass in proptest::option::of(0i32..12)) {
        let chord = Chord::from_shape(PitchClass::new(root), shape, bass.map(PitchClass::new));
        let name = chord.to_string();
        let back: Chord = name.parse().map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        prop_assert_eq!(back, chord, "{}", name);
    }

    /// Whatever the text, the parser answers without panicking.
    #[test]
    fn any_text_is_answered(s in "\\PC{0,12}") {
        let _ = parse_symbol(&s);
    }
}

#[test]
fn estimates_chords_from_their_own_tones() {
    for r in 0..12 {
        for q in [
            Quality::Maj,
            Quality::Min,
            Quality::Dom7,
            Quality::Maj7,
            Quality::Min7,
            Quality::HalfDim7,
            Quality::Aug,
            Quality::Sus4,
        ] {
            let ch = Chord::new(PitchClass::new(r), q);
            let mut w = [0.0; 12];
            for pc in ch.tones().iter() {
                w[pc.index() as usize] = 1.0;
            }
            assert_eq!(Chord::estimate(&w, Some(ch.root)), Some(ch), "{ch}");
        }
    }
    assert_eq!(Chord::estimate(&[0.0; 12], None), None);
}
