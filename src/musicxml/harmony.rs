//! `<harmony>` → a chord symbol string → a Chord, and the chord track the symbols make.

use super::xml::Node;
use crate::music::{Chord, ChordSpan, Tick};

/// What one `<harmony>` says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum HarmonyMark {
    Chord(Chord),
    /// Kind `none`: no chord sounds from here.
    NoChord,
    /// A symbol the chord parser did not accept (the chord before it holds).
    Unparsed(String),
}

/// The symbol a `<harmony>` spells, in the form the chord parser reads:
/// root, MusicXML kind, degrees in parentheses, slash bass (`Gdominant(b9,#11)/B`).
/// `None` when it has no root (a function or numeral only).
pub(crate) fn symbol(h: &Node) -> Option<String> {
    let kind = h
        .text_of("kind")
        .filter(|k| !k.is_empty())
        .unwrap_or("major");
    let degrees: Vec<String> = h.children_named("degree").filter_map(degree).collect();
    let degrees = if degrees.is_empty() {
        String::new()
    } else {
        format!("({})", degrees.join(","))
    };
    Some(format!("{}{kind}{degrees}{}", root_name(h)?, bass(h)))
}

fn root_name(h: &Node) -> Option<String> {
    let root = h.child("root")?;
    note_name(root.text_of("root-step")?, root.num_of("root-alter"))
}

/// `/Bb` from `<bass>`, or nothing.
fn bass(h: &Node) -> String {
    h.child("bass")
        .and_then(|b| note_name(b.text_of("bass-step")?, b.num_of("bass-alter")))
        .map_or(String::new(), |name| format!("/{name}"))
}

/// `C`, `Bb`, `F#` from a step and an alteration in semitones.
fn note_name(step: &str, alter: Option<f64>) -> Option<String> {
    let step = step.trim().to_ascii_uppercase();
    if step.len() != 1 || !"ABCDEFG".contains(step.as_str()) {
        return None;
    }
    let alter = alter.unwrap_or(0.0).round().clamp(-2.0, 2.0) as i32;
    let accidental = if alter < 0 { "b" } else { "#" };
    Some(step + &accidental.repeat(alter.unsigned_abs() as usize))
}

/// One `<degree>`: `add9`, `addb9`, `#11`, `b5`, `no3`.
fn degree(d: &Node) -> Option<String> {
    let value = d.num_of("degree-value")?.round() as i32;
    if !(1..=13).contains(&value) {
        return None;
    }
    let alter = d.num_of("degree-alter").unwrap_or(0.0).round() as i32;
    let acc = match alter {
        a if a < 0 => "b".repeat(a.unsigned_abs().min(2) as usize),
        a => "#".repeat(a.min(2) as usize),
    };
    Some(match d.text_of("degree-type")? {
        "add" => format!("add{acc}{value}"),
        "alter" => format!("{acc}{value}"),
        "subtract" => format!("no{value}"),
        _ => return None,
    })
}

/// Reads a `<harmony>`; `transpose` takes a transposing part's written chord to concert pitch.
pub(crate) fn read(h: &Node, transpose: i32) -> HarmonyMark {
    if h.text_of("kind") == Some("none") {
        return HarmonyMark::NoChord;
    }
    let Some(sym) = symbol(h) else {
        return HarmonyMark::Unparsed(describe(h));
    };
    let parsed = sym.parse::<Chord>().or_else(|e| {
        // Exporters also write the symbol as shown (`<kind text="m7">`): the same chord in
        // the spelling of lead sheets, tried when the MusicXML kind is not understood.
        match (h.child("kind").and_then(|k| k.attr("text")), root_name(h)) {
            (Some(text), Some(root)) if !text.is_empty() && !h.has("degree") => {
                format!("{root}{text}{}", bass(h)).parse::<Chord>()
            }
            _ => Err(e),
        }
    });
    match parsed {
        Ok(c) => HarmonyMark::Chord(c.transpose(transpose)),
        Err(_) => HarmonyMark::Unparsed(sym),
    }
}

/// A harmony without a root, for the list of symbols not read.
fn describe(h: &Node) -> String {
    let kind = h.text_of("kind").unwrap_or("");
    match h.text_of("numeral").or(h.text_of("function")) {
        Some(f) => format!("{f} {kind}").trim().to_string(),
        None => format!("(no root) {kind}").trim().to_string(),
    }
}

