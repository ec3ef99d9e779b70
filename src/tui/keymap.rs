//! Every key of the studio in one table: key → action → help text. The status bar and the
//! `?` overlay are drawn from it, and the config file can rebind any action in it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod action;
mod conflicts;
pub use action::{Action, Tab};
pub use conflicts::clash_message;

/// Where a key works: everywhere, or on one tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    On(Tab),
}

/// One row of the default table. An empty help text marks the second half of a pair
/// (↑ and ↓, + and -) that the help shows on the first half's line.
pub struct Default {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub scope: Scope,
    pub action: Action,
    pub help: &'static str,
}

use KeyCode::*;
use Scope::*;

const fn d(
    keys: &'static [KeyCode],
    label: &'static str,
    scope: Scope,
    action: Action,
    help: &'static str,
) -> Default {
    Default {
        keys,
        label,
        scope,
        action,
        help,
    }
}

const DS: Scope = On(Tab::Dataset);
const TR: Scope = On(Tab::Train);
const GE: Scope = On(Tab::Generate);
const PL: Scope = On(Tab::Play);
const JA: Scope = On(Tab::Jam);

#[rustfmt::skip]
pub const DEFAULTS: &[Default] = &[
    d(&[Char('q')], "q", Global, Action::Quit, "quit (asks when work is unsaved)"),
    d(&[Char('?')], "?", Global, Action::Help, "show or hide this help"),
    d(&[KeyCode::Tab], "Tab", Global, Action::NextTab, "next tab"),
    d(&[BackTab], "S-Tab", Global, Action::PrevTab, "previous tab"),
    d(&[Char('1')], "1", Global, Action::GoTab(Tab::Dataset), "Dataset tab"),
    d(&[Char('2')], "2", Global, Action::GoTab(Tab::Train), "Train tab"),
    d(&[Char('3')], "3", Global, Action::GoTab(Tab::Generate), "Generate tab"),
    d(&[Char('4')], "4", Global, Action::GoTab(Tab::Play), "Play tab"),
    d(&[Char('5')], "5", Global, Action::GoTab(Tab::Jam), "Jam tab"),
    d(&[Up, Char('k')], "↑↓/jk", Global, Action::Up, "move the selection"),
    d(&[Down, Char('j')], "", Global, Action::Down, ""),
    d(&[Left, Char('h')], "←→/hl", Global, Action::Left, "change the value or scroll"),
    d(&[Right, Char('l')], "", Global, Action::Right, ""),
    d(&[Enter], "Enter", DS, Action::Enter, "open the folder or load the file"),
    d(&[Backspace], "Bksp", DS, Action::Back, "parent folder"),
    d(&[Char('a')], "a", DS, Action::LoadDir, "load every MIDI file in this folder"),
    d(&[Char('m')], "m", DS, Action::MelodyTrack, "melody track of the selected file"),
    d(&[Char('p')], "p", DS, Action::PlayFile, "open the selected file in Play"),
    d(&[Char('t')], "t", TR, Action::StartTrain, "start training on the loaded dataset"),
    d(&[Char('p')], "p", TR, Action::PauseTrain, "pause or resume"),
    d(&[Char('s')], "s", TR, Action::StopTrain, "stop and save"),
    d(&[Char('w')], "w", TR, Action::SaveNow, "save a checkpoint now"),
    d(&[Char('L')], "L", TR, Action::LogScale, "log-scale loss axis"),
    d(&[Char('g')], "g", GE, Action::Generate, "improvise a solo"),
    d(&[Char('c')], "c", GE, Action::EditChart, "type a chord chart"),
    d(&[Char('+'), Char('=')], "+/-", GE, Action::ZoomIn, "zoom the piano roll"),
    d(&[Char('-')], "", GE, Action::ZoomOut, ""),
    d(&[Char('e')], "e", GE, Action::ExportMidi, "export the solo as MIDI"),
    d(&[Char('w')], "w", GE, Action::ExportWav, "export the solo as WAV"),
    d(&[Char('e')], "e", PL, Action::ExportMidi, "export as MIDI"),
    d(&[Char('w')], "w", PL, Action::ExportWav, "export as WAV"),
    d(&[Char(' ')], "Space", GE, Action::PlayPause, "play or pause"),
    d(&[Char(' ')], "Space", PL, Action::PlayPause, "play or pause"),
    d(&[Char('x')], "x", PL, Action::Stop, "stop"),
    d(&[Char('[')], "[ ]", PL, Action::BarBack, "jump a bar back or forward"),
    d(&[Char(']')], "", PL, Action::BarForward, ""),
    d(&[Char('m')], "m", PL, Action::Mute, "mute or unmute the selected part"),
    d(&[Char(' ')], "Space", JA, Action::PlayPause, "start or stop the session"),
    d(PIANO_LOW, "z s x d c v g b h n j m ,", JA, Action::PianoLow,
      "piano C–C while jamming"),
    d(PIANO_HIGH, "q 2 w 3 e r 5 t 6 y 7 u i", JA, Action::PianoHigh,
      "piano, octave above"),
    d(&[Char('[')], "[ ]", JA, Action::OctaveDown, "piano an octave down or up"),
    d(&[Char(']')], "", JA, Action::OctaveUp, ""),
    d(&[Char('e')], "e", JA, Action::ExportMidi, "export the session as MIDI"),
    d(&[Char('w')], "w", JA, Action::ExportWav, "export the session as WAV"),
    d(&[Char('f')], "f", JA, Action::SaveSolos, "your turns as solo files"),
];

