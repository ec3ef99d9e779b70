//! MusicXML files on disk: compressed .mxl archives, broken and foreign files, datasets
//! that find scores among other XML, and mutated documents that must never panic.

#[allow(dead_code)] // each file uses some of the shared builders
mod common {
    pub mod musicxml;
}

use common::musicxml::{band, lead_sheet, write};
use improv::midi::import::ImportOptions;
use improv::musicxml::parse_bytes;
use improv::scorefile::read_any;
use proptest::prelude::*;
use std::io::Write;

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
