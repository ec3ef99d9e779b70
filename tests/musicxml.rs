//! MusicXML and .mxl import over small files the tests write themselves.

use improv::midi::import::{ChordSource, ImportOptions, Imported, TrackSelector};
use improv::music::{PPQ, Role, TimeSig};
use improv::musicxml::parse_bytes;
use improv::scorefile::read_any;
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
"#;

/// A partwise score: parts as (name, extra score-part XML, measures).
fn doc(parts: &[(&str, &str, &str)]) -> String {
    let mut list = String::new();
    let mut body = String::new();
    for (i, (name, extra, measures)) in parts.iter().enumerate() {
        let id = i + 1;
        list +=
            &format!(r#"<score-part id="P{id}"><part-name>{name}</part-name>{extra}</score-part>"#);
        body += &format!("<part id=\"P{id}\">\n{measures}</part>\n");
    }
    format!(
        "{HEAD}<score-partwise version=\"4.0\">\n<work><work-title>Test tune</work-title></work>\n\
         <part-list>{list}</part-list>\n{body}</score-partwise>\n"
    )
}

fn attrs(divisions: u32, beats: u8, beat_type: u8) -> String {
    format!(
        "<attributes><divisions>{divisions}</divisions><key><fifths>0</fifths></key>\
         <time><beats>{beats}</beats><beat-type>{beat_type}</beat-type></time></attributes>"
    )
}

/// A note like `Bb4`, `F#5`, `C4` lasting `dur` divisions; `extra` goes inside `<note>`.
fn note(name: &str, dur: u32, extra: &str) -> String {
    let (step, rest) = name.split_at(1);
    let (alter, octave) = match rest.strip_prefix('b') {
        Some(o) => ("<alter>-1</alter>", o),
        None => match rest.strip_prefix('#') {
            Some(o) => ("<alter>1</alter>", o),
            None => ("", rest),
        },
    };
    format!(
        "<note>{extra}<pitch><step>{step}</step>{alter}<octave>{octave}</octave></pitch>\
         <duration>{dur}</duration><voice>1</voice><type>quarter</type></note>"
    )
}

fn rest(dur: u32) -> String {
    format!("<note><rest/><duration>{dur}</duration></note>")
}

/// A `<harmony>` with the display text exporters write beside the kind.
fn harmony(root: &str, kind: &str, text: &str, inner: &str) -> String {
    let (step, alter) = match root.split_at(1) {
        (s, "b") => (s, "<root-alter>-1</root-alter>"),
        (s, "#") => (s, "<root-alter>1</root-alter>"),
        (s, _) => (s, ""),
    };
    format!(
        "<harmony><root><root-step>{step}</root-step>{alter}</root>\
         <kind text=\"{text}\">{kind}</kind>{inner}</harmony>"
    )
}

fn measure(n: usize, content: &str) -> String {
    format!("<measure number=\"{n}\">{content}</measure>\n")
}

fn import(xml: &str) -> Imported {
    parse_bytes(xml.as_bytes(), &ImportOptions::default()).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn lead_sheet() -> String {
    let m1 = attrs(2, 4, 4)
        + "<direction placement=\"above\"><direction-type><metronome><beat-unit>quarter</beat-unit>\
           <per-minute>140</per-minute></metronome></direction-type><sound tempo=\"140\"/></direction>"
        + &harmony("D", "minor-seventh", "m7", "")
        + &note("F4", 2, "")
        + &note("A4", 2, "")
        + "<note><grace/><pitch><step>B</step><octave>4</octave></pitch><voice>1</voice></note>"
        + &note("C5", 2, "")
        + &note("E5", 2, "");
    let m2 = harmony("G", "dominant", "7", "")
        + &note("D5", 2, "")
        + &note("B4", 2, "")
        + &harmony("C", "major-seventh", "maj7", "")
        + &note("C5", 4, "");
    let m3 = harmony("C", "other", "Xq", "") + &note("E5", 4, "") + &rest(4);
    let m4 = harmony("C", "none", "N.C.", "") + &rest(8);
    doc(&[(
        "Trumpet",
        "",
        &(measure(1, &m1) + &measure(2, &m2) + &measure(3, &m3) + &measure(4, &m4)),
    )])
}

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

/// A piano comping in chords (upper part) and a tenor sax solo written an octave and a
/// tone up (lower part), with the sax's chord symbols written in its key.
fn band() -> String {
    let piano = attrs(1, 4, 4)
        + &note("D4", 2, "")
        + &note("F4", 2, "<chord/>")
        + &note("C5", 2, "<chord/>")
        + &note("D4", 2, "")
        + &note("F4", 2, "<chord/>")
        + &note("C5", 2, "<chord/>");
    let sax = attrs(1, 4, 4)
        + "<attributes><transpose><diatonic>-1</diatonic><chromatic>-2</chromatic>\
           <octave-change>-1</octave-change></transpose></attributes>"
        + &harmony("E", "minor-seventh", "m7", "")
        + &note("E5", 1, "")
        + &note("G5", 1, "")
        + &note("B5", 1, "")
        + &note("D6", 1, "");
    let piano_midi = "<midi-instrument id=\"P1-I1\"><midi-channel>2</midi-channel>\
                      <midi-program>1</midi-program></midi-instrument>";
    doc(&[
        ("Piano", piano_midi, &measure(1, &piano)),
        ("Tenor Sax", "", &measure(1, &sax)),
    ])
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

fn mxl(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container><rootfiles><rootfile full-path="score/lead.musicxml" media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>"#;

#[test]
fn compressed_mxl_reads_like_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let xml = lead_sheet();
    let zipped = mxl(&[
        ("mimetype", b"application/vnd.recordare.musicxml"),
        ("META-INF/container.xml", CONTAINER.as_bytes()),
        ("score/lead.musicxml", xml.as_bytes()),
    ]);
    let plain = read_any(
        &write(dir.path(), "lead.musicxml", xml.as_bytes()),
        &Default::default(),
    )
    .unwrap();
    let packed = read_any(&write(dir.path(), "lead.mxl", &zipped), &Default::default()).unwrap();
    assert_eq!(plain.score, packed.score);
    assert_eq!(packed.score.melody().unwrap().notes.len(), 8);

    // Cut short, the archive is refused with a reason naming the file.
    let cut = write(dir.path(), "cut.mxl", &zipped[..zipped.len() / 2]);
    let e = read_any(&cut, &Default::default()).unwrap_err().to_string();
    assert!(e.contains("cut.mxl") && e.contains(".mxl"), "{e}");
    // A zip without the score it names.
    let empty = mxl(&[("META-INF/container.xml", CONTAINER.as_bytes())]);
    let e = read_any(&write(dir.path(), "empty.mxl", &empty), &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("empty.mxl") && e.contains("score/lead.musicxml"),
        "{e}"
    );
}

#[test]
fn broken_and_foreign_files_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_sheet();
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "broken.musicxml",
            b"<?xml version=\"1.0\"?>\n<score-partwise>\n<part-list></part-lis>\n</score-partwise>",
            "line 3",
        ),
        ("short.xml", &lead.as_bytes()[..900], "cut short"),
        ("page.xml", b"<?xml version=\"1.0\"?><html><body/></html>", "<html>"),
        ("opus.musicxml", b"<?xml version=\"1.0\"?><opus/>", "opus"),
        ("notes.txt", b"hello", "not a MIDI or MusicXML file"),
        (
            "divisions.musicxml",
            b"<score-partwise><part id=\"P1\"><measure number=\"4\"><attributes><divisions>0</divisions></attributes></measure></part></score-partwise>",
            "measure 4",
        ),
    ];
    for (name, bytes, says) in cases {
        let e = read_any(&write(dir.path(), name, bytes), &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(name) && e.contains(says), "{name}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}

#[test]
fn datasets_find_musicxml_but_not_other_xml() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tune.musicxml", lead_sheet().as_bytes());
    write(dir.path(), "band.xml", band().as_bytes());
    write(
        dir.path(),
        "settings.xml",
        b"<?xml version=\"1.0\"?><settings/>",
    );
    let files = improv::dataset::midi_files(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["band.xml", "tune.musicxml"]);
    let ds = improv::dataset::load(
        &[dir.path().to_path_buf()],
        &Default::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(ds.files.len(), 2, "{:?}", ds.failed);
    let changes =
        improv::generate::Changes::from_arg(dir.path().join("tune.musicxml").to_str().unwrap())
            .unwrap();
    assert_eq!(changes.bpm.map(|b| b.round()), Some(140.0));
    assert_eq!(changes.spans[0].chord.to_string(), "Dm7");
}

/// A mutation of a document: cut, drop a piece, repeat a piece, or splice in markup.
fn mutate(src: &[u8], kind: u8, at: usize, len: usize, junk: &str) -> Vec<u8> {
    let at = at % (src.len() + 1);
    let end = (at + len).min(src.len());
    let mut out = src.to_vec();
    match kind % 4 {
        0 => out.truncate(at),
        1 => {
            out.drain(at..end);
        }
        2 => {
            let piece = src[at..end].to_vec();
            out.splice(at..at, piece);
        }
        _ => {
            out.splice(at..at, junk.bytes());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_musicxml_never_panics(
        kinds in proptest::collection::vec((0u8..4, 0usize..20_000, 0usize..400), 1..4),
        junk in prop_oneof![
            Just("<note>"), Just("</measure>"), Just("<chord/>"), Just("<backup><duration>99999999999</duration></backup>"),
            Just("<divisions>7</divisions>"), Just("<duration>-5</duration>"), Just("<tie type=\"stop\"/>"),
            Just("<octave>9999</octave>"), Just("&bogus;"), Just("<![CDATA[x]]>"), Just("<time><beats>0</beats></time>"),
            Just("<harmony><root><root-step>Q</root-step></root><kind>none</kind></harmony>"), Just("\u{0}\u{ff}"),
        ],
    ) {
        let mut xml = band().into_bytes();
        let lead = lead_sheet().into_bytes();
        for (i, &(k, at, len)) in kinds.iter().enumerate() {
            xml = mutate(&xml, k, at, len, junk);
            let _ = parse_bytes(&mutate(&lead, k, at + i, len, junk), &ImportOptions::default());
        }
        let _ = parse_bytes(&xml, &ImportOptions::default());
        let zipped = mxl(&[("META-INF/container.xml", CONTAINER.as_bytes()), ("score/lead.musicxml", &xml)]);
        let _ = parse_bytes(&zipped, &ImportOptions::default());
        let (k, at, len) = kinds[0];
        let _ = parse_bytes(&mutate(&zipped, k, at, len, junk), &ImportOptions::default());
    }
}
