//! MusicXML documents built as strings, piece by piece, for the MusicXML tests.

use improv::midi::import::{ImportOptions, Imported};
use improv::musicxml::parse_bytes;
use std::path::{Path, PathBuf};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
"#;

/// A partwise score: parts as (name, extra score-part XML, measures).
pub fn doc(parts: &[(&str, &str, &str)]) -> String {
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

pub fn attrs(divisions: u32, beats: u8, beat_type: u8) -> String {
    format!(
        "<attributes><divisions>{divisions}</divisions><key><fifths>0</fifths></key>\
         <time><beats>{beats}</beats><beat-type>{beat_type}</beat-type></time></attributes>"
    )
}

/// A note like `Bb4`, `F#5`, `C4` lasting `dur` divisions; `extra` goes inside `<note>`.
pub fn note(name: &str, dur: u32, extra: &str) -> String {
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

pub fn rest(dur: u32) -> String {
    format!("<note><rest/><duration>{dur}</duration></note>")
}

/// A `<harmony>` with the display text exporters write beside the kind.
pub fn harmony(root: &str, kind: &str, text: &str, inner: &str) -> String {
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

pub fn measure(n: usize, content: &str) -> String {
    format!("<measure number=\"{n}\">{content}</measure>\n")
}

pub fn import(xml: &str) -> Imported {
    parse_bytes(xml.as_bytes(), &ImportOptions::default()).unwrap()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn lead_sheet() -> String {
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

/// A piano comping in chords (upper part) and a tenor sax solo written an octave and a
/// tone up (lower part), with the sax's chord symbols written in its key.
pub fn band() -> String {
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
