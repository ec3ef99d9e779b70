//! MIDI import over odd files the tests make themselves, and the export round trip.

use improv::midi::export::{to_bytes, write_file};
use improv::midi::import::{ChordSource, ImportOptions, TrackSelector, parse_bytes, read_file};
use improv::music::{Chord, ChordSpan, Note, PPQ, Pitch, Role, Score, Tempo, TimeSig, Track};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use proptest::prelude::*;

fn on(delta: u32, ch: u8, key: u8, vel: u8) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Midi {
            channel: u4::new(ch),
            message: MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            },
        },
    }
}
fn off(delta: u32, ch: u8, key: u8) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Midi {
            channel: u4::new(ch),
            message: MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(0),
            },
        },
    }
}
fn meta(delta: u32, m: MetaMessage<'static>) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Meta(m),
    }
}
fn smf(format: Format, tpq: u16, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
    let mut tracks = tracks;
    for t in &mut tracks {
        t.push(meta(0, MetaMessage::EndOfTrack));
    }
    let s = Smf {
        header: Header::new(format, Timing::Metrical(u15::new(tpq))),
        tracks,
    };
    let mut out = Vec::new();
    s.write_std(&mut out).unwrap();
    out
}
fn import(bytes: &[u8]) -> improv::midi::import::Imported {
    parse_bytes(bytes, &ImportOptions::default()).unwrap()
}

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
fn chord_markers_win_and_comping_is_estimated_otherwise() {
    let marked = vec![
        meta(0, MetaMessage::Marker(b"Dm7")),
        meta(1920, MetaMessage::Marker(b"G7")),
        meta(1920, MetaMessage::Marker(b"not a chord")),
    ];
    let mel = vec![on(0, 0, 74, 90), off(3840, 0, 74)];
    let imp = import(&smf(Format::Parallel, 480, vec![marked, mel]));
    assert_eq!(imp.chord_source, ChordSource::Markers);
    let names: Vec<String> = imp
        .score
        .chords
        .iter()
        .map(|c| c.chord.to_string())
        .collect();
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
    let names: Vec<String> = imp
        .score
        .chords
        .iter()
        .map(|c| c.chord.to_string())
        .collect();
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

/// One track from notes given as (start, end, channel, key) in absolute ticks.
fn track_of(notes: &[(u32, u32, u8, u8)]) -> Vec<TrackEvent<'static>> {
    let mut evs: Vec<(u32, bool, u8, u8)> = Vec::new();
    for &(start, end, ch, key) in notes {
        evs.push((start, true, ch, key));
        evs.push((end, false, ch, key));
    }
    evs.sort_by_key(|e| (e.0, e.1)); // offs before ons at the same tick
    let mut now = 0;
    evs.into_iter()
        .map(|(t, is_on, ch, key)| {
            let delta = t - now;
            now = t;
            if is_on {
                on(delta, ch, key, 80)
            } else {
                off(delta, ch, key)
            }
        })
        .collect()
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
    let names: Vec<String> = imp.score.chords[..2]
        .iter()
        .map(|c| c.chord.to_string())
        .collect();
    assert_eq!(names, ["Dm7", "G7"]);
}

fn mel_track() -> Vec<TrackEvent<'static>> {
    vec![
        on(0, 0, 76, 90),
        off(960, 0, 76),
        on(0, 0, 79, 90),
        off(960, 0, 79),
    ]
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
