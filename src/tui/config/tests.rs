//! Tests of reading the config file: values, ranges and the errors that name the line.

use super::*;
use crate::tui::keymap::Tab;
use crossterm::event::{KeyEvent, KeyModifiers};

fn cfg(text: &str) -> Result<Config, ConfigError> {
    parse(text, Path::new("config.toml"))
}

fn press(c: &Config, tab: Tab, k: KeyCode) -> Option<Action> {
    c.keymap.lookup(tab, KeyEvent::new(k, KeyModifiers::NONE))
}

#[test]
fn an_empty_file_is_the_defaults() {
    assert_eq!(cfg("").unwrap(), Config::default());
}

#[test]
fn keys_rebind_actions_and_the_hints_show_them() {
    let c = cfg("[keys]\nimprovise = \"G\"\nup = [\"i\", \"Up\"]\nquit = \"F10\"\n").unwrap();
    assert_eq!(
        press(&c, Tab::Generate, KeyCode::Char('G')),
        Some(Action::Generate)
    );
    assert_eq!(press(&c, Tab::Generate, KeyCode::Char('g')), None);
    assert_eq!(press(&c, Tab::Train, KeyCode::Char('i')), Some(Action::Up));
    assert_eq!(press(&c, Tab::Train, KeyCode::Char('k')), None);
    assert_eq!(press(&c, Tab::Play, KeyCode::F(10)), Some(Action::Quit));
    let hints = c.keymap.hints(Tab::Generate);
    assert!(hints.contains(&("G".into(), "improvise")), "{hints:?}");
    assert!(hints.contains(&("F10".into(), "quit")), "{hints:?}");
    let up = c.keymap.help_rows(crate::tui::keymap::Scope::Global);
    assert!(up.iter().any(|(k, _)| k == "i,↑/↓,j"), "{up:?}");
}

#[test]
fn themes_are_chosen_and_colours_overridden_by_name() {
    let c = cfg("[theme]\nbase = \"light\"\n[theme.colors]\nchord_tone = \"#102030\"\n").unwrap();
    assert_eq!(c.theme.chord_tone, Color::Rgb(16, 32, 48));
    assert_eq!(c.theme.selection_bg, Theme::LIGHT.selection_bg);
}

#[test]
fn generation_defaults_and_folders() {
    let text = "corpus = \"solos\"\nmodel = \"m/x\"\n[generate]\nprogression = \"| Dm7 G7 | Cmaj7 |\"\n\
                tempo = 180\ntemperature = 1.2\nseed = 7\nbeam = 4\ntop_p = 0.9\n";
    let c = cfg(text).unwrap();
    assert_eq!(c.corpus, Some(PathBuf::from("solos")));
    assert_eq!(c.model, Some(PathBuf::from("m/x")));
    assert_eq!(c.generate.chart.as_deref(), Some("| Dm7 G7 | Cmaj7 |"));
    assert_eq!(
        (c.generate.bpm, c.generate.temperature, c.generate.seed),
        (180.0, 1.2, 7)
    );
    assert_eq!((c.generate.beam, c.generate.top_p), (4, 0.9));
    assert!(cfg("[generate]\nbranch = 0\n").is_err());
}

#[test]
fn a_progression_is_read_as_the_command_line_reads_it() {
    // An iReal Pro link goes through the one resolver and is kept as read.
    let link = "[generate]\nprogression = \"irealbook://Tune=Me=Swing=F=n=[F7 |Bb7 ]\"\n";
    let c = cfg(link).unwrap();
    let prog = c.generate.library.expect("the link's song");
    assert_eq!(prog.name, "Tune");
    assert_eq!(prog.bars.len(), 2);
    assert_eq!(c.generate.chart, None);
    // A preset stays a preset; nonsense is one line naming the key.
    assert!(
        cfg("[generate]\nprogression = \"minor-blues\"\n")
            .unwrap()
            .generate
            .library
            .is_none()
    );
    let e = bad("[generate]\nprogression = \"irealbook://broken\"\n");
    assert!(e.contains("generate.progression"), "{e}");
}

/// The message of a bad file, which must name the key and the line.
fn bad(text: &str) -> String {
    let e = cfg(text).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn a_bad_file_names_the_key_and_the_line() {
    let e = bad("[keys]\nimprovise = \"g\"\nimprovize = \"G\"\n");
    assert!(e.contains("line 3") && e.contains("keys.improvize"), "{e}");
    let e = bad("\n[keys]\nhelp = \"Hyper-X\"\n");
    assert!(e.contains("line 3") && e.contains("keys.help"), "{e}");
    let e = bad("[theme.colors]\ngrid = \"grey-ish\"\n");
    assert!(
        e.contains("line 2") && e.contains("theme.colors.grid"),
        "{e}"
    );
    let e = bad("[generate]\n\ntempo = 900\n");
    assert!(e.contains("line 3") && e.contains("generate.tempo"), "{e}");
    let e = bad("colour = \"red\"\n");
    assert!(e.contains("line 1") && e.contains("colour"), "{e}");
    let e = bad("[generate]\nseed = \"one\"\n");
    assert!(e.contains("line 2") && e.contains("generate.seed"), "{e}");
    let e = bad("[theme]\nbase = \"light\"\nbold = true\n");
    assert!(e.contains("line 3") && e.contains("theme.bold"), "{e}");
}

#[test]
fn loading_a_bad_or_missing_file_gives_the_defaults_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.toml");
    std::fs::write(&p, "[keys]\nnope = \"x\"\n").unwrap();
    let (c, why) = load(Some(&p));
    assert_eq!(c, Config::default());
    let why = why.unwrap();
    assert!(why.contains("config.toml, line 2: keys.nope"), "{why}");
    assert!(why.ends_with("using the defaults"), "{why}");
    let (c, why) = load(Some(&dir.path().join("missing.toml")));
    assert_eq!(c, Config::default());
    assert!(why.unwrap().contains("missing.toml"));
}

#[test]
fn keys_are_read_by_name_or_as_one_character() {
    assert_eq!(parse_key("x"), Some(KeyCode::Char('x')));
    assert_eq!(parse_key("Space"), Some(KeyCode::Char(' ')));
    assert_eq!(parse_key("S-Tab"), Some(KeyCode::BackTab));
    assert_eq!(parse_key("f5"), Some(KeyCode::F(5)));
    assert_eq!(parse_key("F99"), None);
    assert_eq!(parse_key("Hyper"), None);
}

#[test]
fn one_key_bound_to_several_actions_is_one_line_naming_both() {
    let e = bad("[keys]\nquit = \"z\"\nhelp = \"z\"\nnext_tab = \"z\"\n");
    assert!(e.contains("line 4") && e.contains("keys.next_tab"), "{e}");
    assert!(
        e.contains("key z") && e.contains("quit, help, next_tab"),
        "{e}"
    );
}

#[test]
fn the_jam_buffer_is_read_and_one_out_of_range_is_named() {
    assert_eq!(cfg("").unwrap().jam_buffer_ms, 20);
    assert_eq!(cfg("[jam]\nbuffer_ms = 50\n").unwrap().jam_buffer_ms, 50);
    let e = bad("[jam]\n\nbuffer_ms = 500\n");
    assert!(e.contains("line 3") && e.contains("jam.buffer_ms"), "{e}");
    assert!(e.contains("5..=100"), "{e}");
}
