//! The Score: notes in ticks (480 per quarter note), tracks with roles, chords, tempo and meter.

use super::chord::Chord;
use super::pitch::Pitch;
use serde::{Deserialize, Serialize};

/// Ticks per quarter note everywhere inside improv (imports are rescaled to it).
pub const PPQ: u32 = 480;
/// A time position or length in ticks at [`PPQ`].
pub type Tick = u32;

/// One sounding note.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Note {
    pub start: Tick,
    pub dur: Tick,
    pub pitch: Pitch,
    /// 1..=127.
    pub velocity: u8,
}

impl Note {
    pub fn end(&self) -> Tick {
        self.start + self.dur
    }
}

/// What a track does in the band.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Role {
    Melody,
    Chords,
    Bass,
    Drums,
    Other,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Melody => "melody",
            Role::Chords => "chords",
            Role::Bass => "bass",
            Role::Drums => "drums",
            Role::Other => "other",
        }
    }
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Track {
    pub name: String,
    pub role: Role,
    /// MIDI channel 0..=15 (9 is drums).
    pub channel: u8,
    /// General MIDI program 0..=127.
    pub program: u8,
    /// Sorted by start, then pitch.
    pub notes: Vec<Note>,
}

impl Track {
    pub fn new(name: impl Into<String>, role: Role, channel: u8, program: u8) -> Self {
        Track {
            name: name.into(),
            role,
            channel,
            program,
            notes: Vec::new(),
        }
    }
    pub fn sort(&mut self) {
        self.notes
            .sort_by_key(|n| (n.start, n.pitch, std::cmp::Reverse(n.dur)));
    }
    pub fn end(&self) -> Tick {
        self.notes.iter().map(Note::end).max().unwrap_or(0)
    }
}

/// A chord sounding from `start` for `dur` ticks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChordSpan {
    pub start: Tick,
    pub dur: Tick,
    pub chord: Chord,
}

impl ChordSpan {
    pub fn end(&self) -> Tick {
        self.start + self.dur
    }
}

/// A tempo from `tick` on, in microseconds per quarter note (as MIDI stores it).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Tempo {
    pub tick: Tick,
    pub us_per_quarter: u32,
}

impl Tempo {
    pub fn from_bpm(tick: Tick, bpm: f64) -> Self {
        Tempo {
            tick,
            us_per_quarter: (60_000_000.0 / bpm.clamp(1.0, 2000.0)).round() as u32,
        }
    }
    pub fn bpm(&self) -> f64 {
        60_000_000.0 / self.us_per_quarter.max(1) as f64
    }
}

/// A time signature from `tick` on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TimeSig {
    pub tick: Tick,
    pub num: u8,
    /// The denominator itself (4 for x/4), a power of two.
    pub den: u8,
}

impl TimeSig {
    /// Length of one bar in ticks.
    pub fn bar_ticks(&self) -> Tick {
        PPQ * 4 * self.num.max(1) as u32 / self.den.max(1) as u32
    }
}

/// Where a line lives: its lowest, median and highest MIDI pitch.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Register {
    pub lowest: u8,
    pub median: u8,
    pub highest: u8,
}

impl Register {
    /// `None` for no notes.
    pub fn of(notes: &[Note]) -> Option<Register> {
        let mut keys: Vec<u8> = notes.iter().map(|n| n.pitch.key()).collect();
        keys.sort_unstable();
        Some(Register {
            lowest: *keys.first()?,
            median: keys[keys.len() / 2],
            highest: *keys.last()?,
        })
    }
}

impl std::fmt::Display for Register {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |k: u8| Pitch::new(k).map_or(k.to_string(), |p| p.name());
        write!(
            f,
            "{}–{}–{}",
            name(self.lowest),
            name(self.median),
            name(self.highest)
        )
    }
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct Score {
    pub title: String,
    pub tracks: Vec<Track>,
    /// Sorted, non-overlapping.
    pub chords: Vec<ChordSpan>,
    /// Sorted by tick; the first is at tick 0 (120 bpm when a file says nothing).
    pub tempos: Vec<Tempo>,
    /// Sorted by tick; the first is at tick 0 (4/4 when a file says nothing).
    pub time_sigs: Vec<TimeSig>,
}

impl Score {
    /// An empty score at `bpm` in 4/4.
    pub fn new(title: impl Into<String>, bpm: f64) -> Self {
        Score {
            title: title.into(),
            tracks: Vec::new(),
            chords: Vec::new(),
            tempos: vec![Tempo::from_bpm(0, bpm)],
            time_sigs: vec![TimeSig {
                tick: 0,
                num: 4,
                den: 4,
            }],
        }
    }

