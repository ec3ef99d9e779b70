//! iReal links the tests make themselves (a scramble written here, apart from the reader's)
//! read back as a player plays them: fields, repeats, endings, codas, `n`, `x`, `r`, `p`,
//! alternates set aside, what cannot be read, playlists, pages and bad links.

use super::*;
use crate::music::{Chord, parse_symbol};

/// The app's block scramble: in each 50-character block followed by at least two more,
/// positions 0..5 and 10..24 trade with their mirrors (49 - i).
fn scramble(plain: &str) -> String {
    let c: Vec<char> = plain.chars().collect();
    let mirrored = |i: usize| {
        let m = i.min(49 - i);
        m < 5 || (10..24).contains(&m)
    };
    let mut out = String::new();
    let mut at = 0;
    while c.len() - at > 51 {
        out.extend((0..50).map(|i| c[at + if mirrored(i) { 49 - i } else { i }]));
        at += 50;
    }
    out.extend(&c[at..]);
    out
}

/// One song's fields as an `irealb://` song.
fn song(title: &str, body: &str) -> String {
    format!(
        "{title}=Kosma Joseph==Medium Swing=G-==1r34LbKcu7{}=Jazz-Medium Swing=132=3",
        scramble(body)
    )
}

fn link(songs: &[String], playlist: Option<&str>) -> String {
    let mut all = songs.join("===");
    if let Some(p) = playlist {
        all = format!("{all}==={p}");
    }
    format!("irealb://{}", percent_encode(&all))
}

fn one(body: &str) -> Progression {
    let p = read_link(&link(&[song("T", body)], None)).unwrap();
    p.songs[0].progression.clone()
}

