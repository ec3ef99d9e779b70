//! improv: a terminal jazz studio that learns to improvise. The core library (no terminal code).
//!
//! The modules behind the `audio` feature (the playback device and MIDI out) and the `studio` feature (the
//! terminal front end) are the only ones that know a device or a terminal exists; everything
//! else builds with `--no-default-features`.

pub mod atomic;
#[cfg(feature = "audio")]
pub mod audio;
pub mod charts;
pub mod corpus;
pub mod dataset;
pub mod fixtures;
pub mod generate;
pub mod jam;
pub mod judge;
pub mod midi;
#[cfg(feature = "audio")]
pub mod midi_in;
#[cfg(feature = "audio")]
pub mod midi_out;
pub mod model;
pub mod music;
pub mod musicxml;
pub mod quiet;
pub mod wjazzd;

pub mod scorefile;
pub mod synth;
pub mod tokens;
pub mod trade;
pub mod train;
#[cfg(feature = "studio")]
pub mod tui;
