//! What a tab's key handling asks the app to do: the tabs change their own state and
//! return effects; the app carries them out (jobs, audio, tab switches, messages).

use super::jobs::Job;
use super::keymap::{Action, Tab};
use super::overlay::{Overlay, Purpose};
use super::player::AudioCmd;
use crate::train::TrainControl;
use std::path::PathBuf;

pub enum Effect {
    None,
    /// Several effects, in order.
    Many(Vec<Effect>),
    Message(String),
    Job(Job),
    Audio(AudioCmd),
    Overlay(Overlay),
    GoTab(Tab),
    /// Do this action on the current tab (after a `GoTab`).
    Act(Action),
    /// Load these files or folders as the dataset (with the Train tab's Tx).
    LoadDataset(Vec<PathBuf>),
    StartTraining,
    Train(TrainControl),
    /// Load the bundle this many places on in the models folder.
    NextModel(i64),
    Generate,
    /// Ask where to export the playing score (true: WAV).
    AskExport {
        wav: bool,
    },
    /// Render and play from this many seconds in.
    Play(f64),
    /// Start a Jam session with the Jam tab's settings.
    StartJam,
    /// Save the user's turns of the last session as solo files.
    SaveSolos,
    /// Choose the MIDI input port this many places on.
    NextMidiIn(i64),
    /// The text of a closed input overlay.
    Input(Purpose, String),
    Quit,
}
