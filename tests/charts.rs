//! `improv charts` and iReal Pro links end to end: import a link the test makes (with its
//! own scramble), list, show, play a kept chart by title, and the errors a user meets.

use assert_cmd::Command;
use std::path::Path;

fn improv(config: &Path) -> Command {
    let mut c = Command::cargo_bin("improv").expect("the improv binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("IMPROV_CONFIG_DIR", config);
    c
}

/// iReal Pro's obfuscation: 50-character blocks (each followed by two or more characters)
/// with positions 0..5 and 10..24 traded for their mirrors.
fn scramble(plain: &str) -> String {
    let c: Vec<char> = plain.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    while c.len() - at > 51 {
        for i in 0..50 {
            let m = i.min(49 - i);
            let from = if m < 5 || (10..24).contains(&m) {
                49 - i
            } else {
                i
            };
            out.push(c[at + from]);
        }
        at += 50;
    }
    out.extend(&c[at..]);
    out
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn link(songs: &[(&str, &str)]) -> String {
    let all: Vec<String> = songs
        .iter()
        .map(|(title, body)| {
            format!(
                "{title}=Kosma Joseph==Medium Swing=G-==1r34LbKcu7{}=Jazz-Medium Swing=120=3",
                scramble(body)
            )
        })
        .collect();
    format!("irealb://{}", encode(&(all.join("===") + "===Standards")))
}

const LEAVES: &str = "{*AT44C-7 |F7 |Bb^7 |Eb^7 |Ah7 |D7b9 |N1G-6 |x }|N2G-6 |G7 ]\
                      *B[Ah7 |D7b9 |G-6 |x |C-7 |F7 |Bb^7 |Eb^7 |Ah7 |D7b9 |G-7 C7 |F-7 Bb7 |Ah7 |D7b9 |G-6 |x Z";

fn out(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs improv with `args` and this config folder: whether it succeeded, its stdout and
/// its stderr.
fn run(config: &Path, args: &[&str]) -> (bool, String, String) {
    let o = improv(config).args(args).output().unwrap();
    let (so, se) = out(&o);
    (o.status.success(), so, se)
}

#[test]
fn import_list_show_and_play_a_chart_by_title() {
    let config = tempfile::tempdir().unwrap();
    let l = link(&[
        ("Autumn Leaves", LEAVES),
        ("Autumn In New York", "[F^7 |G-7 C7 Z"),
    ]);
    let (ok, so, se) = run(config.path(), &["charts", "import", &l]);
    assert!(ok, "{se}");
    assert!(so.contains("2 new, 0 replaced"), "{so}");
    assert!(config.path().join("charts.json").is_file());

    let (_, so, _) = run(config.path(), &["charts"]);
    assert!(
        so.contains("Autumn Leaves") && so.contains("Joseph Kosma"),
        "{so}"
    );
    // 8 + 8 bars of A (two endings), 16 of B.
    assert!(
        so.lines()
            .any(|l| l.starts_with("Autumn Leaves") && l.contains(" 32 ")),
        "{so}"
    );

    let (ok, so, se) = run(config.path(), &["charts", "show", "autumn l"]);
    assert!(ok, "{se}");
    assert!(so.contains("32 bars") && so.contains("Gm6"), "{so}");

    let (ok, _, se) = run(config.path(), &["charts", "show", "Autumn"]);
    assert!(!ok);
    assert!(se.contains("Autumn In New York, Autumn Leaves"), "{se}");

    let mid = config.path().join("solo.mid");
    let mid_arg = mid.to_str().expect("a UTF-8 temporary path");
    let generate = [
        "generate",
        "--choruses",
        "1",
        "--progression",
        "Autumn Leaves",
    ];
    let (ok, so, se) = run(
        config.path(),
        &[&generate[..], &["--out", mid_arg]].concat(),
    );
    assert!(ok, "{se}");
    assert!(so.contains("32 bars over Autumn Leaves at 120 bpm"), "{so}");
    assert!(mid.is_file());
}

#[test]
fn a_link_plays_directly_and_bad_ones_are_named() {
    let config = tempfile::tempdir().unwrap();
    let mid = config.path().join("a.mid");
    let l = link(&[(
        "Blues",
        "[T44F7 |Bb7 |F7 |C-7 F7 |Bb7 |Bo7 |F7 |D7b9 |G-7 |C7 |F7 D7 |G-7 C7@ Z",
    )]);
    let o = improv(config.path())
        .args(["generate", "--choruses", "1", "--progression", &l, "--out"])
        .arg(&mid)
        .output()
        .unwrap();
    let (so, se) = out(&o);
    assert!(o.status.success(), "{se}");
    assert!(so.contains("12 bars over Blues"), "{so}");
    assert!(se.contains("bar 12: unknown symbol '@'"), "{se}");

    let o = improv(config.path())
        .args([
            "generate",
            "--progression",
            "irealb://Broken%3Dlink",
            "--out",
        ])
        .arg(config.path().join("b.mid"))
        .output()
        .unwrap();
    let (_, se) = out(&o);
    assert!(!o.status.success());
    assert!(se.contains("no chord field"), "{se}");
    assert!(!se.contains("panicked"), "{se}");

    let o = improv(config.path())
        .args(["charts", "import", "no/such/page.html"])
        .output()
        .unwrap();
    let (_, se) = out(&o);
    assert!(!o.status.success());
    assert!(se.contains("no/such/page.html"), "{se}");
}
