//! How MIDI import names the parts: chord symbols from markers or estimated from the
//! comping, a low comping piano, and the melody track a user names.

#[allow(dead_code)] // each file uses some of the shared builders
mod common {
    pub mod midi;
}

use common::midi::{chord_names, import, mel_track, meta, off, on, smf, track_of};
use improv::midi::import::{ChordSource, ImportOptions, TrackSelector, parse_bytes};
use improv::music::{Chord, Role};
use midly::{Format, MetaMessage, TrackEvent};

#[test]
fn chord_markers_win_and_comping_is_estimated_otherwise() {
    let marked = vec![
        meta(0, MetaMessage::Marker(b"Dm7")),
        meta(1920, MetaMessage::Marker(b"G7")),
        meta(1920, MetaMessage::Marker(b"not a chord")),
    ];
    let mel = vec![on(0, 0, 74, 90), off(3840, 0, 74)];
    let imp = import(&smf(Format::Parallel, 480, vec![marked, mel]));
    assert_eq!(imp.chord_source, ChordSource::Markers);
    let names = chord_names(&imp);
    assert_eq!(names, ["Dm7", "G7"]);

    let mut comp = Vec::new();
    for k in [48, 52, 55, 58] {
        comp.push(on(0, 1, k, 70));
    }
    comp.push(off(1920, 1, 48));
    for k in [52, 55, 58] {
        comp.push(off(0, 1, k));
    }
    let imp = import(&smf(Format::Parallel, 480, vec![mel_track(), comp]));
    assert_eq!(imp.chord_source, ChordSource::Estimated);
    assert_eq!(imp.score.chords[0].chord, "C7".parse::<Chord>().unwrap());
}

#[test]
fn database_chord_spellings_no_chord_and_unreadable_symbols() {
    // A Weimar-style marker track: every symbol but "Xq7" and "Cq7" is a chord or NC.
    let symbols: [&'static [u8]; 12] = [
        b"Cj7", b"F-7", b"Bb79b", b"Eb7911#", b"Asus7", b"G+7", b"Co", b"D-j7", b"Bb-/Eb", b"NC",
        b"Cq7", b"Intro",
    ];
    let mut marked: Vec<TrackEvent<'static>> = symbols
        .iter()
        .enumerate()
        .map(|(i, s)| meta(if i == 0 { 0 } else { 1920 }, MetaMessage::Marker(s)))
        .collect();
    marked.push(meta(1920, MetaMessage::Marker(b"Cq7")));
    let mel = vec![on(0, 0, 74, 90), off(1920 * 14, 0, 74)];
    let imp = import(&smf(Format::Parallel, 480, vec![marked, mel]));
    assert_eq!(imp.chord_source, ChordSource::Markers);
    let names = chord_names(&imp);
    assert_eq!(
        names,
        [
            "Cmaj7", "Fm7", "Bb7b9", "Eb9#11", "A7sus4", "G7#5", "Cdim", "DmMaj7", "Bbm/Eb"
        ]
    );
    // NC ends Bbm/Eb after its bar (bar 10 is silent harmony).
    let last = imp.score.chords.last().unwrap();
    assert_eq!((last.start, last.end()), (1920 * 8, 1920 * 9));
    // The tensions are kept.
    assert!(
        imp.score.chords[2]
            .chord
            .tones()
            .contains(improv::music::PitchClass::new(11))
    );
    // "Cq7" is listed once, "Intro" is not a chord; the warning names the bars.
    assert_eq!(imp.unparsed_chords, ["Cq7"]);
    let w = imp.warnings.iter().find(|w| w.contains("Cq7")).unwrap();
    assert!(w.contains("bar 11") && w.contains("bar 13"), "{w}");
}

#[test]
fn a_low_comping_piano_is_comping_not_the_bass() {
    // Real transcriptions: a played solo line (ch 1), a piano comping low with the root in
    // the left hand (ch 2, lower on average than anything else), and sometimes a legato
    // walking bass (ch 3) whose notes overlap a little.
    let mut solo = Vec::new();
    let mut piano = Vec::new();
    let mut bass = Vec::new();
    let line = [74, 72, 69, 65, 67, 71, 74, 77];
    for bar in 0..8u32 {
        let t = bar * 1920;
        for (i, &k) in line.iter().enumerate() {
            let s = t + i as u32 * 240 + if i % 2 == 1 { 40 } else { 0 };
            solo.push((s, s + 200, 0, k));
        }
        let (voicing, walk): (&[u8], [u8; 4]) = if bar % 2 == 0 {
            (&[38, 53, 57, 60], [38, 41, 45, 48]) // Dm7: D2 under F3 A3 C4
        } else {
            (&[43, 53, 59, 64], [43, 47, 50, 41]) // G7: G2 under F3 B3 E4
        };
        for h in [0, 960] {
            for &k in voicing {
                piano.push((t + h, t + h + 700, 1, k));
            }
        }
        for (b, &k) in walk.iter().enumerate() {
            let s = t + b as u32 * 480;
            bass.push((s, s + 520, 2, k)); // legato: each note rings into the next
        }
    }
    let roles = |tracks: Vec<Vec<TrackEvent<'static>>>, format| {
        let imp = import(&smf(format, 480, tracks));
        let roles: Vec<Role> = imp.tracks.iter().map(|t| t.role).collect();
        (roles, imp)
    };
    let all: Vec<_> = [solo.clone(), piano.clone(), bass].concat();
    let (r, imp) = roles(vec![track_of(&all)], Format::SingleTrack);
    assert_eq!(r, [Role::Melody, Role::Chords, Role::Bass]);
    assert_eq!(imp.chord_source, ChordSource::Estimated);
    assert_eq!(imp.score.chords[0].chord, "Dm7".parse::<Chord>().unwrap());

    // Without a bass the low piano is still the comping, and the chords come from it.
    let (r, imp) = roles(vec![track_of(&solo), track_of(&piano)], Format::Parallel);
    assert_eq!(r, [Role::Melody, Role::Chords]);
    assert_eq!(chord_names(&imp)[..2], ["Dm7", "G7"]);
}

#[test]
fn the_user_can_name_the_melody_track() {
    let named = |n: &'static [u8], key: u8| {
        vec![
            meta(0, MetaMessage::TrackName(n)),
            on(0, 0, key, 90),
            off(480, 0, key),
        ]
    };
    let bytes = smf(
        Format::Parallel,
        480,
        vec![named(b"Sax", 70), named(b"Guitar", 64)],
    );
    let pick = |sel| {
        parse_bytes(
            &bytes,
            &ImportOptions {
                melody_track: Some(sel),
            },
        )
    };
    let imp = pick(TrackSelector::Name("guitar".into())).unwrap();
    assert_eq!(imp.score.melody().unwrap().name, "Guitar");
    assert_eq!(
        pick(TrackSelector::Index(0))
            .unwrap()
            .score
            .melody()
            .unwrap()
            .name,
        "Sax"
    );
    let err = pick(TrackSelector::Name("Piano".into())).unwrap_err();
    assert!(err.contains("Sax") && err.contains("Guitar"), "{err}");
    assert!(pick(TrackSelector::Index(9)).is_err());
}
