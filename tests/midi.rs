//! MIDI import over odd files the tests make themselves, and the export round trip.

#[allow(dead_code)] // each file uses some of the shared builders
mod common {
    pub mod midi;
}

use common::midi::{import, meta, off, on, smf};
use improv::midi::export::{to_bytes, write_file};
use improv::midi::import::{ImportOptions, parse_bytes, read_file};
use improv::music::{Chord, ChordSpan, Note, PPQ, Pitch, Role, Score, Tempo, TimeSig, Track};
use midly::num::u24;
use midly::{Format, Header, MetaMessage, Smf, Timing};
use proptest::prelude::*;

#[test]
fn format0_splits_channels_and_rescales_96_ppq() {
    // Melody on ch 1 (high, one note at a time), a bass on ch 2, at 96 ticks per quarter.
    let t = vec![
        on(0, 0, 72, 100),
        on(0, 1, 36, 90),
        off(96, 0, 72),
        on(0, 0, 74, 100),
        off(48, 0, 74),
        off(144, 1, 36),
    ];
    let imp = import(&smf(Format::SingleTrack, 96, vec![t]));
    assert_eq!(imp.tracks.len(), 2);
    let m = imp.score.melody().unwrap();
    assert_eq!(m.notes.len(), 2);
    assert_eq!(m.notes[0].dur, PPQ);
    assert_eq!(m.notes[1].start, PPQ);
    assert_eq!(m.notes[1].dur, PPQ / 2);
    assert_eq!(imp.score.track(Role::Bass).unwrap().notes[0].dur, PPQ * 3);
}

#[test]
fn high_resolution_tempo_changes_and_odd_meters() {
    let conductor = vec![
        meta(0, MetaMessage::Tempo(u24::new(500_000))),
        meta(0, MetaMessage::TimeSignature(3, 2, 24, 8)),
        meta(1024 * 3, MetaMessage::Tempo(u24::new(1_000_000))),
        meta(0, MetaMessage::TimeSignature(5, 2, 24, 8)),
    ];
    let notes = vec![on(0, 0, 60, 80), off(1024 * 8, 0, 60)];
    let imp = import(&smf(Format::Parallel, 1024, vec![conductor, notes]));
    let s = &imp.score;
    assert_eq!(s.tempos.len(), 2);
    assert_eq!(s.time_sigs[0].num, 3);
    assert_eq!(s.time_sigs[1].num, 5);
    // 3 beats at 120 bpm, then 5 at 60 bpm.
    assert!((s.seconds_at(PPQ * 8) - (1.5 + 5.0)).abs() < 1e-6);
    assert_eq!(s.bar_starts(), vec![0, PPQ * 3]);
}

#[test]
fn zero_velocity_note_offs_overlaps_and_hanging_notes() {
    let t = vec![
        on(0, 0, 64, 90),
        on(240, 0, 64, 90), // same pitch again before the first ends
        on(240, 0, 64, 0),  // velocity 0 ends the first (first in, first out)
        on(0, 0, 67, 90),   // never switched off
        on(480, 0, 64, 0),
        meta(480, MetaMessage::Text(b"x")),
    ];
    let imp = import(&smf(Format::Parallel, 480, vec![t]));
    let n = &imp.score.tracks[0].notes;
    assert_eq!(n.len(), 3);
    assert_eq!((n[0].start, n[0].dur), (0, 480));
    assert_eq!((n[1].start, n[1].dur), (240, 720));
    assert_eq!(n[2].pitch.key(), 67);
    assert_eq!(n[2].end(), 1440, "a hanging note ends with its track");
}

#[test]
fn running_status_in_raw_bytes() {
    // One track: note on C4, then (running status) note on with velocity 0 after a quarter.
    let track: Vec<u8> = vec![
        0x00, 0x90, 60, 100, 0x83, 0x60, 60, 0, 0x00, 0xFF, 0x2F, 0x00,
    ];
    let mut bytes = b"MThd\0\0\0\x06\0\0\0\x01\x01\xE0MTrk".to_vec();
    bytes.extend_from_slice(&(track.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&track);
    let imp = import(&bytes);
    let n = &imp.score.tracks[0].notes;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].dur, 480);
}

