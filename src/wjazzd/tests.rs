//! The readers and the writer on small databases and CSV exports the tests make.

use super::*;
use crate::midi::import::{ImportOptions, read_file};
use rusqlite::Connection;
use tempfile::TempDir;

/// A database with the tables the distributed file has (the columns improv reads and a
/// few it does not), solos given as (melid, performer, title, instrument, notes, beats).
fn make_db(dir: &Path, solos: &[(i64, &str, &str, &str)]) -> PathBuf {
    let path = dir.join("wjazzd.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE solo_info (melid INTEGER, trackid INTEGER, compid INTEGER,
             recordid INTEGER, performer TEXT, title TEXT, titleaddon TEXT, solopart INTEGER,
             instrument TEXT, style TEXT, avgtempo REAL, key TEXT, signature TEXT);
         CREATE TABLE melody (eventid INTEGER, melid INTEGER, onset REAL, pitch REAL,
             duration REAL, period INTEGER, division INTEGER, bar INTEGER, beat INTEGER,
             tatum INTEGER, loud_med REAL);
         CREATE TABLE beats (beatid INTEGER, melid INTEGER, onset REAL, bar INTEGER,
             beat INTEGER, signature TEXT, chord TEXT, form TEXT, bass_pitch REAL,
             chorus_id INTEGER);
         CREATE TABLE record_info (recordid INTEGER, artist TEXT, recordtitle TEXT,
             releasedate TEXT, recordingdate TEXT);",
    )
    .unwrap();
    for &(melid, performer, title, inst) in solos {
        insert_solo(&c, melid, performer, title, inst);
    }
    path
}

/// One solo's rows: its info and record, two bars of beats (C7, then F7b9) and four notes.
fn insert_solo(c: &Connection, melid: i64, performer: &str, title: &str, inst: &str) {
    c.execute(
        "INSERT INTO solo_info (melid, trackid, recordid, performer, title, instrument,
         signature) VALUES (?1, ?1, ?1, ?2, ?3, ?4, '4/4')",
        rusqlite::params![melid, performer, title, inst],
    )
    .unwrap();
    c.execute(
        "INSERT INTO record_info VALUES (?1, ?2, 'x', '1960', '12.3.1956')",
        rusqlite::params![melid, performer],
    )
    .unwrap();
    // Two bars of 4/4 at 120 bpm from 1 s: C7 then F7; part A1.
    for i in 0..8i64 {
        let chord = match i {
            0 => "C7",
            4 => "F79b",
            _ => "",
        };
        let form = if i == 0 { "A1" } else { "" };
        c.execute(
            "INSERT INTO beats (melid, onset, bar, beat, signature, chord, form)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                melid,
                1.0 + i as f64 * 0.5,
                1 + i / 4,
                1 + i % 4,
                if i == 0 { "4/4" } else { "" },
                chord,
                form
            ],
        )
        .unwrap();
    }
    // Eighth notes C D E G on the first two beats.
    for (i, key) in [60, 62, 64, 67].iter().enumerate() {
        c.execute(
            "INSERT INTO melody (melid, onset, pitch, duration, loud_med)
             VALUES (?1, ?2, ?3, 0.2, 66.0)",
            rusqlite::params![melid, 1.0 + i as f64 * 0.25, key],
        )
        .unwrap();
    }
}

#[test]
fn sqlite_solo_becomes_midi_with_raw_chords_parts_tempo_and_meta() {
    let dir = TempDir::new().unwrap();
    let path = make_db(dir.path(), &[(1, "Art Pepper", "Anthropology", "as")]);
    let db = read(&path).unwrap();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    let solo = &db.solos[0];
    assert_eq!(solo.name, "ArtPepper_Anthropology");
    assert_eq!((solo.instrument.as_str(), solo.program), ("alto sax", 65));
    assert_eq!(solo.year, Some(1956));
    let (score, notes) = to_midi(solo).unwrap();
    let melody = score.melody().unwrap();
    let starts: Vec<u32> = melody.notes.iter().map(|n| n.start).collect();
    assert_eq!(starts, [0, 240, 480, 720]);
    assert_eq!(melody.program, 65);
    assert_eq!(score.tempos[0].us_per_quarter, 500_000);
    let marks: Vec<(u32, &str)> = notes
        .markers
        .iter()
        .map(|(t, s)| (*t, s.as_str()))
        .collect();
    assert_eq!(marks, [(0, "part A1"), (0, "C7"), (1920, "F79b")]);
    assert!(notes.texts.contains(&"year: 1956".to_string()));

    // Through the file: improv reads the database's own spellings back as the changes.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let file = write_solo(solo, &out, false).unwrap().unwrap();
    let back = read_file(&file, &ImportOptions::default()).unwrap().score;
    assert_eq!(back.chords.len(), 2);
    assert_eq!(back.chords[1].start, 1920);
    assert_eq!(back.chords[1].chord, "F7b9".parse().unwrap());
    assert_eq!(back.melody().unwrap().notes.len(), 4);
    // Never replaced without being asked.
    assert!(write_solo(solo, &out, false).is_err());
    assert!(write_solo(solo, &out, true).is_ok());
}

