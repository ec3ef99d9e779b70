//! How keys answer an open overlay: the overlay that stays and the effect for the app.

use super::effect::Effect;
use super::overlay::{Overlay, Purpose};
use crossterm::event::{KeyCode, KeyEvent};

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
