//! improv: a terminal jazz studio that learns to improvise. The core library (no terminal code).

pub mod atomic;
pub mod audio;
pub mod corpus;
pub mod dataset;
pub mod fixtures;
pub mod generate;
pub mod midi;
pub mod model;
pub mod music;
pub mod musicxml;

pub mod scorefile;
pub mod synth;
pub mod tokens;
pub mod train;
pub mod tui;
