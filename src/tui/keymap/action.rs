//! The studio's tabs and the actions a key can have, with their names in the config file
//! and their words in the status bar.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Dataset,
    Train,
    Generate,
    Play,
    Jam,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Dataset, Tab::Train, Tab::Generate, Tab::Play, Tab::Jam];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Dataset => "Dataset",
            Tab::Train => "Train",
            Tab::Generate => "Generate",
            Tab::Play => "Play",
            Tab::Jam => "Jam",
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
    PianoLow,
    PianoHigh,
    OctaveDown,
    OctaveUp,
    SaveSolos,
}

impl Action {
    /// Every action, in the order the config file documents them.
    pub const ALL: [Action; 39] = [
        Action::Quit,
        Action::Help,
        Action::NextTab,
        Action::PrevTab,
        Action::GoTab(Tab::Dataset),
        Action::GoTab(Tab::Train),
        Action::GoTab(Tab::Generate),
        Action::GoTab(Tab::Play),
        Action::GoTab(Tab::Jam),
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::Enter,
        Action::Back,
        Action::LoadDir,
        Action::MelodyTrack,
        Action::PlayFile,
        Action::StartTrain,
        Action::PauseTrain,
        Action::StopTrain,
        Action::SaveNow,
        Action::LogScale,
        Action::Generate,
        Action::EditChart,
        Action::ZoomIn,
        Action::ZoomOut,
        Action::ExportMidi,
        Action::ExportWav,
        Action::PlayPause,
        Action::Stop,
        Action::BarBack,
        Action::BarForward,
        Action::Mute,
        Action::PianoLow,
        Action::PianoHigh,
        Action::OctaveDown,
        Action::OctaveUp,
        Action::SaveSolos,
    ];

    /// The action's name in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::GoTab(Tab::Dataset) => "dataset_tab",
            Action::GoTab(Tab::Train) => "train_tab",
            Action::GoTab(Tab::Generate) => "generate_tab",
            Action::GoTab(Tab::Play) => "play_tab",
            Action::GoTab(Tab::Jam) => "jam_tab",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::Enter => "open",
            Action::Back => "parent",
            Action::LoadDir => "load_folder",
            Action::MelodyTrack => "melody_track",
            Action::PlayFile => "open_in_play",
            Action::StartTrain => "train",
            Action::PauseTrain => "pause_training",
            Action::StopTrain => "stop_training",
            Action::SaveNow => "checkpoint",
            Action::LogScale => "log_scale",
            Action::Generate => "improvise",
            Action::EditChart => "chart",
            Action::ZoomIn => "zoom_in",
            Action::ZoomOut => "zoom_out",
            Action::ExportMidi => "export_midi",
            Action::ExportWav => "export_wav",
            Action::PlayPause => "play_pause",
            Action::Stop => "stop",
            Action::BarBack => "bar_back",
            Action::BarForward => "bar_forward",
            Action::Mute => "mute",
            Action::PianoLow => "piano_low",
            Action::PianoHigh => "piano_high",
            Action::OctaveDown => "octave_down",
            Action::OctaveUp => "octave_up",
            Action::SaveSolos => "save_solos",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// A word or two for the status bar.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
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
            Action::PianoLow => "piano",
            Action::OctaveDown => "octave",
            Action::SaveSolos => "solo files",
            _ => "",
        }
    }
}
