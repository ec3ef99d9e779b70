//! The Jam tab driven by keys: the keyboard piano's map, piano keys taking over while a
//! session runs, the settings rows it shares, and its one-line refusals.

use super::{key, screen, wait};
use crate::tui::app::App;
use crate::tui::keymap::{Keymap, Scope, Tab};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use std::path::Path;

fn jam_studio() -> App {
    let mut app = App::new(Path::new("assets"), Path::new("models/default"), false);
    wait(&mut app, "the model", |a| a.generate.bundle.is_some());
    app.tab = Tab::Jam;
    app
}

#[test]
fn the_keyboard_is_a_piano_of_two_chromatic_rows() {
    let k = Keymap::default();
    let low = "zsxdcvgbhnjm,";
    let high = "q2w3er5t6y7ui";
    for (i, c) in low.chars().enumerate() {
        assert_eq!(k.piano(KeyCode::Char(c)), Some(i as i32), "{c}");
    }
    for (i, c) in high.chars().enumerate() {
        assert_eq!(k.piano(KeyCode::Char(c)), Some(12 + i as i32), "{c}");
    }
    assert_eq!(k.piano(KeyCode::Char('a')), None);
    assert_eq!(k.piano(KeyCode::Char(' ')), None);
    // The help lists them, with the octave keys.
    let rows = k.help_rows(Scope::On(Tab::Jam));
    let labels: Vec<&str> = rows.iter().map(|(l, _)| l.as_str()).collect();
    assert!(labels.contains(&"z s x d c v g b h n j m ,"), "{labels:?}");
    assert!(labels.contains(&"q 2 w 3 e r 5 t 6 y 7 u i"), "{labels:?}");
    assert!(labels.contains(&"[ ]"), "{labels:?}");
}

fn release(app: &mut App, c: char) {
    let mut k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    k.kind = KeyEventKind::Release;
    k.state = KeyEventState::NONE;
    app.on_key_release(k);
}

#[test]
fn while_a_session_runs_piano_keys_play_notes_not_actions() {
    let mut app = jam_studio();
    app.jam.releases = true;
    key(&mut app, KeyCode::Char(' '));
    assert!(app.jam.running(), "{}", app.message);
    // Past the count-in (the clock runs on a timer without a device).
    wait(&mut app, "the first beat", |a| {
        a.jam.run.as_ref().is_some_and(|r| r.tick_now() > 0)
    });
    // `2` would go to the Train tab, `q` would quit, `e` export: here they are notes.
    for c in ['2', 'q', 'e'] {
        key(&mut app, KeyCode::Char(c));
    }
    assert_eq!(app.tab, Tab::Jam);
    assert!(!app.quit);
    std::thread::sleep(std::time::Duration::from_millis(30));
    for c in ['2', 'q', 'e'] {
        release(&mut app, c);
    }
    let r = app.jam.run.as_ref().unwrap();
    let keys: Vec<u8> = r.session.played.iter().map(|n| n.pitch.key()).collect();
    assert_eq!(keys, [73, 72, 76], "C#5, C5 and E5 from the upper row");
    assert!(r.session.played.iter().all(|n| n.dur > 0));
    let s = screen(&app, 160, 48);
    assert!(s.contains("your turn"), "{s}");
    assert!(s.contains("a note lasts while its key is held"), "{s}");
    // `]` moves the piano up an octave; Space stops and the session stays for export.
    key(&mut app, KeyCode::Char(']'));
    assert_eq!(app.jam.key_of(0), Some(72));
    key(&mut app, KeyCode::Char(' '));
    assert!(!app.jam.running());
    assert_eq!(app.jam.score().unwrap().tracks[0].notes.len(), 3);
    // Stopped, the keys are actions again.
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.tab, Tab::Dataset);
}

#[test]
fn without_key_releases_the_tab_says_so_and_notes_end_on_the_next_key() {
    let mut app = jam_studio();
    app.jam.releases = false;
    key(&mut app, KeyCode::Char(' '));
    wait(&mut app, "the first beat", |a| {
        a.jam.run.as_ref().is_some_and(|r| r.tick_now() > 0)
    });
    key(&mut app, KeyCode::Char('z'));
    std::thread::sleep(std::time::Duration::from_millis(30));
    key(&mut app, KeyCode::Char('x'));
    let r = app.jam.run.as_ref().unwrap();
    assert_eq!(r.session.played.len(), 1, "z ended when x was pressed");
    assert_eq!(r.session.played[0].pitch.key(), 60);
    let s = screen(&app, 160, 48);
    assert!(s.contains("until the next key or a beat"), "{s}");
    // Narrower, in fewer words that fit the box.
    let s = screen(&app, 80, 24);
    assert!(s.contains("a note ends at the next key/beat┐"), "{s}");
    key(&mut app, KeyCode::Char(' '));
}

#[test]
fn a_bad_tempo_is_one_line_and_nothing_starts() {
    let mut app = jam_studio();
    app.generate.settings.bpm = 20.0;
    key(&mut app, KeyCode::Char(' '));
    assert!(!app.jam.running());
    assert!(app.message.contains("out of range"), "{}", app.message);
    app.generate.settings.bpm = 140.0;
    app.generate.settings.chart = Some("|  |".into());
    key(&mut app, KeyCode::Char(' '));
    assert!(!app.jam.running());
    assert!(!app.message.is_empty());
}

#[test]
fn a_terminal_too_small_for_the_tab_gets_one_line() {
    let app = jam_studio();
    let s = screen(&app, 64, 20);
    // The sizes are the terminal's (the bars around the tab included), not the body's.
    assert!(
        s.contains("The Jam tab needs a 70×21 terminal (this one is 64×20)."),
        "{s}"
    );
}

#[test]
fn the_shared_rows_change_the_generate_tabs_settings() {
    let mut app = jam_studio();
    // Down to the tempo row, then faster.
    key(&mut app, KeyCode::Down);
    let before = app.generate.settings.bpm;
    key(&mut app, KeyCode::Right);
    assert_eq!(app.generate.settings.bpm, before + 10.0);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.jam.settings.bars, 8);
}

#[test]
fn the_session_plays_through_the_sound_rows_choice_or_says_why_not() {
    use crate::tui::player::SoundSource;
    use crate::tui::tabs::jam::JamField;
    let mut app = jam_studio();
    // Nothing else found (no audio here): the row says so in one line.
    app.jam.field = JamField::Sound;
    key(&mut app, KeyCode::Right);
    assert!(
        app.message.contains("only the built-in synth"),
        "{}",
        app.message
    );
    let plays = |app: &mut App, sound: SoundSource, want: SoundSource| {
        app.play.sound = sound;
        key(app, KeyCode::Char(' '));
        assert!(app.jam.running(), "{}", app.message);
        wait(app, "the output", |a| {
            a.jam.output.as_ref().is_some_and(|o| o.sound == want)
        });
        let s = screen(app, 160, 48);
        key(app, KeyCode::Char(' '));
        s
    };
    let font = Path::new("/usr/share/sounds/sf2/TimGM6mb.sf2");
    if font.exists() {
        let sf = SoundSource::SoundFont(font.into());
        let s = plays(&mut app, sf.clone(), sf);
        assert!(!s.contains("instead"), "{s}");
    }
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.sf2");
    std::fs::write(&junk, b"not a SoundFont").unwrap();
    let s = plays(&mut app, SoundSource::SoundFont(junk), SoundSource::Builtin);
    assert!(s.contains("sound: built-in synth instead"), "{s}");
}
