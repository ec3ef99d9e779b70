//! Training material for the conditioned model: scores → events with their chord and beat
//! features → windows, split by file, optionally in all twelve keys, and the corpus's register.

use crate::dataset::{DatasetError, FailedFile, midi_files};
use crate::midi::import::{ImportOptions, read_file};
use crate::music::Score;
use crate::tokens::events::{
    self, Clock, Event, FeatureLayout, N_DUR, N_PITCH, dur_index, pitch_index,
};
use crate::tokens::form::piece_features;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub mod lanes;

/// Whether the conditioned kind's training carries the network's state across windows
/// unless told otherwise (`EventOptions::carry`, `improv train --carry`, the studio).
pub const CARRY_BY_DEFAULT: bool = false;

/// Windows of events. Step `t` of window `i` is at `i * tx + t`: the previous event's pitch
/// and duration classes (`N_PITCH` / `N_DUR` start a piece), the features at the new
/// event's onset (`N_FEAT` each), and its classes as targets (`-1`: padding, no loss).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventWindows {
    pub m: usize,
    pub tx: usize,
    pub prev_p: Vec<i32>,
    pub prev_d: Vec<i32>,
    pub feats: Vec<f32>,
    pub y_p: Vec<i32>,
    pub y_d: Vec<i32>,
    /// Windows that carry their state (`carried_windows`): per window, whether it starts its
    /// piece (from a zero state) or carries on from the window before it, the piece's
    /// previous part. Empty: every window starts from a zero state.
    pub starts: Vec<bool>,
}

impl EventWindows {
    pub fn targets(&self) -> usize {
        self.y_p.iter().filter(|&&v| v >= 0).count()
    }

    /// Whether the windows carry their state: each piece cut into consecutive windows.
    pub fn carried(&self) -> bool {
        !self.starts.is_empty()
    }

    /// Whether window `i` carries on from the window before it (the same piece's).
    pub fn continues(&self, i: usize) -> bool {
        self.starts.get(i).is_some_and(|s| !s)
    }

    /// The same windows with every chord and beat feature zeroed (the ablation's input).
    pub fn blinded(mut self) -> Self {
        self.feats.iter_mut().for_each(|v| *v = 0.0);
        self
    }
}

/// The register a corpus plays in, in MIDI keys: decoding keeps lines inside it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Register {
    pub centre: u8,
    /// Semitones from the lowest to the highest allowed key.
    pub span: u8,
}

impl Register {
    pub fn low(&self) -> u8 {
        self.centre.saturating_sub(self.span / 2)
    }
    pub fn high(&self) -> u8 {
        self.low().saturating_add(self.span)
    }

    /// The 2nd to 98th percentile of the events' pitches, centred.
    pub fn of_events<'a>(seqs: impl IntoIterator<Item = &'a [Event]>) -> Register {
        let mut keys: Vec<u8> = seqs
            .into_iter()
            .flat_map(|s| s.iter().filter_map(|e| e.pitch))
            .collect();
        if keys.is_empty() {
            return Register {
                centre: 67,
                span: 28,
            };
        }
        keys.sort_unstable();
        let at = |q: f64| keys[((keys.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.02), at(0.98));
        Register {
            centre: ((lo as u16 + hi as u16) / 2) as u8,
            span: (hi - lo).max(12),
        }
    }
}

/// One piece as the model sees it: its events and its clock.
#[derive(Clone, Debug)]
pub struct Piece {
    pub name: String,
    pub events: Vec<Event>,
    pub clock: Clock,
}

/// The twelve keys of augmentation, as shifts from the original (which comes first).
pub const KEY_SHIFTS: [i32; 12] = [0, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6];

impl Piece {
    /// The piece `semitones` higher: its notes and its chords (as `events::transpose` moves
    /// a score).
    pub fn transposed(&self, semitones: i32) -> Piece {
        let mut p = self.clone();
        for e in &mut p.events {
            e.pitch = e.pitch.map(|k| (k as i32 + semitones).clamp(0, 127) as u8);
        }
        for c in &mut p.clock.chords {
            c.chord = c.chord.transpose(semitones);
        }
        p
    }