#[test]
fn drums_only_and_no_notes_are_scores_not_errors() {
    let drums = vec![
        on(0, 9, 36, 100),
        off(240, 9, 36),
        on(0, 9, 42, 80),
        off(240, 9, 42),
    ];
    let imp = import(&smf(Format::Parallel, 480, vec![drums]));
    assert_eq!(imp.tracks[0].role, Role::Drums);
    assert!(imp.score.melody().is_none());
    let empty = import(&smf(Format::Parallel, 480, vec![vec![]]));
    assert_eq!(empty.score.note_count(), 0);
    assert!(!empty.warnings.is_empty());
}

#[test]
fn broken_files_give_reasons_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let good = smf(
        Format::Parallel,
        480,
        vec![vec![on(0, 0, 60, 90), off(480, 0, 60)]],
    );
    for (name, bytes) in [
        ("empty.mid", Vec::new()),
        ("truncated.mid", good[..good.len() - 9].to_vec()),
        ("garbage.mid", b"RIFF....WAVEfmt this is not midi".to_vec()),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        match read_file(&p, &ImportOptions::default()) {
            Err(e) => assert!(e.to_string().contains(name), "{e}"),
            // A truncated file midly can recover is fine, as long as it is a Score.
            Ok(imp) => assert!(name == "truncated.mid", "{name} imported: {imp:?}"),
        }
    }
    let missing = read_file(&dir.path().join("nope.mid"), &ImportOptions::default());
    assert!(missing.unwrap_err().to_string().contains("nope.mid"));
}

#[test]
fn export_is_atomic_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.mid");
    let s = Score::new("t", 120.0);
    write_file(&s, &p, false).unwrap();
    let err = write_file(&s, &p, false).unwrap_err();
    assert!(err.to_string().contains("already exists"));
    write_file(&s, &p, true).unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut b = bytes.clone();
        let _ = parse_bytes(&b, &ImportOptions::default());
        // Also behind a valid header, so the track parser sees the junk.
        let mut with_header = b"MThd\0\0\0\x06\0\x01\0\x01\x01\xE0MTrk".to_vec();
        with_header.extend_from_slice(&(b.len() as u32).to_be_bytes());
        with_header.append(&mut b);
        let _ = parse_bytes(&with_header, &ImportOptions::default());
    }

    #[test]
    fn import_of_export_gives_back_the_score(
        mel in proptest::collection::vec((0u32..64, 1u32..8, 60u8..84, 1u8..128), 1..40),
        bass in proptest::collection::vec((0u32..16, 28u8..48), 1..16),
        chords in proptest::collection::vec((0usize..12, 0usize..14), 1..8),
        num in prop_oneof![Just(3u8), Just(4u8), Just(5u8)],
        bpm in 40.0f64..240.0,
        tempo_change in proptest::option::of((1u32..16, 40.0f64..240.0)),
    ) {
        let mut s = Score::new("round trip", bpm);
        s.time_sigs[0].num = num;
        let bar = TimeSig { tick: 0, num, den: 4 }.bar_ticks();
        let mut m = Track::new("Solo", Role::Melody, 0, 65);
        let mut t = 0;
        for (gap, dur, key, vel) in mel {
            t += gap * PPQ / 4;
            m.notes.push(Note { start: t, dur: dur * PPQ / 4, pitch: Pitch::new(key).unwrap(), velocity: vel });
            t += dur * PPQ / 4;
        }
        let mut b = Track::new("Bass", Role::Bass, 1, 32);
        for (i, (_, key)) in bass.iter().enumerate() {
            b.notes.push(Note { start: i as u32 * PPQ, dur: PPQ, pitch: Pitch::new(*key).unwrap(), velocity: 80 });
        }
        s.tracks = vec![m, b];
        let end = s.end();
        let n = chords.len() as u32;
        let bars = end / bar + 1;
        for (i, (root, q)) in chords.iter().enumerate() {
            let start = bars * bar * i as u32 / n;
            let stop = bars * bar * (i as u32 + 1) / n;
            let chord = Chord::new(improv::music::PitchClass::new(*root as i32), improv::music::Quality::ALL[*q]);
            if let Some(last) = s.chords.last_mut().filter(|l: &&mut ChordSpan| l.chord == chord) {
                last.dur = stop - last.start;
            } else {
                s.chords.push(ChordSpan { start, dur: stop - start, chord });
            }
        }
        // A tempo change inside the piece (one past its end would lengthen the file).
        if let Some((beat, b2)) = tempo_change.filter(|(beat, _)| beat * PPQ < s.end()) {
            s.tempos.push(Tempo::from_bpm(beat * PPQ, b2));
        }
        s.normalize();
        let back = parse_bytes(&to_bytes(&s), &ImportOptions::default()).unwrap().score;
        prop_assert_eq!(&back.melody().unwrap().notes, &s.melody().unwrap().notes);
        prop_assert_eq!(&back.track(Role::Bass).unwrap().notes, &s.track(Role::Bass).unwrap().notes);
        prop_assert_eq!(&back.tempos, &s.tempos);
        prop_assert_eq!(&back.time_sigs, &s.time_sigs);
        prop_assert_eq!(&back.chords, &s.chords);
        prop_assert_eq!(&back.title, &s.title);
    }
}

