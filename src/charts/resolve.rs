//! One resolver for every progression argument: an iReal Pro link, a page of links, a
//! preset, a typed chart, a title in the chart library, or a single chord.

use super::{ChartError, Library, read_source};
use crate::music::ireal::{self, Song};
use crate::music::{Progression, ProgressionError};
use std::path::Path;

/// Page extensions read for iReal links.
const PAGE_EXTENSIONS: [&str; 3] = ["html", "htm", "txt"];

/// Resolves `arg`: a link, an .html/.htm/.txt file of links, a preset, a typed chart, a
/// title (or unique title prefix) in the library in `dir`, or a chord. Reads files.
pub fn resolve(arg: &str, dir: Option<&Path>) -> Result<Progression, ChartError> {
    let is_page = Path::new(arg.trim())
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if is_page && !ireal::is_link(arg) {
        return only_song(read_source(arg.trim())?, arg.trim());
    }
    if needs_library(arg)
        && let Some(dir) = dir
    {
        let lib = Library::open(dir)?;
        return resolve_text(arg, Some(&lib));
    }
    resolve_text(arg, None)
}

/// Whether `arg` is none of the things read without the library.
fn needs_library(arg: &str) -> bool {
    !ireal::is_link(arg) && !arg.contains('|') && Progression::preset(arg.trim()).is_none()
}

/// Resolves `arg` without reading files: a link, a preset, a typed chart, a title in
/// `library`, or a chord.
pub fn resolve_text(arg: &str, library: Option<&Library>) -> Result<Progression, ChartError> {
    let arg = arg.trim();
    if ireal::is_link(arg) {
        return only_song(read_source(arg)?, "the link");
    }
    if let Some(p) = Progression::preset(arg) {
        return Ok(p);
    }
    if arg.contains('|') {
        return Ok(Progression::parse("chart", arg)?);
    }
    // A chord is a one-bar vamp, even where a title starts with it.
    let chord = !arg.contains(' ') && arg.parse::<crate::music::Chord>().is_ok();
    if let Some(lib) = library.filter(|_| !chord)
        && let Some(e) = lib.find(arg)?
    {
        return lib.progression(e);
    }
    match Progression::from_arg(arg) {
        Ok(p) => Ok(p),
        Err(ProgressionError::Unknown(_) | ProgressionError::BadChord { .. }) => {
            Err(ChartError::Unknown(arg.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The one song of a link or page (several: name one through the library).
fn only_song(songs: Vec<Song>, what: &str) -> Result<Progression, ChartError> {
    match <[Song; 1]>::try_from(songs) {
        Ok([s]) => Ok(s.progression),
        Err(songs) => Err(ChartError::ManySongs {
            what: what.chars().take(60).collect(),
            titles: songs.into_iter().map(|s| s.progression.name).collect(),
        }),
    }
}
