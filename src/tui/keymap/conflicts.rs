//! One key, one action: a key that two actions share on one tab leaves all but one dead.

use super::{Action, Keymap, Scope, key_name};

/// The first key that several actions share in one scope, with those actions (a tab's
/// binding shadows a global one on purpose, so only bindings of the same scope clash; the
/// Jam tab's piano keys play only while a session runs and the tab's other keys act when
/// it is stopped, so a piano key clashes only with another piano key).
pub fn first_clash(map: &Keymap) -> Option<(String, Scope, Vec<Action>)> {
    let piano = |a: Action| matches!(a, Action::PianoLow | Action::PianoHigh);
    for (i, b) in map.bindings.iter().enumerate() {
        for &k in &b.keys {
            let mut actions: Vec<Action> = vec![b.action];
            for other in &map.bindings[i + 1..] {
                if other.scope == b.scope
                    && piano(other.action) == piano(b.action)
                    && other.keys.contains(&k)
                    && !actions.contains(&other.action)
                {
                    actions.push(other.action);
                }
            }
            if actions.len() > 1 {
                return Some((key_name(k), b.scope, actions));
            }
        }
    }
    None
}

/// The clash as the config error says it, with the names of the actions involved.
pub fn clash_message(map: &Keymap) -> Option<(Vec<&'static str>, String)> {
    let (key, _, actions) = first_clash(map)?;
    let names: Vec<&'static str> = actions.iter().map(|a| a.name()).collect();
    let msg = format!(
        "key {key} is bound to {} at once (one key, one action)",
        names.join(", ")
    );
    Some((names, msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;

    #[test]
    fn the_default_keys_never_clash() {
        assert_eq!(first_clash(&Keymap::default()), None);
    }

    #[test]
    fn one_key_on_three_actions_is_a_clash_naming_them() {
        let mut m = Keymap::default();
        for a in [Action::Quit, Action::Help, Action::NextTab] {
            m.rebind(a, vec![KeyCode::Char('z')]);
        }
        let (key, scope, actions) = first_clash(&m).unwrap();
        assert_eq!((key.as_str(), scope), ("z", Scope::Global));
        assert_eq!(actions, vec![Action::Quit, Action::Help, Action::NextTab]);
    }

    #[test]
    fn piano_keys_clash_with_each_other_but_not_with_the_jam_tabs_other_keys() {
        let mut m = Keymap::default();
        assert!(m.piano(KeyCode::Char('w')).is_some());
        m.rebind(Action::PianoLow, vec![KeyCode::Char('q')]);
        let (key, _, actions) = first_clash(&m).unwrap();
        assert_eq!(key.as_str(), "q");
        assert_eq!(actions, vec![Action::PianoLow, Action::PianoHigh]);
    }

    #[test]
    fn on_the_jam_tab_piano_keys_keep_their_meanings_for_lookup() {
        use crossterm::event::{KeyEvent, KeyModifiers};
        let m = Keymap::default();
        let on_jam = |c: char| {
            let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            m.lookup(crate::tui::keymap::Tab::Jam, k)
        };
        assert_eq!(on_jam('q'), Some(Action::Quit));
        assert_eq!(on_jam('e'), Some(Action::ExportMidi));
        assert_eq!(on_jam('w'), Some(Action::ExportWav));
        assert_eq!(on_jam('j'), Some(Action::Down));
        assert_eq!(on_jam('h'), Some(Action::Left));
        assert_eq!(on_jam('z'), None);
        assert_eq!(m.piano(KeyCode::Char('q')), Some(12), "still the piano's C");
    }
}
