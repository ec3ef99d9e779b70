//! iReal Pro charts: `irealb://` and `irealbook://` links (one song or a playlist, in a
//! page or alone) read into progressions as a player reads them once through the form.

mod cells;
mod chart;
mod form;
mod link;
mod order;
mod scramble;
#[cfg(test)]
mod tests;

pub use link::{find_links, percent_decode, percent_encode};

pub use scramble::MUSIC_PREFIX;

use super::Progression;

/// Why a link or page gave no songs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IrealError {
    #[error("not an iReal Pro link (irealb:// or irealbook://): {0:?}")]
    NotALink(String),
    #[error("the link holds no songs")]
    NoSongs,
    #[error("song {song} ({title:?}): {reason}")]
    BadSong {
        song: usize,
        title: String,
        reason: String,
    },
    #[error("song {song} ({title:?}) has no bars")]
    NoBars { song: usize, title: String },
    #[error("no irealb:// or irealbook:// links in it")]
    NoLinks,
}

/// One song: its progression (title, composer, style, key, meter and tempo in its meta,
/// with what could not be read) and the song as a one-song link.
#[derive(Clone, Debug, PartialEq)]
pub struct Song {
    pub progression: Progression,
    pub link: String,
}

/// A link's songs and the playlist's name.
#[derive(Clone, Debug, PartialEq)]
pub struct Playlist {
    pub name: Option<String>,
    pub songs: Vec<Song>,
}

/// Reads one `irealb://` or `irealbook://` link.
pub fn read_link(text: &str) -> Result<Playlist, IrealError> {
    let (raws, name) = link::read_link(text)?;
    let songs = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| chart::song(raw, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Playlist { name, songs })
}

/// Reads every link in a text or HTML page, its songs in order.
pub fn read_page(text: &str) -> Result<Playlist, IrealError> {
    let links = find_links(text);
    if links.is_empty() {
        return Err(IrealError::NoLinks);
    }
    let mut all = Playlist {
        name: None,
        songs: Vec::new(),
    };
    for l in links {
        let p = read_link(&l)?;
        all.name = all.name.or(p.name);
        all.songs.extend(p.songs);
    }
    Ok(all)
}

/// Whether a text is an iReal link (so a caller reads it as one).
pub fn is_link(text: &str) -> bool {
    let t = text.trim_start().to_ascii_lowercase();
    t.starts_with("irealb://") || t.starts_with("irealbook://")
}