    pub fn track(&self, role: Role) -> Option<&Track> {
        self.tracks.iter().find(|t| t.role == role)
    }
    pub fn track_mut(&mut self, role: Role) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.role == role)
    }
    pub fn melody(&self) -> Option<&Track> {
        self.track(Role::Melody)
    }

    /// The last tick anything (note or chord) sounds.
    pub fn end(&self) -> Tick {
        let notes = self.tracks.iter().map(Track::end).max().unwrap_or(0);
        let chords = self.chords.last().map(ChordSpan::end).unwrap_or(0);
        notes.max(chords)
    }

    pub fn note_count(&self) -> usize {
        self.tracks.iter().map(|t| t.notes.len()).sum()
    }

    /// The tempo at the start, in beats per minute.
    pub fn bpm(&self) -> f64 {
        self.tempos.first().map(Tempo::bpm).unwrap_or(120.0)
    }

    pub fn time_sig_at(&self, tick: Tick) -> TimeSig {
        self.time_sigs
            .iter()
            .rev()
            .find(|t| t.tick <= tick)
            .copied()
            .unwrap_or(TimeSig {
                tick: 0,
                num: 4,
                den: 4,
            })
    }

    /// The start tick of every bar up to `end()` (at least one), following meter changes.
    pub fn bar_starts(&self) -> Vec<Tick> {
        let end = self.end().max(1);
        let mut out = Vec::new();
        let mut t = 0;
        while t < end && out.len() < 100_000 {
            out.push(t);
            t += self.time_sig_at(t).bar_ticks().max(1);
        }
        out
    }

    /// The chord sounding at `tick`, if any.
    pub fn chord_at(&self, tick: Tick) -> Option<&ChordSpan> {
        let i = self.chords.partition_point(|c| c.start <= tick);
        self.chords[..i].last().filter(|c| c.end() > tick)
    }

    /// Seconds from the start to `tick`, through the tempo map.
    pub fn seconds_at(&self, tick: Tick) -> f64 {
        let mut secs = 0.0;
        let mut last_tick = 0;
        let mut us = 500_000.0;
        for t in &self.tempos {
            if t.tick >= tick {
                break;
            }
            secs += (t.tick - last_tick) as f64 * us / PPQ as f64 / 1e6;
            last_tick = t.tick;
            us = t.us_per_quarter as f64;
        }
        secs + (tick - last_tick) as f64 * us / PPQ as f64 / 1e6
    }

    /// The tick sounding at `secs` seconds, through the tempo map (inverse of `seconds_at`).
    pub fn tick_at(&self, secs: f64) -> Tick {
        let mut acc = 0.0;
        let mut last_tick = 0;
        let mut us = 500_000.0;
        for t in &self.tempos {
            let seg = (t.tick - last_tick) as f64 * us / PPQ as f64 / 1e6;
            if acc + seg > secs {
                break;
            }
            acc += seg;
            last_tick = t.tick;
            us = t.us_per_quarter as f64;
        }
        let ticks = ((secs - acc).max(0.0) * 1e6 / us * PPQ as f64).round();
        last_tick.saturating_add(ticks.min(u32::MAX as f64) as u32)
    }

    /// Total length in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.seconds_at(self.end())
    }

    /// The score moved by `semitones`: every pitched note and every chord (drums stay).
    /// Notes pushed off the MIDI range are dropped.
    pub fn transposed(&self, semitones: i32) -> Score {
        let mut out = self.clone();
        for t in out.tracks.iter_mut().filter(|t| t.role != Role::Drums) {
            t.notes = t
                .notes
                .iter()
                .filter_map(|n| {
                    Some(Note {
                        pitch: n.pitch.transpose(semitones)?,
                        ..*n
                    })
                })
                .collect();
        }
        for c in &mut out.chords {
            c.chord = c.chord.transpose(semitones);
        }
        out
    }

    /// Sorts every track's notes and the chord and tempo lists.
    pub fn normalize(&mut self) {
        for t in &mut self.tracks {
            t.sort();
        }
        self.chords.sort_by_key(|c| c.start);
        self.tempos.sort_by_key(|t| t.tick);
        self.time_sigs.sort_by_key(|t| t.tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(start: Tick, dur: Tick, key: u8) -> Note {
        Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: 90,
        }
    }

    #[test]
    fn seconds_follow_the_tempo_map() {
        let mut s = Score::new("t", 120.0);
        assert!((s.seconds_at(PPQ) - 0.5).abs() < 1e-9);
        s.tempos.push(Tempo::from_bpm(PPQ * 4, 60.0));
        assert!((s.seconds_at(PPQ * 4) - 2.0).abs() < 1e-9);
        assert!((s.seconds_at(PPQ * 5) - 3.0).abs() < 1e-9);
        for tick in [0, 100, PPQ * 4, PPQ * 4 + 7, PPQ * 9] {
            assert_eq!(s.tick_at(s.seconds_at(tick)), tick);
        }
    }

    #[test]
    fn bars_follow_meter_changes() {
        let mut s = Score::new("t", 120.0);
        let mut t = Track::new("m", Role::Melody, 0, 0);
        t.notes.push(note(0, PPQ * 10, 60));
        s.tracks.push(t);
        s.time_sigs.push(TimeSig {
            tick: PPQ * 4,
            num: 3,
            den: 4,
        });
        assert_eq!(s.bar_starts(), vec![0, PPQ * 4, PPQ * 7]);
        assert_eq!(
            TimeSig {
                tick: 0,
                num: 6,
                den: 8
            }
            .bar_ticks(),
            PPQ * 3
        );
    }

    #[test]
    fn chord_lookup() {
        let mut s = Score::new("t", 120.0);
        for (i, sym) in ["Dm7", "G7"].iter().enumerate() {
            s.chords.push(ChordSpan {
                start: i as u32 * 1920,
                dur: 1920,
                chord: sym.parse().unwrap(),
            });
        }
        assert_eq!(s.chord_at(0).unwrap().chord.to_string(), "Dm7");
        assert_eq!(s.chord_at(1919).unwrap().chord.to_string(), "Dm7");
        assert_eq!(s.chord_at(1920).unwrap().chord.to_string(), "G7");
        assert!(s.chord_at(3840).is_none());
        assert_eq!(s.end(), 3840);
    }
}