#[test]
fn a_broken_row_cuts_the_solo_there_with_one_warning() {
    let dir = TempDir::new().unwrap();
    let path = make_db(dir.path(), &[(1, "Chet Baker", "Let's Get Lost", "tp")]);
    let c = Connection::open(&path).unwrap();
    // A note with no pitch, after the second; and a beat going back in time.
    c.execute("UPDATE melody SET pitch = NULL WHERE onset = 1.5", [])
        .unwrap();
    c.execute("UPDATE beats SET onset = 0.5 WHERE onset = 3.0", [])
        .unwrap();
    drop(c);
    let db = read(&path).unwrap();
    assert_eq!(db.warnings.len(), 1, "{:?}", db.warnings);
    assert!(db.warnings[0].message.contains("melody row 3"));
    let solo = &db.solos[0];
    assert_eq!(solo.notes.len(), 2);
    assert_eq!(solo.beats.len(), 4);
    let (score, _) = to_midi(solo).unwrap();
    assert_eq!(score.melody().unwrap().notes.len(), 2);
}

#[test]
fn a_solo_without_chords_is_written_without_markers() {
    let dir = TempDir::new().unwrap();
    let path = make_db(dir.path(), &[(1, "Lester Young", "D.B. Blues", "ts")]);
    let c = Connection::open(&path).unwrap();
    c.execute("UPDATE beats SET chord = ''", []).unwrap();
    drop(c);
    let db = read(&path).unwrap();
    let (score, notes) = to_midi(&db.solos[0]).unwrap();
    assert_eq!(score.melody().unwrap().notes.len(), 4);
    assert_eq!(notes.markers, [(0, "part A1".to_string())]);
}

#[test]
fn a_file_that_is_not_the_database_is_named() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("wjazzd.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE solo_info (melid INTEGER, title TEXT);")
        .unwrap();
    let err = read(&path).unwrap_err().to_string();
    assert!(
        err.contains("wjazzd.db") && err.contains("performer"),
        "{err}"
    );
    let err = read(&dir.path().join("nothing")).unwrap_err().to_string();
    assert!(err.contains("nothing"), "{err}");
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn both_csv_layouts_read_alike() {
    let melody = "onset,duration,period,division,bar,beat,tatum,beat_duration,signature,\
                  pitch,loud_max,loud_median\n\
                  1.0,0.2,4,2,1,1,1,0.5,\"\"\"4/4\"\"\",60,0.1,66\n\
                  1.25,0.2,4,2,1,1,2,0.5,\"\"\"4/4\"\"\",62,0.1,66\n\
                  1.5,0.2,4,2,1,2,1,0.5,\"\"\"4/4\"\"\",oops,0.1,66\n";
    let mut beats = String::from("onset,duration,period,division,bar,beat,signature,chord,form\n");
    for i in 0..8 {
        let chord = if i < 4 { "Bb6" } else { "Eb7" };
        beats += &format!(
            "{},0.5,4,1,{},{},'4/4',{chord},A1\n",
            1.0 + i as f64 * 0.5,
            1 + i / 4,
            1 + i % 4
        );
    }
    let dir = TempDir::new().unwrap();
    let jt = dir.path().join("jt");
    write(
        &jt.join("mcsv_melody/ArtPepper_Anthropology-2_FINAL.csv"),
        melody,
    );
    write(
        &jt.join("mcsv_beat/ArtPepper_Anthropology-2_FINAL_beattrack.csv"),
        &beats,
    );
    let mingus = dir.path().join("mingus");
    write(
        &mingus.join("csv_melody/ArtPepper_Anthropology-2_Solo.csv"),
        melody,
    );
    write(
        &mingus.join("csv_beats/ArtPepper_Anthropology-2_Solo.csv"),
        &beats,
    );
    let a = read(&jt).unwrap();
    let b = read(&mingus).unwrap();
    assert_eq!(a.solos, b.solos);
    let solo = &a.solos[0];
    assert_eq!(
        (solo.performer.as_str(), solo.title.as_str()),
        ("Art Pepper", "Anthropology-2")
    );
    assert_eq!(solo.tune, "anthropology");
    assert_eq!(solo.program, 65);
    // The broken third row: two notes kept, one warning naming the file and row.
    assert_eq!(solo.notes.len(), 2);
    assert_eq!(a.warnings.len(), 1);
    assert!(
        a.warnings[0].message.contains("_FINAL.csv row 4"),
        "{:?}",
        a.warnings
    );
    let (_, notes) = to_midi(solo).unwrap();
    let marks: Vec<&str> = notes.markers.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(marks, ["part A1", "Bb6", "Eb7"]);
}

#[test]
fn the_tune_split_puts_no_tune_on_both_sides() {
    let titles = [
        "Oleo",
        "Oleo",
        "Walkin'",
        "So What",
        "Oleo",
        "Body And Soul",
        "Walkin'",
    ];
    let solos: Vec<Solo> = (0..40)
        .map(|i| {
            let title = titles[i % titles.len()];
            Solo {
                name: format!("P{i}_{}", squash(title)),
                tune: tune_key(title),
                title: format!("{title}{}", " ".repeat(i % 2)),
                ..Solo::default()
            }
        })
        .collect();
    for seed in 0..20 {
        let sides = split_by_tune(&solos, seed, 0.1);
        let on = |side: Side| -> std::collections::BTreeSet<&str> {
            solos
                .iter()
                .zip(&sides)
                .filter(|(_, s)| **s == side)
                .map(|(s, _)| s.tune.as_str())
                .collect()
        };
        let (train, test) = (on(Side::Train), on(Side::Test));
        assert!(!test.is_empty() && !train.is_empty());
        assert!(train.is_disjoint(&test), "seed {seed}: {train:?} {test:?}");
        assert_eq!(sides, split_by_tune(&solos, seed, 0.1));
    }
}