    pub fn of_score(name: &str, score: &Score) -> Piece {
        Piece {
            name: name.to_string(),
            events: events::encode(score),
            clock: Clock::of_score(score),
        }
    }
}

/// Windows of `tx` events every `stride` events over the pieces, with `layout`'s features
/// (the last window of a piece ends with it; a piece shorter than `tx` is one window,
/// padded).
pub fn make_windows(
    pieces: &[Piece],
    tx: usize,
    stride: usize,
    layout: &FeatureLayout,
) -> EventWindows {
    cut_windows(pieces, tx, Some(stride), layout)
}

/// Windows that carry their state: each piece cut into consecutive windows of `tx` events,
/// one after another (the last one padded), each flagged whether it starts its piece.
pub fn carried_windows(pieces: &[Piece], tx: usize, layout: &FeatureLayout) -> EventWindows {
    cut_windows(pieces, tx, None, layout)
}

/// `make_windows` every `stride` events, or `carried_windows` (None).
fn cut_windows(
    pieces: &[Piece],
    tx: usize,
    stride: Option<usize>,
    layout: &FeatureLayout,
) -> EventWindows {
    let mut w = EventWindows {
        tx,
        ..Default::default()
    };
    let nf = layout.len;
    for p in pieces.iter().filter(|p| !p.events.is_empty()) {
        let ev = &p.events;
        let table = piece_features(layout, &p.clock, ev);
        let last = match stride {
            Some(_) => ev.len().saturating_sub(tx),
            None => (ev.len() - 1) / tx.max(1) * tx,
        };
        let mut start = 0;
        loop {
            for t in start..start + tx {
                let (pp, pd) = match t.checked_sub(1).and_then(|i| ev.get(i)) {
                    Some(e) => (pitch_index(e.pitch), dur_index(e.units)),
                    None => (N_PITCH, N_DUR),
                };
                w.prev_p.push(pp as i32);
                w.prev_d.push(pd as i32);
                match ev.get(t) {
                    Some(e) => {
                        w.feats.extend_from_slice(&table[t * nf..(t + 1) * nf]);
                        w.y_p.push(pitch_index(e.pitch) as i32);
                        w.y_d.push(dur_index(e.units) as i32);
                    }
                    None => {
                        w.feats.extend(std::iter::repeat_n(0.0, nf));
                        w.y_p.push(-1);
                        w.y_d.push(-1);
                    }
                }
            }
            w.m += 1;
            if stride.is_none() {
                w.starts.push(start == 0);
            }
            if start >= last {
                break;
            }
            start = (start + stride.unwrap_or(tx).max(1)).min(last);
        }
    }
    w
}

/// How the conditioned model's material is cut.
#[derive(Clone, Debug, PartialEq)]
pub struct EventOptions {
    pub tx: usize,
    pub stride: usize,
    pub val_fraction: f64,
    /// Add the training pieces transposed by these semitones (validation stays in the
    /// original keys); empty: no augmentation.
    pub augment_keys: Vec<i32>,
    /// Zero the chord and beat features (the ablation).
    pub blind: bool,
    /// Which features the network reads (`FeatureLayout::V1` or `V2`).
    pub layout: FeatureLayout,
    /// Cut every piece into consecutive windows that carry the network's state from one
    /// to the next (`carried_windows`; `stride` is then `tx`), for training and validation.
    pub carry: bool,
    pub seed: u64,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            tx: 64,
            stride: 16,
            val_fraction: 0.1,
            augment_keys: Vec::new(),
            blind: false,
            layout: FeatureLayout::V1,
            carry: CARRY_BY_DEFAULT,
            seed: 0,
        }
    }
}

/// The conditioned model's training and validation windows and what the bundle keeps.
#[derive(Clone, Debug)]
pub struct EventData {
    pub train: EventWindows,
    pub val: EventWindows,
    pub register: Register,
    pub options: EventOptions,
    pub train_events: usize,
    pub val_events: usize,
    pub fingerprint: String,
}