fn names(p: &Progression) -> Vec<String> {
    p.bars
        .iter()
        .map(|b| {
            b.iter()
                .map(|c| c.map_or("NC".into(), |c| c.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn chords(text: &str) -> Vec<String> {
    text.split('|')
        .map(|b| {
            b.split_whitespace()
                .map(|c| {
                    parse_symbol(c)
                        .unwrap()
                        .map_or("NC".into(), |c: Chord| c.to_string())
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn a_scrambled_link_gives_its_fields_and_changes() {
    let body = "*A{T34C-7 |F7 |Bb^7 |Eb^7 |Ah7 |D7b9 |G-6 |G-6 }*B[Ah7 |D7b9 |G-6 |G-6 Z";
    assert!(body.len() > 51);
    let l = link(&[song("Autumn Leaves, The", body)], None);
    assert!(
        !percent_decode(&l).contains("Bb^7 |Eb^7"),
        "the body is scrambled"
    );
    let p = read_link(&l).unwrap();
    assert_eq!(p.songs.len(), 1);
    let prog = &p.songs[0].progression;
    assert_eq!(prog.name, "The Autumn Leaves");
    let m = prog.meta.as_ref().unwrap();
    assert_eq!(
        (m.composer.as_str(), m.style.as_str()),
        ("Joseph Kosma", "Medium Swing")
    );
    assert_eq!((m.key.as_str(), m.meter, m.bpm), ("G-", (3, 4), Some(132)));
    assert_eq!(m.sections, vec![(1, 'A'), (9, 'A'), (17, 'B')]);
    assert!(m.unread.is_empty(), "{:?}", m.unread);
    assert_eq!(prog.len_bars(), 20);
    assert_eq!(
        names(prog)[..8],
        chords("Cm7|F7|Bbmaj7|Ebmaj7|Am7b5|D7b9|Gm6|Gm6")[..]
    );
    assert_eq!(prog.bars[8], prog.bars[0], "the repeat is played");
    assert_eq!(prog.bar_ticks(), crate::music::PPQ * 3);
}

#[test]
fn repeats_take_their_endings_in_turn() {
    let p = one("{*AT44C^7 |A-7 |N1D-7 |G7 }|N2D-7 G7 |C^7 Z");
    assert_eq!(names(&p), chords("Cmaj7|Am7|Dm7|G7|Cmaj7|Am7|Dm7 G7|Cmaj7"));
    // Three endings.
    let p = one("{C7 |N1D7 }|N2E7 }|N3F7 Z");
    assert_eq!(names(&p), chords("C7|D7|C7|E7|C7|F7"));
}

#[test]
fn segno_coda_and_fine_are_followed() {
    let p = one("[T44C7 |SF7 |QG7 |A7<D.S. al Coda> ]QB7 |C7 Z");
    assert_eq!(names(&p), chords("C7|F7|G7|A7|F7|G7|B7|C7"));
    let p = one("[C7 |F7<Fine> |G7<D.C. al Fine> Z");
    assert_eq!(names(&p), chords("C7|F7|G7|C7|F7"));
    // After the D.C. the repeat is not taken again and the last ending is played.
    let p = one("{C7 |N1D7 }|N2E7<Fine> ][F7<D.C. al Fine> Z");
    assert_eq!(names(&p), chords("C7|D7|C7|E7|F7|C7|E7"));
    // A coda with no jump written ends the tune: a chorus stops before it.
    let p = one("[C7 |QF7 |G7 ]QA7 |B7 Z");
    assert_eq!(names(&p), chords("C7|F7|G7"));
    assert!(p.meta.unwrap().notes[0].contains("coda"));
}

#[test]
fn no_chord_bar_repeats_slashes_and_alternates() {
    let p = one("[C7 p F7 n |x |D7(Db7) |E7 |r|   |W/B Z");
    assert_eq!(
        names(&p),
        chords("C7 C7 F7 NC|C7 C7 F7 NC|D7|E7|D7|E7|E7/B")
    );
    // An empty first cell and a bar of spaces hold the chord before.
    let p = one("[C7 |  F7 |    Z");
    assert_eq!(names(&p), chords("C7|C7 F7|F7"));
}

#[test]
fn what_cannot_be_read_is_listed_by_bar() {
    let p = one("[C7 |D7 |C7b4 |F7@ Z");
    assert_eq!(names(&p), chords("C7|D7|D7|F7"));
    let m = p.meta.unwrap();
    assert_eq!(m.unread.len(), 2, "{:?}", m.unread);
    assert!(m.unread[0].starts_with("bar 3:") && m.unread[0].contains("C7b4"));
    assert!(m.unread[1].starts_with("bar 4:") && m.unread[1].contains('@'));
}

#[test]
fn playlists_pages_and_old_links() {
    let l = link(
        &[song("One", "[C7 |F7 Z"), song("Two", "[D-7 |G7 Z")],
        Some("My Tunes"),
    );
    let p = read_link(&l).unwrap();
    assert_eq!(p.name.as_deref(), Some("My Tunes"));
    let titles: Vec<&str> = p
        .songs
        .iter()
        .map(|s| s.progression.name.as_str())
        .collect();
    assert_eq!(titles, ["One", "Two"]);
    // Each song keeps a link of its own that reads back the same.
    let again = read_link(&p.songs[1].link).unwrap();
    assert_eq!(again.songs[0].progression, p.songs[1].progression);
    let page = format!(
        "<html><body><a href=\"{l}\">My Tunes</a>\n<a href=\"{}\">x</a></body></html>",
        link(&[song("Three", "[Eb^7 Z")], None)
    );
    assert_eq!(read_page(&page).unwrap().songs.len(), 3);
    let old = "irealbook://Blues=Me=Swing=F=n=[T44F7 |Bb7 |F7 |x Z";
    let p = read_link(old).unwrap();
    assert_eq!(names(&p.songs[0].progression), chords("F7|Bb7|F7|F7"));
    assert!(matches!(
        read_page("no links here"),
        Err(IrealError::NoLinks)
    ));
}

#[test]
fn bad_links_say_what_is_wrong() {
    assert!(matches!(
        read_link("http://example.org"),
        Err(IrealError::NotALink(_))
    ));
    assert_eq!(read_link("irealb://"), Err(IrealError::NoSongs));
    let e = read_link("irealb://Song%3DMe%3D%3DSwing%3DC").unwrap_err();
    assert!(e.to_string().contains("no chord field"), "{e}");
    let e = read_link(&link(&[song("Empty", "*A<nothing here>")], None)).unwrap_err();
    assert!(matches!(e, IrealError::NoBars { .. }), "{e}");
}

#[test]
fn every_ireal_quality_reads() {
    // The qualities iReal Pro's editor offers.
    let qualities = [
        "", "5", "2", "add9", "+", "o", "h", "sus", "^", "-", "^7", "-7", "7", "7sus", "h7", "o7",
        "^9", "^13", "6", "69", "^7#11", "^9#11", "^7#5", "-6", "-69", "-^7", "-^9", "-9", "-11",
        "-7b5", "h9", "-b6", "-#5", "9", "7b9", "7#9", "7#11", "7b5", "7#5", "9#11", "9b5", "9#5",
        "7b13", "7#9#5", "7#9b5", "7#9#11", "7b9#11", "7b9b5", "7b9#5", "7b9#9", "7b9b13", "7alt",
        "13", "13#11", "13b9", "13#9", "7b9sus", "7susadd3", "9sus", "13sus", "7b13sus", "11",
    ];
    for q in qualities {
        let s = format!("Bb{q}");
        assert!(parse_symbol(&s).is_ok(), "{s}: {:?}", parse_symbol(&s));
    }
    let tones = |s: &str| {
        let c = parse_symbol(s).unwrap().unwrap();
        (0..12u8)
            .filter(|i| c.shape() & (1 << i) != 0)
            .collect::<Vec<_>>()
    };
    assert_eq!(tones("Ch7"), [0, 3, 6, 10]);
    assert_eq!(tones("Co7"), [0, 3, 6, 9]);
    assert_eq!(tones("C-^7"), [0, 3, 7, 11]);
    assert_eq!(tones("C7#9#5"), [0, 3, 4, 8, 10]);
    assert_eq!(tones("C-b6"), [0, 3, 7, 8]);
    assert_eq!(tones("C7susadd3"), [0, 4, 5, 7, 10]);
    assert_eq!(tones("C7b9sus"), [0, 1, 5, 7, 10]);
}
