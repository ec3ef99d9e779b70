//! Every key of the studio in one table: key → action → help text. The status bar and the
//! `?` overlay are drawn from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Dataset,
    Train,
    Generate,
    Play,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Dataset, Tab::Train, Tab::Generate, Tab::Play];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Dataset => "Dataset",
            Tab::Train => "Train",
            Tab::Generate => "Generate",
            Tab::Play => "Play",
        }
    }
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    GoTab(Tab),
    Up,
    Down,
    Left,
    Right,
    Enter,
    Back,
    LoadDir,
    MelodyTrack,
    PlayFile,
    StartTrain,
    PauseTrain,
    StopTrain,
    SaveNow,
    LogScale,
    Generate,
    EditChart,
    ZoomIn,
    ZoomOut,
    ExportMidi,
    ExportWav,
    PlayPause,
    Stop,
    BarBack,
    BarForward,
    Mute,
}

/// Where a key works: everywhere, or on one tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    On(Tab),
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub scope: Scope,
    pub action: Action,
    pub help: &'static str,
}

use KeyCode::*;
use Scope::*;

const fn b(
    keys: &'static [KeyCode],
    label: &'static str,
    scope: Scope,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        scope,
        action,
        help,
    }
}

pub const KEYMAP: &[Binding] = &[
    b(
        &[Char('q')],
        "q",
        Global,
        Action::Quit,
        "quit (asks when work is unsaved)",
    ),
    b(
        &[Char('?')],
        "?",
        Global,
        Action::Help,
        "show or hide this help",
    ),
    b(&[KeyCode::Tab], "Tab", Global, Action::NextTab, "next tab"),
    b(&[BackTab], "S-Tab", Global, Action::PrevTab, "previous tab"),
    b(
        &[Char('1')],
        "1",
        Global,
        Action::GoTab(Tab::Dataset),
        "Dataset tab",
    ),
    b(
        &[Char('2')],
        "2",
        Global,
        Action::GoTab(Tab::Train),
        "Train tab",
    ),
    b(
        &[Char('3')],
        "3",
        Global,
        Action::GoTab(Tab::Generate),
        "Generate tab",
    ),
    b(
        &[Char('4')],
        "4",
        Global,
        Action::GoTab(Tab::Play),
        "Play tab",
    ),
    b(
        &[Up, Char('k')],
        "↑↓/jk",
        Global,
        Action::Up,
        "move the selection",
    ),
    b(&[Down, Char('j')], "", Global, Action::Down, ""),
    b(
        &[Left, Char('h')],
        "←→/hl",
        Global,
        Action::Left,
        "change the value or scroll",
    ),
    b(&[Right, Char('l')], "", Global, Action::Right, ""),
    b(
        &[Enter],
        "Enter",
        On(Tab::Dataset),
        Action::Enter,
        "open the folder or load the file",
    ),
    b(
        &[Backspace],
        "Bksp",
        On(Tab::Dataset),
        Action::Back,
        "parent folder",
    ),
    b(
        &[Char('a')],
        "a",
        On(Tab::Dataset),
        Action::LoadDir,
        "load every MIDI file in this folder",
    ),
    b(
        &[Char('m')],
        "m",
        On(Tab::Dataset),
        Action::MelodyTrack,
        "melody track of the selected file",
    ),
    b(
        &[Char('p')],
        "p",
        On(Tab::Dataset),
        Action::PlayFile,
        "open the selected file in Play",
    ),
    b(
        &[Char('t')],
        "t",
        On(Tab::Train),
        Action::StartTrain,
        "start training on the loaded dataset",
    ),
    b(
        &[Char('p')],
        "p",
        On(Tab::Train),
        Action::PauseTrain,
        "pause or resume",
    ),
    b(
        &[Char('s')],
        "s",
        On(Tab::Train),
        Action::StopTrain,
        "stop and save",
    ),
    b(
        &[Char('w')],
        "w",
        On(Tab::Train),
        Action::SaveNow,
        "save a checkpoint now",
    ),
    b(
        &[Char('L')],
        "L",
        On(Tab::Train),
        Action::LogScale,
        "log-scale loss axis",
    ),
    b(
        &[Char('g')],
        "g",
        On(Tab::Generate),
        Action::Generate,
        "improvise a solo",
    ),
    b(
        &[Char('c')],
        "c",
        On(Tab::Generate),
        Action::EditChart,
        "type a chord chart",
    ),
    b(
        &[Char('+'), Char('=')],
        "+/-",
        On(Tab::Generate),
        Action::ZoomIn,
        "zoom the piano roll",
    ),
    b(&[Char('-')], "", On(Tab::Generate), Action::ZoomOut, ""),
    b(
        &[Char('e')],
        "e",
        On(Tab::Generate),
        Action::ExportMidi,
        "export the solo as MIDI",
    ),
    b(
        &[Char('w')],
        "w",
        On(Tab::Generate),
        Action::ExportWav,
        "export the solo as WAV",
    ),
    b(
        &[Char('e')],
        "e",
        On(Tab::Play),
        Action::ExportMidi,
        "export as MIDI",
    ),
    b(
        &[Char('w')],
        "w",
        On(Tab::Play),
        Action::ExportWav,
        "export as WAV",
    ),
    b(
        &[Char(' ')],
        "Space",
        On(Tab::Generate),
        Action::PlayPause,
        "play or pause",
    ),
    b(
        &[Char(' ')],
        "Space",
        On(Tab::Play),
        Action::PlayPause,
        "play or pause",
    ),
    b(&[Char('x')], "x", On(Tab::Play), Action::Stop, "stop"),
    b(
        &[Char('[')],
        "[ ]",
        On(Tab::Play),
        Action::BarBack,
        "jump a bar back or forward",
    ),
    b(&[Char(']')], "", On(Tab::Play), Action::BarForward, ""),
    b(
        &[Char('m')],
        "m",
        On(Tab::Play),
        Action::Mute,
        "mute or unmute the selected part",
    ),
];

/// The action a key has on `tab`: tab bindings win over global ones.
pub fn lookup(tab: Tab, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    let hit = |scope: Scope| {
        KEYMAP
            .iter()
            .find(|b| b.scope == scope && b.keys.contains(&key.code))
            .map(|b| b.action)
    };
    hit(On(tab)).or_else(|| hit(Global))
}

/// A word or two for the status bar.
fn short(a: Action) -> &'static str {
    match a {
        Action::Enter => "open",
        Action::Back => "up",
        Action::LoadDir => "load folder",
        Action::MelodyTrack => "melody track",
        Action::PlayFile => "to Play",
        Action::StartTrain => "train",
        Action::PauseTrain => "pause",
        Action::StopTrain => "stop+save",
        Action::SaveNow => "checkpoint",
        Action::LogScale => "log scale",
        Action::Generate => "improvise",
        Action::EditChart => "chart",
        Action::ZoomIn => "zoom",
        Action::ExportMidi => "MIDI",
        Action::ExportWav => "WAV",
        Action::PlayPause => "play/pause",
        Action::Stop => "stop",
        Action::BarBack => "bars",
        Action::Mute => "mute",
        _ => "",
    }
}

/// The bindings worth showing in the status bar for `tab`.
pub fn hints(tab: Tab) -> Vec<(&'static str, &'static str)> {
    KEYMAP
        .iter()
        .filter(|b| b.scope == On(tab) && !b.label.is_empty())
        .map(|b| (b.label, short(b.action)))
        .chain([("?", "help"), ("q", "quit")])
        .collect()
}
