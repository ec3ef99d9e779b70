//! The chart library: import, replace, save and reopen, list, find by title or prefix,
//! and the resolver's order (links, pages, presets, charts, titles, chords).

use super::*;
use crate::music::ireal::read_link;

fn songs(link: &str) -> Vec<Song> {
    read_link(link).unwrap().songs
}

const BLUES: &str = "irealbook://Blue Monk=Monk Thelonious=Medium Swing=Bb=n=[T44Bb7 Eb7 |Bb7 |Eb7 |Edo7 |Bb7 |x |F7 |Bb7 Z";
const BOSSA: &str =
    "irealbook://Blue Bossa=Dorham Kenny=Bossa Nova=C-=n=[T44C-7 |x |F-7 |x |Dh7 |G7b9 |C-7 |x Z";
const SOLAR: &str = "irealbook://Solar=Davis Miles=Medium Swing=C-=n=[T44C-^7 |x |G-7 |C7 |F^7 |x |F-7 |Bb7 |Eb^7 |Eb-7 Ab7 |Db^7 |Dh7 G7b9 Z";

fn library(dir: &Path) -> Library {
    let mut lib = Library::open(dir).unwrap();
    assert!(lib.charts.is_empty());
    for l in [SOLAR, BLUES, BOSSA] {
        lib.import(&songs(l));
    }
    lib.save().unwrap();
    lib
}

#[test]
fn import_keeps_songs_sorted_and_replaces_the_same_one() {
    let dir = tempfile::tempdir().unwrap();
    let lib = library(dir.path());
    let again = Library::open(dir.path()).unwrap();
    assert_eq!(again, lib);
    let titles: Vec<&str> = again.charts.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Blue Bossa", "Blue Monk", "Solar"]);
    let solar = &again.charts[2];
    assert_eq!(
        (solar.composer.as_str(), solar.key.as_str(), solar.bars),
        ("Miles Davis", "C-", 12)
    );
    let mut lib = again;
    let changed = SOLAR.replace("Dh7 G7b9 Z", "Dh7 |G7b9 Z");
    assert_eq!(lib.import(&songs(&changed)), (0, 1));
    assert_eq!(lib.charts.len(), 3);
    assert_eq!(lib.charts[2].bars, 13);
    // Nothing but the library file is left in the folder.
    lib.save().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn titles_are_found_by_unique_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let lib = library(dir.path());
    assert_eq!(lib.find("solar").unwrap().unwrap().title, "Solar");
    assert_eq!(lib.find("Blue M").unwrap().unwrap().title, "Blue Monk");
    assert!(lib.find("Autumn").unwrap().is_none());
    let err = lib.find("blue").unwrap_err();
    assert!(matches!(&err, ChartError::Ambiguous { matches, .. } if matches.len() == 2));
    assert!(err.to_string().contains("Blue Bossa, Blue Monk"), "{err}");
    let p = lib
        .progression(lib.find("blue b").unwrap().unwrap())
        .unwrap();
    assert_eq!(p.len_bars(), 8);
    assert_eq!(p.bars[1], p.bars[0], "x repeats the bar");
}

#[test]
fn the_resolver_reads_links_pages_titles_and_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path());
    let d = Some(dir.path());
    assert_eq!(resolve("Solar", d).unwrap().name, "Solar");
    assert_eq!(resolve(BLUES, None).unwrap().name, "Blue Monk");
    assert_eq!(resolve("blues-f", d).unwrap().len_bars(), 12);
    assert_eq!(resolve("| Dm7 G7 | Cmaj7 |", d).unwrap().len_bars(), 2);
    assert_eq!(resolve("Bb7", d).unwrap().len_bars(), 1);
    assert!(matches!(
        resolve("Blue", d),
        Err(ChartError::Ambiguous { .. })
    ));
    let e = resolve("Autumn Leaves", d).unwrap_err();
    assert!(matches!(e, ChartError::Unknown(_)), "{e}");
    assert!(e.to_string().contains("chart library"), "{e}");
    // A page of links: one song is a progression, several are named through the library.
    let page = dir.path().join("tunes.html");
    std::fs::write(&page, format!("<a href=\"{BOSSA}\">x</a>")).unwrap();
    assert_eq!(
        resolve(page.to_str().unwrap(), d).unwrap().name,
        "Blue Bossa"
    );
    std::fs::write(
        &page,
        format!("<a href=\"{BOSSA}\">x</a><a href=\"{SOLAR}\">y</a>"),
    )
    .unwrap();
    let e = resolve(page.to_str().unwrap(), d).unwrap_err();
    assert!(matches!(e, ChartError::ManySongs { .. }), "{e}");
    let missing = dir.path().join("nope.txt");
    assert!(matches!(
        resolve(missing.to_str().unwrap(), d),
        Err(ChartError::Io { .. })
    ));
    // A library file that is not one says so.
    std::fs::write(dir.path().join(FILE_NAME), "not json").unwrap();
    assert!(matches!(resolve("Solar", d), Err(ChartError::Bad { .. })));
}