/// Splits pieces into training and validation (by piece, seeded, when there are five or
/// more; else the tail of every piece), the way `dataset` splits token streams.
pub fn split(pieces: Vec<Piece>, opts: &EventOptions) -> (Vec<Piece>, Vec<Piece>) {
    let frac = opts.val_fraction.clamp(0.0, 0.5);
    if frac == 0.0 {
        return (pieces, Vec::new());
    }
    if pieces.len() >= 5 {
        let n_val = ((pieces.len() as f64 * frac).round() as usize).max(1);
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
        let val_set = &order[..n_val];
        let (mut train, mut val) = (Vec::new(), Vec::new());
        for (i, p) in pieces.into_iter().enumerate() {
            if val_set.contains(&i) {
                val.push(p);
            } else {
                train.push(p);
            }
        }
        return (train, val);
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for p in pieces {
        let cut = p.events.len() - ((p.events.len() as f64 * frac).round() as usize);
        let mut tail = p.clone();
        tail.events = p.events[cut..].to_vec();
        let mut head = p;
        head.events.truncate(cut);
        train.push(head);
        val.push(tail);
    }
    (train, val)
}

impl EventData {
    /// From named scores (augmentation is applied here, to the training pieces only).
    pub fn from_scores(named: Vec<(String, Score)>, opts: &EventOptions) -> EventData {
        let pieces: Vec<Piece> = named
            .iter()
            .map(|(n, s)| Piece::of_score(n, s))
            .filter(|p| p.events.iter().any(|e| e.pitch.is_some()))
            .collect();
        let (train, val) = split(pieces, opts);
        let register = Register::of_events(train.iter().map(|p| p.events.as_slice()));
        let train: Vec<Piece> = if !opts.augment_keys.is_empty() {
            let shifts: Vec<i32> = std::iter::once(0)
                .chain(opts.augment_keys.iter().copied().filter(|&k| k != 0))
                .collect();
            train
                .iter()
                .flat_map(|p| shifts.iter().map(|&k| p.transposed(k)))
                .collect()
        } else {
            train
        };
        let count = |ps: &[Piece]| ps.iter().map(|p| p.events.len()).sum();
        let (mut tw, mut vw) = if opts.carry {
            (
                carried_windows(&train, opts.tx, &opts.layout),
                carried_windows(&val, opts.tx, &opts.layout),
            )
        } else {
            let tw = make_windows(&train, opts.tx, opts.stride, &opts.layout);
            (tw, make_windows(&val, opts.tx, opts.tx, &opts.layout))
        };
        if opts.blind {
            tw = tw.blinded();
            vw = vw.blinded();
        }
        let fingerprint = fingerprint(&train, &val, opts);
        EventData {
            train_events: count(&train),
            val_events: count(&val),
            train: tw,
            val: vw,
            register,
            options: opts.clone(),
            fingerprint,
        }
    }

    /// Reads MIDI files and directories; unreadable files are listed and skipped.
    pub fn load(
        paths: &[PathBuf],
        opts: &EventOptions,
        import: &ImportOptions,
    ) -> Result<(EventData, Vec<FailedFile>), DatasetError> {
        let mut named = Vec::new();
        let mut failed = Vec::new();
        for f in midi_files(paths)? {
            match read_file(&f, import) {
                Ok(imp) if imp.score.melody().is_some_and(|m| !m.notes.is_empty()) => {
                    named.push((f.display().to_string(), imp.score))
                }
                Ok(_) => failed.push(FailedFile {
                    path: f,
                    reason: "no melody track found".into(),
                }),
                Err(e) => failed.push(FailedFile {
                    path: f,
                    reason: e.reason(),
                }),
            }
        }
        if named.is_empty() {
            return Err(DatasetError::NoData { failed });
        }
        Ok((EventData::from_scores(named, opts), failed))
    }
}

fn fingerprint(train: &[Piece], val: &[Piece], opts: &EventOptions) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    };
    eat(opts.tx as u64);
    for &k in &opts.augment_keys {
        eat(k as u64);
    }
    eat(u64::from(opts.blind));
    if opts.layout != FeatureLayout::V1 {
        eat(opts.layout.len as u64);
    }
    for p in train.iter().chain(val) {
        for e in &p.events {
            eat(e.pitch.map_or(0, |k| k as u64 + 1) | (e.units as u64) << 8);
        }
        eat(u64::MAX);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests;