/// The chord track: each chord lasts until the next mark, a `none` ends it, a mark not
/// read keeps the chord before it; the last lasts until `end` (at least to its bar's end).
pub(crate) fn spans(
    marks: &[(Tick, HarmonyMark)],
    end: Tick,
    bar_end: impl Fn(Tick) -> Tick,
) -> Vec<ChordSpan> {
    let mut out: Vec<ChordSpan> = Vec::new();
    let mut open: Option<(Tick, Chord)> = None;
    let mut close = |open: &mut Option<(Tick, Chord)>, at: Tick| {
        if let Some((start, chord)) = open.take()
            && at > start
        {
            out.push(ChordSpan {
                start,
                dur: at - start,
                chord,
            });
        }
    };
    for (tick, mark) in marks {
        match mark {
            HarmonyMark::Chord(c) => {
                close(&mut open, *tick);
                open = Some((*tick, *c));
            }
            HarmonyMark::NoChord => close(&mut open, *tick),
            HarmonyMark::Unparsed(_) => {}
        }
    }
    if let Some((start, _)) = open {
        close(&mut open, end.max(bar_end(start)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::musicxml::xml::{Step, Xml};

    fn node(src: &str) -> Node {
        let mut x = Xml::new(src);
        let Step::Tag(t) = x.next_tag().unwrap() else {
            panic!("no element")
        };
        x.tree(t).unwrap()
    }

    #[test]
    fn symbols_spell_root_kind_degrees_and_bass() {
        let cases = [
            (
                "<harmony><root><root-step>G</root-step></root><kind>dominant</kind>\
                 <degree><degree-value>9</degree-value><degree-alter>-1</degree-alter><degree-type>alter</degree-type></degree>\
                 <degree><degree-value>11</degree-value><degree-alter>1</degree-alter><degree-type>alter</degree-type></degree>\
                 <bass><bass-step>B</bass-step></bass></harmony>",
                "Gdominant(b9,#11)/B",
            ),
            (
                "<harmony><root><root-step>B</root-step><root-alter>-1</root-alter></root>\
                 <kind text=\"m7\">minor-seventh</kind></harmony>",
                "Bbminor-seventh",
            ),
            (
                "<harmony><root><root-step>F</root-step><root-alter>1</root-alter></root>\
                 <kind>half-diminished</kind><bass><bass-step>E</bass-step><bass-alter>-1</bass-alter></bass></harmony>",
                "F#half-diminished/Eb",
            ),
            (
                "<harmony><root><root-step>C</root-step></root><kind>major</kind>\
                 <degree><degree-value>9</degree-value><degree-alter>0</degree-alter><degree-type>add</degree-type></degree>\
                 <degree><degree-value>3</degree-value><degree-alter>0</degree-alter><degree-type>subtract</degree-type></degree></harmony>",
                "Cmajor(add9,no3)",
            ),
            (
                "<harmony><root><root-step>D</root-step></root><kind/></harmony>",
                "Dmajor",
            ),
        ];
        for (xml, want) in cases {
            assert_eq!(symbol(&node(xml)).as_deref(), Some(want));
        }
        let numeral = node(
            "<harmony><numeral><numeral-root>5</numeral-root></numeral><kind>dominant</kind></harmony>",
        );
        assert_eq!(symbol(&numeral), None);
        assert!(matches!(read(&numeral, 0), HarmonyMark::Unparsed(_)));
    }

    #[test]
    fn kind_none_is_no_chord_and_spans_hold_over_unread_marks() {
        let none =
            node("<harmony><root><root-step>C</root-step></root><kind>none</kind></harmony>");
        assert_eq!(read(&none, 0), HarmonyMark::NoChord);
        let c7: Chord = "C7".parse().unwrap();
        let marks = [
            (0, HarmonyMark::Chord(c7)),
            (480, HarmonyMark::Unparsed("Cxyz".into())),
            (960, HarmonyMark::NoChord),
            (1440, HarmonyMark::Chord(c7)),
        ];
        let s = spans(&marks, 1500, |_| 1920);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].start, s[0].dur), (0, 960));
        assert_eq!((s[1].start, s[1].dur), (1440, 480));
    }
}
