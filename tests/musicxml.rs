//! MusicXML import over small files the tests write themselves: notes, ties, tuplets,
//! voices, meters, chord symbols and transposing parts.

#[allow(dead_code)] // each file uses some of the shared builders
mod common {
    pub mod musicxml;
}

use common::musicxml::{attrs, band, doc, harmony, import, lead_sheet, measure, note, rest};
use improv::midi::import::{ChordSource, ImportOptions, TrackSelector};
use improv::music::{PPQ, Role, TimeSig};
use improv::musicxml::parse_bytes;

#[test]
fn lead_sheet_gives_melody_chords_and_tempo() {
    let imp = import(&lead_sheet());
    assert_eq!(imp.score.title, "Test tune");
    assert_eq!(imp.chord_source, ChordSource::Markers);
    assert!((imp.score.bpm() - 140.0).abs() < 0.01);
    let mel = imp.score.melody().unwrap();
    // The grace note takes no time and is left out.
    let starts: Vec<u32> = mel.notes.iter().map(|n| n.start).collect();
    assert_eq!(starts, [0, 480, 960, 1440, 1920, 2400, 2880, 3840]);
    assert_eq!(mel.notes[0].pitch.key(), 65);
    let chords: Vec<(u32, u32, String)> = imp
        .score
        .chords
        .iter()
        .map(|c| (c.start, c.dur, c.chord.to_string()))
        .collect();
    // Dm7, G7, Cmaj7 (held through the symbol not understood), then no chord.
    assert_eq!(chords[0], (0, 1920, "Dm7".to_string()));
    assert_eq!(chords[1], (1920, 960, "G7".to_string()));
    assert_eq!((chords[2].0, chords[2].1), (2880, 5760 - 2880));
    assert_eq!(
        chords[2]
            .2
            .parse::<improv::music::Chord>()
            .unwrap()
            .root
            .index(),
        0
    );
    assert_eq!(chords.len(), 3);
    assert_eq!(imp.unparsed_chords, ["Cother"]);
    assert!(imp.warnings.iter().any(|w| w.contains("Cother")));
    assert_eq!(imp.score.bar_starts(), [0, 1920, 3840]);
}

#[test]
fn degrees_and_bass_are_never_silently_lost() {
    let deg = |t: &str, v: u8, a: i8| {
        format!(
            "<degree><degree-value>{v}</degree-value><degree-alter>{a}</degree-alter>\
             <degree-type>{t}</degree-type></degree>"
        )
    };
    let inner = deg("alter", 9, -1) + &deg("add", 11, 1) + "<bass><bass-step>B</bass-step></bass>";
    let m = attrs(1, 4, 4) + &harmony("G", "dominant", "7", &inner) + &note("B4", 4, "");
    let imp = import(&doc(&[("Sax", "", &measure(1, &m))]));
    let read =
        imp.score.chords.first().is_some_and(|c| {
            c.chord.root.index() == 7 && c.chord.bass.map(|b| b.index()) == Some(11)
        });
    let listed = imp.unparsed_chords == ["Gdominant(b9,add#11)/B"];
    assert!(
        read || listed,
        "{:?} {:?}",
        imp.score.chords,
        imp.unparsed_chords
    );
}

#[test]
fn a_tied_note_across_the_barline_is_one_note() {
    let m1 = attrs(2, 4, 4)
        + &rest(6)
        + &note("C5", 2, "")
            .replace("</duration>", "</duration><tie type=\"start\"/>")
            .replace(
                "</type>",
                "</type><notations><tied type=\"start\"/></notations>",
            );
    let m2 = note("C5", 4, "").replace("</duration>", "</duration><tie type=\"stop\"/>")
        + &note("D5", 4, "");
    let imp = import(&doc(&[("Sax", "", &(measure(1, &m1) + &measure(2, &m2)))]));
    let notes = &imp.score.melody().unwrap().notes;
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!((notes[0].start, notes[0].dur), (3 * PPQ, 3 * PPQ));
    assert_eq!((notes[1].start, notes[1].dur), (6 * PPQ, 2 * PPQ));
}

