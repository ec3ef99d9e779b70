//! What sits over the tabs (help, a question, a line of input) and how keys answer it.

use super::effect::Effect;
use super::jobs::Job;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Chart,
    Midi,
    Wav,
}

pub enum Overlay {
    None,
    Help,
    ConfirmQuit,
    Confirm { prompt: String, job: Box<Job> },
    Input { purpose: Purpose, text: String },
}

/// Equal when the same kind of overlay shows the same text (a job is not compared).
impl PartialEq for Overlay {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Overlay::None, Overlay::None)
            | (Overlay::Help, Overlay::Help)
            | (Overlay::ConfirmQuit, Overlay::ConfirmQuit) => true,
            (Overlay::Confirm { prompt: a, .. }, Overlay::Confirm { prompt: b, .. }) => a == b,
            (
                Overlay::Input {
                    purpose: pa,
                    text: ta,
                },
                Overlay::Input {
                    purpose: pb,
                    text: tb,
                },
            ) => pa == pb && ta == tb,
            _ => false,
        }
    }
}

impl std::fmt::Debug for Overlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Overlay::None => write!(f, "None"),
            Overlay::Help => write!(f, "Help"),
            Overlay::ConfirmQuit => write!(f, "ConfirmQuit"),
            Overlay::Confirm { prompt, .. } => write!(f, "Confirm({prompt:?})"),
            Overlay::Input { purpose, text } => write!(f, "Input({purpose:?}, {text:?})"),
        }
    }
}

/// What a key does to an open overlay: the overlay that stays (None closes it) and the
/// effect. `quit` and `help` are the user's keys for those actions.
pub fn on_key(
    overlay: Overlay,
    key: KeyEvent,
    help: &[KeyCode],
    quit: &[KeyCode],
) -> (Overlay, Effect) {
    let code = key.code;
    match overlay {
        Overlay::None => (Overlay::None, Effect::None),
        Overlay::Help if code == KeyCode::Esc || help.contains(&code) || quit.contains(&code) => {
            (Overlay::None, Effect::None)
        }
        Overlay::Help => (Overlay::Help, Effect::None),
        Overlay::ConfirmQuit if code == KeyCode::Char('y') || quit.contains(&code) => {
            (Overlay::None, Effect::Quit)
        }
        Overlay::ConfirmQuit => (Overlay::None, Effect::None),
        Overlay::Confirm { job, .. } if code == KeyCode::Char('y') => {
            (Overlay::None, Effect::Job(*job))
        }
        Overlay::Confirm { .. } if matches!(code, KeyCode::Esc | KeyCode::Char('n')) => {
            (Overlay::None, Effect::None)
        }
        o @ Overlay::Confirm { .. } => (o, Effect::None),
        Overlay::Input { purpose, text } => input_key(purpose, text, code),
    }
}

fn input_key(purpose: Purpose, mut text: String, code: KeyCode) -> (Overlay, Effect) {
    match code {
        KeyCode::Esc => return (Overlay::None, Effect::None),
        KeyCode::Enter => return (Overlay::None, Effect::Input(purpose, text)),
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
    (Overlay::Input { purpose, text }, Effect::None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn overlays_are_equal_only_with_the_same_text() {
        let input = |t: &str| Overlay::Input {
            purpose: Purpose::Midi,
            text: t.into(),
        };
        assert_eq!(input("a.mid"), input("a.mid"));
        assert_ne!(input("a.mid"), input("b.mid"));
        assert_ne!(input("a.mid"), Overlay::Help);
    }

    #[test]
    fn typing_edits_the_input_and_enter_hands_it_over() {
        let o = Overlay::Input {
            purpose: Purpose::Chart,
            text: "Dm".into(),
        };
        let (o, _) = on_key(o, key(KeyCode::Char('7')), &[], &[]);
        let (o, _) = on_key(o, key(KeyCode::Backspace), &[], &[]);
        let (o, _) = on_key(o, key(KeyCode::Char('9')), &[], &[]);
        let (o, e) = on_key(o, key(KeyCode::Enter), &[], &[]);
        assert_eq!(o, Overlay::None);
        assert!(matches!(e, Effect::Input(Purpose::Chart, t) if t == "Dm9"));
    }
}
