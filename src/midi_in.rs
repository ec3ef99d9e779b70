//! MIDI in: a MIDI keyboard's notes (with velocity) for the Jam tab, through midir.
//!
//! Where there is no MIDI system `ports` and `connect` say so in one line; a port that
//! vanishes while connected is noticed by a watcher and told as `KeyIn::Gone`.

use crate::quiet::quietly;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum MidiInError {
    #[error("no MIDI system here ({0}); the computer keyboard plays")]
    NoSystem(String),
    #[error("no MIDI input port matches \"{0}\" (`improv ports` lists them)")]
    NoPort(String),
    #[error("MIDI input port {port}: {reason}")]
    Port { port: String, reason: String },
}

/// What a MIDI keyboard sends that the Jam tab plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyIn {
    On {
        key: u8,
        velocity: u8,
    },
    Off {
        key: u8,
    },
    /// The port went away.
    Gone(String),
}

/// A channel message as a note on or off (note-on with velocity 0 is a note-off).
pub fn parse(bytes: &[u8]) -> Option<KeyIn> {
    let (&status, rest) = bytes.split_first()?;
    let (key, velocity) = (*rest.first()?, *rest.get(1)?);
    if key > 127 {
        return None;
    }
    match status & 0xF0 {
        0x90 if velocity > 0 => Some(KeyIn::On { key, velocity }),
        0x90 | 0x80 => Some(KeyIn::Off { key }),
        _ => None,
    }
}

fn input() -> Result<midir::MidiInput, MidiInError> {
    quietly(|| midir::MidiInput::new("improv")).map_err(|e| MidiInError::NoSystem(e.to_string()))
}

/// The names of the MIDI input ports, in the system's order.
pub fn ports() -> Result<Vec<String>, MidiInError> {
    let inp = input()?;
    Ok(inp
        .ports()
        .iter()
        .map(|p| inp.port_name(p).unwrap_or_else(|_| "(unnamed)".into()))
        .collect())
}

/// An open input port; dropping it closes the port and stops its watcher.
pub struct MidiIn {
    _conn: midir::MidiInputConnection<()>,
    watching: Arc<AtomicBool>,
    pub name: String,
}

impl MidiIn {
    /// Connects to the port `wanted` names (its number or part of its name); its notes go
    /// to `tx`, and `KeyIn::Gone` when it disappears.
    pub fn connect(wanted: &str, tx: Sender<KeyIn>) -> Result<MidiIn, MidiInError> {
        let inp = input()?;
        let ports = inp.ports();
        let names: Vec<String> = ports
            .iter()
            .map(|p| inp.port_name(p).unwrap_or_default())
            .collect();
        let i = crate::midi_out::pick(&names, wanted)
            .ok_or_else(|| MidiInError::NoPort(wanted.into()))?;
        let name = names[i].clone();
        let notes = tx.clone();
        let conn = inp
            .connect(
                &ports[i],
                "improv",
                move |_, bytes, _| {
                    if let Some(k) = parse(bytes) {
                        let _ = notes.send(k);
                    }
                },
                (),
            )
            .map_err(|e| MidiInError::Port {
                port: name.clone(),
                reason: e.to_string(),
            })?;
        let watching = Arc::new(AtomicBool::new(true));
        watch(name.clone(), watching.clone(), tx);
        Ok(MidiIn {
            _conn: conn,
            watching,
            name,
        })
    }
}

impl Drop for MidiIn {
    fn drop(&mut self) {
        self.watching.store(false, Ordering::Relaxed);
    }
}

/// Looks every second for the port among those listed; says once when it is gone.
fn watch(name: String, watching: Arc<AtomicBool>, tx: Sender<KeyIn>) {
    std::thread::spawn(move || {
        while watching.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_secs(1));
            let listed = ports().is_ok_and(|p| p.contains(&name));
            if !listed && watching.load(Ordering::Relaxed) {
                let _ = tx.send(KeyIn::Gone(name));
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_messages_become_keys_on_any_channel() {
        assert_eq!(
            parse(&[0x90, 60, 100]),
            Some(KeyIn::On {
                key: 60,
                velocity: 100
            })
        );
        assert_eq!(parse(&[0x93, 61, 0]), Some(KeyIn::Off { key: 61 }));
        assert_eq!(parse(&[0x85, 62, 40]), Some(KeyIn::Off { key: 62 }));
        assert_eq!(parse(&[0xB0, 64, 127]), None, "a pedal is not a note");
        assert_eq!(parse(&[0x90, 60]), None, "cut short");
        assert_eq!(parse(&[0xF8]), None, "clock");
    }
}