/// The computer keyboard's piano: two rows, a chromatic octave each (C to C).
#[rustfmt::skip]
const PIANO_LOW: &[KeyCode] = &[
    Char('z'), Char('s'), Char('x'), Char('d'), Char('c'), Char('v'), Char('g'),
    Char('b'), Char('h'), Char('n'), Char('j'), Char('m'), Char(','),
];
#[rustfmt::skip]
const PIANO_HIGH: &[KeyCode] = &[
    Char('q'), Char('2'), Char('w'), Char('3'), Char('e'), Char('r'), Char('5'),
    Char('t'), Char('6'), Char('y'), Char('7'), Char('u'), Char('i'),
];

/// One binding of the live keymap (the defaults with the user's keys applied).
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<KeyCode>,
    /// The keys as the help and status bar show them ("" for a pair's second half).
    pub label: String,
    pub scope: Scope,
    pub action: Action,
    pub help: &'static str,
}

/// The keymap in use: lookup, status-bar hints and help rows all read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl std::default::Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|b| Binding {
                    keys: b.keys.to_vec(),
                    label: b.label.to_string(),
                    scope: b.scope,
                    action: b.action,
                    help: b.help,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// The action a key has on `tab`: tab bindings win over global ones. The piano's keys
    /// are not actions (a running session plays them through `piano`), so stopped, they
    /// keep their other meanings (`q` quits, `e` exports, `j` moves down).
    pub fn lookup(&self, tab: Tab, key: KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return None;
        }
        let piano = |a: Action| matches!(a, Action::PianoLow | Action::PianoHigh);
        let hit = |scope: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == scope && !piano(b.action) && b.keys.contains(&key.code))
                .map(|b| b.action)
        };
        hit(On(tab)).or_else(|| hit(Global))
    }

    /// Semitones above the piano's lowest C that `key` plays (None: not a piano key).
    pub fn piano(&self, key: KeyCode) -> Option<i32> {
        [(Action::PianoLow, 0), (Action::PianoHigh, 12)]
            .into_iter()
            .find_map(|(a, base)| {
                let b = self.bindings.iter().find(|b| b.action == a)?;
                let i = b.keys.iter().position(|&k| k == key)?;
                Some(base + i as i32)
            })
    }

    /// Binds `action` (wherever it is bound) to `keys` instead of its defaults, and
    /// relabels it and the other half of its pair.
    pub fn rebind(&mut self, action: Action, keys: Vec<KeyCode>) {
        for i in 0..self.bindings.len() {
            if self.bindings[i].action != action {
                continue;
            }
            self.bindings[i].keys = keys.clone();
            let head = if self.bindings[i].help.is_empty() {
                i.saturating_sub(1)
            } else {
                i
            };
            self.relabel(head);
        }
    }

    fn relabel(&mut self, head: usize) {
        let mut label = key_names(&self.bindings[head].keys);
        if let Some(pair) = self.bindings.get(head + 1).filter(|b| b.help.is_empty()) {
            label = format!("{label}/{}", key_names(&pair.keys));
        }
        self.bindings[head].label = label;
    }

    /// The label of the first binding of `action` (for messages such as "press t again").
    pub fn label(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map_or_else(String::new, |b| key_names(&b.keys))
    }

    /// The bindings worth showing in the status bar for `tab`, then help and quit.
    pub fn hints(&self, tab: Tab) -> Vec<(String, &'static str)> {
        let shown = |b: &&Binding| !b.label.is_empty();
        let global = |a: Action| {
            self.bindings
                .iter()
                .filter(move |b| b.scope == Global && b.action == a)
        };
        // The piano's rows are drawn on the Jam tab itself.
        let piano = |b: &&Binding| matches!(b.action, Action::PianoLow | Action::PianoHigh);
        self.bindings
            .iter()
            .filter(|b| b.scope == On(tab) && !piano(b))
            .chain(global(Action::Help))
            .chain(global(Action::Quit))
            .filter(shown)
            .map(|b| (b.label.clone(), b.action.short()))
            .collect()
    }

    /// The help rows of one scope: (keys, what they do).
    pub fn help_rows(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope && !b.label.is_empty())
            .map(|b| (b.label.clone(), b.help))
            .collect()
    }
}

/// How a key is written in the help and in the config file.
pub fn key_name(k: KeyCode) -> String {
    match k {
        Char(' ') => "Space".into(),
        Char(c) => c.to_string(),
        Up => "↑".into(),
        Down => "↓".into(),
        Left => "←".into(),
        Right => "→".into(),
        BackTab => "S-Tab".into(),
        Backspace => "Bksp".into(),
        F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

fn key_names(keys: &[KeyCode]) -> String {
    keys.iter()
        .map(|&k| key_name(k))
        .collect::<Vec<_>>()
        .join(",")
}
