//! What sits over the tabs: help, a question, a line of input.

use super::jobs::Job;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