#[test]
fn smpte_time_division_is_read_in_real_time() {
    // 25 fps × 40 subframes = 1000 ticks a second: a 1500-tick note lasts 1.5 s.
    let s = Smf {
        header: Header::new(Format::SingleTrack, Timing::Timecode(midly::Fps::Fps25, 40)),
        tracks: vec![vec![
            on(500, 0, 67, 90),
            off(1500, 0, 67),
            meta(0, MetaMessage::EndOfTrack),
        ]],
    };
    let mut bytes = Vec::new();
    s.write_std(&mut bytes).unwrap();
    let imp = import(&bytes);
    let sc = &imp.score;
    let n = sc.melody().unwrap().notes[0];
    assert!((sc.seconds_at(n.start) - 0.5).abs() < 1e-3);
    assert!((sc.seconds_at(n.start + n.dur) - 2.0).abs() < 1e-3);
    assert!(
        imp.warnings.iter().any(|w| w.contains("SMPTE")),
        "{:?}",
        imp.warnings
    );
}

#[test]
fn format_2_plays_its_patterns_one_after_another() {
    // Two sequential patterns of one bar each: the second starts where the first ends.
    let a = vec![on(0, 0, 72, 90), off(PPQ * 4, 0, 72)];
    let b = vec![on(0, 0, 76, 90), off(PPQ * 4, 0, 76)];
    let imp = import(&smf(Format::Sequential, PPQ as u16, vec![a, b]));
    let mut starts: Vec<u32> = imp
        .score
        .tracks
        .iter()
        .flat_map(|t| t.notes.iter().map(|n| n.start))
        .collect();
    starts.sort();
    assert_eq!(starts, vec![0, PPQ * 4]);
}

#[test]
fn damaged_files_that_still_parse_say_they_are_damaged() {
    let good = smf(
        Format::Parallel,
        480,
        vec![
            vec![meta(0, MetaMessage::Tempo(u24::new(500_000)))],
            vec![
                on(0, 0, 60, 90),
                off(480, 0, 60),
                on(0, 0, 62, 90),
                off(480, 0, 62),
            ],
        ],
    );
    assert!(
        import(&good).warnings.is_empty(),
        "an intact file has no warnings"
    );
    // Cut inside the last track: whatever midly recovers comes with a warning.
    if let Ok(imp) = parse_bytes(&good[..good.len() - 6], &ImportOptions::default()) {
        assert!(
            imp.warnings.iter().any(|w| w.contains("damaged")),
            "{:?}",
            imp.warnings
        );
    }
    // A track length far beyond the file: the dataset names the damage, whether midly
    // recovered notes (a warning on the file) or not (the reason it was skipped).
    let mut bad = good.clone();
    let second = bad
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == b"MTrk")
        .nth(1)
        .map(|(i, _)| i)
        .unwrap();
    bad[second + 4..second + 8].copy_from_slice(&[0x70, 0, 0, 0]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-length.mid");
    std::fs::write(&path, &bad).unwrap();
    let opts = improv::dataset::DatasetOptions::default();
    match improv::dataset::load(&[path], &opts, &mut |_, _| {}) {
        Ok(ds) => {
            let said: Vec<&String> = ds
                .failed
                .iter()
                .map(|f| &f.reason)
                .chain(ds.files.iter().flat_map(|f| &f.warnings))
                .collect();
            assert!(said.iter().any(|w| w.contains("damaged")), "{said:?}");
        }
        Err(e) => assert!(e.to_string().contains("damaged"), "{e}"),
    }
}
