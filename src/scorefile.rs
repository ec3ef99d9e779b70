//! One entry point for every score file improv reads: MIDI or MusicXML, told apart by content.

use crate::midi::MidiError;
use crate::midi::import::{ImportOptions, Imported};
use std::io::Read;
use std::path::Path;

/// The extensions improv reads, lower case.
pub const SCORE_EXTENSIONS: [&str; 5] = ["mid", "midi", "musicxml", "mxl", "xml"];

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// The first bytes of a file (empty when it cannot be read: the reader then says why).
fn head(path: &Path) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(4096).read_to_end(&mut buf);
    }
    buf
}

/// Whether a file found in a folder is a score to read: a MIDI, .musicxml or .mxl file by
/// its extension, or an .xml file that holds a MusicXML score (not any XML file).
pub fn is_score_file(path: &Path) -> bool {
    match extension(path).as_deref() {
        Some("xml") => {
            let head = head(path);
            let text = String::from_utf8_lossy(&head);
            text.contains("<score-partwise") || text.contains("<score-timewise")
        }
        Some(e) => SCORE_EXTENSIONS.contains(&e),
        None => false,
    }
}

/// Reads a MIDI or MusicXML (.musicxml, .xml, .mxl) file, whichever it holds.
pub fn read_any(path: &Path, opts: &ImportOptions) -> Result<Imported, MidiError> {
    let head = head(path);
    if head.starts_with(b"MThd") {
        return crate::midi::import::read_file(path, opts);
    }
    if crate::musicxml::looks_like_musicxml(&head) {
        return crate::musicxml::read_file(path, opts);
    }
    match extension(path).as_deref() {
        Some("mid" | "midi") => crate::midi::import::read_file(path, opts),
        Some("musicxml" | "xml" | "mxl") => crate::musicxml::read_file(path, opts),
        // A missing or unreadable file: the MIDI reader names the I/O error.
        _ if !path.is_file() => crate::midi::import::read_file(path, opts),
        _ => Err(MidiError::Invalid {
            path: path.to_path_buf(),
            reason:
                "not a MIDI or MusicXML file (improv reads .mid, .midi, .musicxml, .xml and .mxl)"
                    .into(),
        }),
    }
}
