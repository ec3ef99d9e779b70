//! `improv corpus --wjazzd` end to end: a CSV export the test writes, split by tune.

use assert_cmd::Command;
use std::path::Path;

fn improv() -> Command {
    Command::cargo_bin("improv").expect("the improv binary builds")
}

/// A solo in the Jazz Transformer's layout: two bars of 4/4, four notes, C7 then F7.
fn write_solo(dir: &Path, name: &str) {
    let mel = dir.join("mcsv_melody");
    let beat = dir.join("mcsv_beat");
    std::fs::create_dir_all(&mel).unwrap();
    std::fs::create_dir_all(&beat).unwrap();
    let mut m = String::from("onset,duration,pitch,loud_median\n");
    for (i, key) in [60, 64, 67, 70].iter().enumerate() {
        m += &format!("{},0.2,{key},66\n", 1.0 + i as f64 * 0.5);
    }
    std::fs::write(mel.join(format!("{name}_FINAL.csv")), m).unwrap();
    let mut b = String::from("onset,bar,beat,signature,chord,form\n");
    for i in 0..8 {
        let chord = if i < 4 { "C7" } else { "F7" };
        b += &format!(
            "{},{},{},'4/4',{chord},A1\n",
            1.0 + i as f64 * 0.5,
            1 + i / 4,
            1 + i % 4
        );
    }
    std::fs::write(beat.join(format!("{name}_FINAL_beattrack.csv")), b).unwrap();
}

fn mids(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".mid"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_split_export_gets_train_test_and_a_notice_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("wjd");
    for name in [
        "MilesDavis_Oleo-1",
        "MilesDavis_Oleo-2",
        "SonnyRollins_Oleo",
        "JJJohnson_Walkin'",
        "CharlieParker_Ko=Ko",
        "ChetBaker_Let'sGetLost",
    ] {
        write_solo(&src, name);
    }
    let out = dir.path().join("out");
    let run = |force: bool| {
        let mut c = improv();
        c.args(["corpus", "--wjazzd"])
            .arg(&src)
            .arg("--out")
            .arg(&out);
        c.args(["--split", "tunes", "--seed", "3"]);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let first = run(false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let (train, test) = (mids(&out.join("train")), mids(&out.join("test")));
    assert_eq!(train.len() + test.len(), 6, "{train:?} {test:?}");
    assert!(!test.is_empty() && !train.is_empty());
    // The three Oleo solos are on one side.
    let oleo = |v: &[String]| v.iter().filter(|n| n.contains("Oleo")).count();
    assert!(oleo(&train) == 3 || oleo(&test) == 3, "{train:?} {test:?}");
    let notice = std::fs::read_to_string(out.join("NOTICE")).unwrap();
    assert!(notice.contains("ODbL") && notice.contains("DbCL") && notice.contains("seed 3"));

    let again = run(false);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert!(run(true).status.success());
}
