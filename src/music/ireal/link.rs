//! The outside of an iReal Pro link: the scheme, percent-encoding, songs separated by `===`
//! with a playlist name last, each song's `=`-separated fields; and links found in a page.

use super::IrealError;
use super::scramble::{MUSIC_PREFIX, unscramble};

/// One song's fields as the link holds them, with the chord body in plain text.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSong {
    pub title: String,
    pub composer: String,
    pub style: String,
    pub key: String,
    pub bpm: Option<u16>,
    pub repeats: Option<u16>,
    /// The chord body, unscrambled.
    pub body: String,
    /// The song as a one-song link of its own (kept by the chart library).
    pub link: String,
}

/// The songs of one link and the playlist's name, if it has one.
pub fn read_link(link: &str) -> Result<(Vec<RawSong>, Option<String>), IrealError> {
    let link = link.trim();
    let (scrambled, rest) = if let Some(r) = strip_scheme(link, "irealb://") {
        (true, r)
    } else if let Some(r) = strip_scheme(link, "irealbook://") {
        (false, r)
    } else {
        let shown: String = link.chars().take(40).collect();
        return Err(IrealError::NotALink(shown));
    };
    let text = percent_decode(rest);
    let mut songs = Vec::new();
    let mut name = None;
    for part in text.split("===").filter(|p| !p.trim().is_empty()) {
        if !part.contains('=') {
            name = Some(part.trim().to_string());
            continue;
        }
        let song = if scrambled {
            new_song(part, songs.len() + 1)?
        } else {
            old_song(part, songs.len() + 1)?
        };
        songs.push(song);
    }
    if songs.is_empty() {
        return Err(IrealError::NoSongs);
    }
    Ok((songs, name))
}

fn strip_scheme<'a>(link: &'a str, scheme: &str) -> Option<&'a str> {
    let head = link.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &link[scheme.len()..])
}

/// `%XX` to bytes, read as UTF-8 (anything else stays as written; `+` is a sharp or an
/// augmented chord here, never a space).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every character but letters, digits and `-_.~` as `%XX`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `irealb://`: title=composer==style=key=transpose=music=groove=bpm=repeats, the music
/// field starting with the obfuscation prefix.
fn new_song(part: &str, n: usize) -> Result<RawSong, IrealError> {
    let f: Vec<&str> = part.split('=').collect();
    let at = f
        .iter()
        .position(|x| x.starts_with(MUSIC_PREFIX))
        .ok_or_else(|| IrealError::BadSong {
            song: n,
            title: f[0].trim().to_string(),
            reason: format!("no chord field (it starts with {MUSIC_PREFIX})"),
        })?;
    // The fields between composer and music that say something: style, then key.
    let mid: Vec<&str> = f[2.min(at)..at]
        .iter()
        .copied()
        .filter(|x| !x.trim().is_empty())
        .collect();
    let (style, key) = match at {
        6 => (f[3], f[4]),
        _ => (
            mid.first().copied().unwrap_or(""),
            mid.get(1).copied().unwrap_or(""),
        ),
    };
    let number = |i: usize| {
        f.get(i)
            .and_then(|x| x.trim().parse::<u16>().ok())
            .filter(|&v| v > 0)
    };
    Ok(RawSong {
        title: title(f[0]),
        composer: composer(f.get(1).copied().unwrap_or("")),
        style: style.trim().to_string(),
        key: key.trim().to_string(),
        bpm: number(at + 2),
        repeats: number(at + 3),
        body: unscramble(&f[at][MUSIC_PREFIX.len()..]),
        link: format!("irealb://{}", percent_encode(part)),
    })
}

/// `irealbook://`: title=composer=style=key=n=music, the music in plain text.
fn old_song(part: &str, n: usize) -> Result<RawSong, IrealError> {
    let f: Vec<&str> = part.split('=').collect();
    if f.len() < 5 {
        return Err(IrealError::BadSong {
            song: n,
            title: f[0].trim().to_string(),
            reason: "an irealbook song has title=composer=style=key=n=chords".into(),
        });
    }
    let body = f.get(5).copied().unwrap_or(f[f.len() - 1]);
    Ok(RawSong {
        title: title(f[0]),
        composer: composer(f[1]),
        style: f[2].trim().to_string(),
        key: f[3].trim().to_string(),
        bpm: None,
        repeats: None,
        body: body.to_string(),
        link: format!("irealbook://{}", percent_encode(part)),
    })
}

/// "Gentle Rain, The" is "The Gentle Rain".
fn title(t: &str) -> String {
    let t = t.trim();
    for article in ["The", "A", "An"] {
        if let Some(rest) = t.strip_suffix(&format!(", {article}")) {
            return format!("{article} {rest}");
        }
    }
    t.to_string()
}

/// iReal writes two-word names last name first ("Kosma Joseph").
fn composer(c: &str) -> String {
    let words: Vec<&str> = c.split_whitespace().collect();
    match words.as_slice() {
        [last, first] => format!("{first} {last}"),
        _ => words.join(" "),
    }
}

/// The iReal links in a text or HTML page: in quotes (an `href`) a link ends at the quote;
/// bare, at the end of its line.
pub fn find_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("irealb").map(|i| i + from) {
        let rest = &lower[i..];
        if !(rest.starts_with("irealb://") || rest.starts_with("irealbook://")) {
            from = i + 6;
            continue;
        }
        let quote = text[..i]
            .chars()
            .next_back()
            .filter(|c| matches!(c, '"' | '\''));
        let end = match quote {
            Some(q) => text[i..].find(q),
            None => text[i..].find(['\n', '\r']),
        }
        .map_or(text.len(), |e| i + e);
        let link = text[i..end].trim();
        if link.len() > "irealb://".len() {
            out.push(link.to_string());
        }
        from = end.max(i + 6);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_people_say_them() {
        assert_eq!(title("Gentle Rain, The"), "The Gentle Rain");
        assert_eq!(title("Autumn Leaves"), "Autumn Leaves");
        assert_eq!(composer("Kosma Joseph"), "Joseph Kosma");
        assert_eq!(composer("Rodgers-Hart"), "Rodgers-Hart");
        assert_eq!(composer("Van Heusen Jimmy"), "Van Heusen Jimmy");
    }

    #[test]
    fn percent_coding_round_trips_and_keeps_plus() {
        let s = "Bb7+ <D.S. al Coda> ^ é=";
        assert_eq!(percent_decode(&percent_encode(s)), s);
        assert_eq!(percent_decode("C+%20D%2"), "C+ D%2");
    }

    #[test]
    fn links_are_found_in_pages_and_lines() {
        let html = "<a href=\"irealb://A%3DB\">A</a> <a href='irealbook://x=y=z=C=n=C7'>B</a>\n\
                    irealbook://Tune=Me=Swing=F=n=[F7 |Bb7 ]\nirealbooks are not links";
        let links = find_links(html);
        assert_eq!(
            links,
            vec![
                "irealb://A%3DB",
                "irealbook://x=y=z=C=n=C7",
                "irealbook://Tune=Me=Swing=F=n=[F7 |Bb7 ]"
            ]
        );
    }
}