#[test]
fn triplets_chords_voices_and_changing_divisions() {
    let tm = "<time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification>";
    // Divisions 3: an eighth-note triplet, a dotted half; a second voice after <backup>.
    let m1 = attrs(3, 4, 4)
        + &note("C5", 1, "").replace("</type>", &format!("</type>{tm}"))
        + &note("D5", 1, "")
        + &note("E5", 1, "")
        + &note("F5", 9, "")
        + "<backup><duration>12</duration></backup><forward><duration>6</duration></forward>"
        + &note("C4", 6, "")
        + &note("E4", 6, "<chord/>");
    // Divisions 8 from here: a sixteenth and the rest of the bar.
    let m2 = "<attributes><divisions>8</divisions></attributes>".to_string()
        + &note("G5", 2, "")
        + &note("A5", 30, "");
    let imp = import(&doc(&[("Sax", "", &(measure(1, &m1) + &measure(2, &m2)))]));
    let notes: Vec<(u32, u32, u8)> = imp.score.tracks[0]
        .notes
        .iter()
        .map(|n| (n.start, n.dur, n.pitch.key()))
        .collect();
    assert_eq!(
        notes,
        [
            (0, 160, 72),
            (160, 160, 74),
            (320, 160, 76),
            (480, 1440, 77),
            (960, 960, 60),
            (960, 960, 64),
            (1920, 120, 79),
            (2040, 1800, 81)
        ]
    );
}

#[test]
fn meter_changes_pickups_and_tempo_marks() {
    // A one-beat pickup, then a 4/4 bar, then 3/4 with a metronome mark (60 per dotted
    // quarter = 90 per quarter, which holds from the start) and a <sound> tempo.
    let pickup = attrs(1, 4, 4) + &note("G4", 1, "");
    let m1 = note("C5", 4, "");
    let m2 = attrs(1, 3, 4)
        + "<direction><direction-type><metronome><beat-unit>quarter</beat-unit><beat-unit-dot/>\
           <per-minute>60</per-minute></metronome></direction-type></direction>"
        + &note("D5", 3, "");
    let m3 = "<sound tempo=\"72\"/>".to_string() + &note("E5", 3, "");
    let xml = doc(&[(
        "Flute",
        "",
        &("<measure number=\"0\" implicit=\"yes\">".to_string()
            + &pickup
            + "</measure>"
            + &measure(1, &m1)
            + &measure(2, &m2)
            + &measure(3, &m3)),
    )]);
    let imp = import(&xml);
    let starts: Vec<u32> = imp
        .score
        .melody()
        .unwrap()
        .notes
        .iter()
        .map(|n| n.start)
        .collect();
    assert_eq!(starts, [1440, 1920, 3840, 5280]);
    assert_eq!(
        imp.score.time_sigs,
        [
            TimeSig {
                tick: 0,
                num: 4,
                den: 4
            },
            TimeSig {
                tick: 3840,
                num: 3,
                den: 4
            }
        ]
    );
    assert_eq!(imp.score.bar_starts(), [0, 1920, 3840, 5280]);
    let tempos: Vec<(u32, f64)> = imp.score.tempos.iter().map(|t| (t.tick, t.bpm())).collect();
    assert_eq!(tempos.len(), 2, "{tempos:?}");
    assert_eq!(tempos[0].0, 0);
    assert!((tempos[0].1 - 90.0).abs() < 0.01);
    assert_eq!(tempos[1].0, 5280);
    assert!((tempos[1].1 - 72.0).abs() < 0.01);
}

#[test]
fn the_solo_in_the_lower_part_is_the_melody_at_concert_pitch() {
    let imp = import(&band());
    assert_eq!(imp.tracks.len(), 2);
    assert_eq!(imp.tracks[0].name, "Piano");
    assert_eq!(imp.tracks[0].channel, 1);
    assert_eq!(imp.tracks[0].role, Role::Chords);
    assert_eq!(imp.tracks[1].name, "Tenor Sax");
    assert_eq!(imp.tracks[1].role, Role::Melody);
    let mel = imp.score.melody().unwrap();
    // Written E5 sounds D4 on a tenor sax.
    assert_eq!(mel.notes[0].pitch.key(), 62);
    assert_eq!(imp.score.chords[0].chord.to_string(), "Dm7");
    // The user's choice still wins.
    let opts = ImportOptions {
        melody_track: Some(TrackSelector::Name("piano".into())),
    };
    let chosen = parse_bytes(band().as_bytes(), &opts).unwrap();
    assert_eq!(chosen.score.melody().unwrap().name, "Piano");
}

#[test]
fn timewise_scores_read_like_partwise_ones() {
    let body = "<measure number=\"1\"><part id=\"P1\">".to_string()
        + &attrs(1, 4, 4)
        + &note("C5", 2, "")
        + &note("D5", 2, "")
        + "</part></measure>";
    let xml = format!(
        "<?xml version=\"1.0\"?><score-timewise><part-list><score-part id=\"P1\">\
         <part-name>Voice</part-name></score-part></part-list>{body}</score-timewise>"
    );
    let notes = &import(&xml).score.tracks[0].notes;
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1].start, 960);
}
