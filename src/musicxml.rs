//! MusicXML in (.musicxml, .xml, compressed .mxl): parts, ties, tempo, meter and harmony → the same `Imported` as a MIDI file.
//!
//! Each part is a track; roles are picked as for MIDI. Times are rescaled from the file's
//! divisions to 480 ticks per quarter note. A tied note is one note, also across barlines.
//! Grace notes take no time in MusicXML and are left out. Repeats are read as written (not
//! unfolded). `<harmony>` is the chord track. A short first measure is a pickup: it is
//! placed at the end of a full first bar so that bar lines stay where the meter puts them.

mod build;
mod harmony;
mod mxl;
mod part;
mod xml;

use crate::midi::MidiError;
use crate::midi::import::{ImportOptions, Imported};
use std::path::Path;

/// Files (and uncompressed .mxl entries) larger than this are refused.
pub const MAX_XML_BYTES: usize = 64 * 1024 * 1024;
/// Measures per score and notes per score beyond these are refused.
pub const MAX_MEASURES: usize = 100_000;
pub const MAX_NOTES: usize = crate::midi::import::MAX_NOTES;
/// Parts beyond this are refused.
pub const MAX_PARTS: usize = 256;
/// Times are kept below this tick (about 40 hours at 120 bpm), as for MIDI.
const MAX_TICK: u64 = 1 << 27;

/// Whether `bytes` look like MusicXML: a zip (.mxl) or XML text naming a score.
pub fn looks_like_musicxml(bytes: &[u8]) -> bool {
    if mxl::is_zip(bytes) {
        return true;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_string();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<?xml")
        || head.contains("<score-partwise")
        || head.contains("<score-timewise")
}

/// Reads a .musicxml, .xml or .mxl file.
pub fn read_file(path: &Path, opts: &ImportOptions) -> Result<Imported, MidiError> {
    let invalid = |reason: String| MidiError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let io = |source| MidiError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_XML_BYTES as u64 {
        return Err(invalid(format!(
            "file is {len} bytes; improv reads MusicXML files up to {MAX_XML_BYTES} bytes"
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let mut imported = parse_bytes(&bytes, opts).map_err(invalid)?;
    if imported.score.title.is_empty() {
        imported.score.title = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    Ok(imported)
}

/// Parses a whole MusicXML or .mxl file held in memory; the error is the reason alone.
pub fn parse_bytes(bytes: &[u8], opts: &ImportOptions) -> Result<Imported, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.len() > MAX_XML_BYTES {
        return Err(format!("file is larger than {MAX_XML_BYTES} bytes"));
    }
    let unzipped;
    let xml_bytes = if mxl::is_zip(bytes) {
        unzipped = mxl::root_document(bytes)?;
        &unzipped[..]
    } else {
        bytes
    };
    let text = xml::decode(xml_bytes)?;
    let doc = build::read_document(&text)?;
    build::imported(doc, opts)
}
