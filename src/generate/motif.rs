//! The motif memory: the figures a solo has stated (phrase openings, as pitch and rhythm
//! runs), kept as it plays, and their restatement moved onto the chord of the moment
//! (transposed by the root motion, notes bent to chord tones on beats and scale tones
//! between). Beam search, sampling and the Jam engine's echo answers all use it.

use crate::music::{PPQ, PitchClass, Tick};
use crate::tokens::events::{Clock, Event, HIGH, LOW, dur_index, pitch_index};
use crate::tokens::rhythm::UNIT;

/// Notes in a stored figure (four intervals).
pub const FIGURE_NOTES: usize = 10;
/// A silence of this long or longer ends a phrase.
pub const PHRASE_REST: Tick = PPQ;
/// Figures kept (the oldest are forgotten).
const KEEP: usize = 16;

/// A run of events from the solo: starts on a note, holds `FIGURE_NOTES` notes at most and
/// rests shorter than a phrase break between them; keys and onsets as played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub events: Vec<Event>,
}

impl Figure {
    pub fn start(&self) -> Tick {
        self.events.first().map_or(0, |e| e.start)
    }

    pub fn notes(&self) -> usize {
        self.events.iter().filter(|e| e.pitch.is_some()).count()
    }
}

/// The solo's figures so far, fed one event at a time.
#[derive(Clone, Debug, Default)]
pub struct MotifMemory {
    figures: Vec<Figure>,
    /// The figure being gathered (the current phrase's opening), if still open.
    open: Option<Figure>,
    /// Silence since the last note ended, in ticks (a phrase break when long enough).
    silence: Tick,
    started: bool,
}

impl MotifMemory {
    /// The memory after a whole line.
    pub fn of_line(events: &[Event]) -> MotifMemory {
        let mut m = MotifMemory::default();
        events.iter().for_each(|e| m.push(*e));
        m
    }

    /// Takes in the next event of the line.
    pub fn push(&mut self, e: Event) {
        let len = e.units * UNIT;
        if e.pitch.is_none() {
            self.silence += len;
            if self.silence >= PHRASE_REST {
                self.close();
            } else if let Some(f) = &mut self.open {
                f.events.push(e);
            }
            return;
        }
        if self.at_phrase_start() {
            self.close();
            self.open = Some(Figure { events: Vec::new() });
        }
        self.started = true;
        self.silence = 0;
        if let Some(f) = &mut self.open {
            f.events.push(e);
            if f.notes() >= FIGURE_NOTES {
                self.close();
            }
        }
    }

    fn close(&mut self) {
        if let Some(mut f) = self.open.take() {
            while f.events.last().is_some_and(|e| e.pitch.is_none()) {
                f.events.pop();
            }
            if f.notes() >= 3 {
                self.figures.push(f);
                if self.figures.len() > KEEP {
                    self.figures.remove(0);
                }
            }
        }
    }

    /// Whether the next note would open a phrase (the solo's first, or after a break).
    pub fn at_phrase_start(&self) -> bool {
        !self.started || self.silence >= PHRASE_REST
    }

    /// Ticks of silence since the last note ended.
    pub fn silence(&self) -> Tick {
        self.silence
    }

    /// Stored figures, oldest first.
    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }

    /// The figures that can be restated from `t` on the same rhythm grid (their opening
    /// sits at the same place inside the beat), most recent first.
    pub fn fitting(&self, t: Tick) -> Vec<&Figure> {
        self.figures
            .iter()
            .rev()
            .filter(|f| f.start() % PPQ == t % PPQ)
            .collect()
    }
}

/// The semitones from `from` up to `to`, between -6 and 5 (the nearer way round).
fn root_motion(from: PitchClass, to: PitchClass) -> i32 {
    let d = i32::from(from.interval_to(to));
    if d > 5 { d - 12 } else { d }
}

/// The key nearest `key` whose pitch class `fits` (the key itself first, then a semitone
/// down, up, two down …); the key itself if none within a fifth.
fn bend(key: i32, fits: impl Fn(PitchClass) -> bool) -> i32 {
    (0..=7)
        .flat_map(|d| [key - d, key + d])
        .find(|&k| fits(PitchClass::new(k)))
        .unwrap_or(key)
}

/// A figure moved onto other chords, and how many of its notes had to be bent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restated {
    pub events: Vec<Event>,
    pub bent: usize,
}

/// `fig` restated from `t`: same rhythm, moved by the root motion from the chord under its
/// opening to the chord at `t` (a sequence) or left at its level (a repeat), whichever
/// bends fewer notes, in the octave nearest `near` (the last note played). A note on a beat
/// outside the scale of the chord there is bent to the nearest chord tone; a note off the
/// beat keeps its place in the figure (a passing or approach tone, as players play them:
/// bending it would turn its semitone step into a repeated note). Rests stay rests; keys
/// stay inside the event vocabulary.
pub fn restate(fig: &Figure, from: &Clock, t: Tick, to: &Clock, near: Option<u8>) -> Restated {
    let motion = match (from.chord_at(fig.start()), to.chord_at(t)) {
        (Some(a), Some(b)) => root_motion(a.root, b.root),
        _ => 0,
    };
    let sequence = moved(fig, motion, t, to, near);
    if motion == 0 {
        return sequence;
    }
    let repeat = moved(fig, 0, t, to, near);
    if repeat.bent < sequence.bent {
        repeat
    } else {
        sequence
    }
}

fn moved(fig: &Figure, mut shift: i32, t: Tick, to: &Clock, near: Option<u8>) -> Restated {
    let first = fig.start();
    let Some(first_key) = fig.events.iter().find_map(|e| e.pitch) else {
        return Restated::default();
    };
    if let Some(n) = near {
        let k = i32::from(first_key) + shift;
        shift += 12 * ((i32::from(n) - k) as f64 / 12.0).round() as i32;
    }
    let mut bent = 0;
    let events = fig
        .events
        .iter()
        .map(|e| {
            let start = t + (e.start - first);
            let pitch = e.pitch.map(|k| {
                let k = i32::from(k) + shift;
                let b = match to.chord_at(start) {
                    Some(c) if c.scale().contains(PitchClass::new(k)) => k,
                    Some(c) if to.on_beat(start) => bend(k, |pc| c.tones().contains(pc)),
                    _ => k,
                };
                bent += usize::from(b != k);
                fold(b)
            });
            Event {
                pitch,
                start,
                units: e.units,
            }
        })
        .collect();
    Restated { events, bent }
}

/// A key folded by octaves into the event vocabulary.
fn fold(mut k: i32) -> u8 {
    while k < i32::from(LOW) {
        k += 12;
    }
    while k > i32::from(HIGH) {
        k -= 12;
    }
    k as u8
}

/// A restatement under way: the events still to offer the decoder, as output classes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    steps: Vec<(usize, usize)>,
    next: usize,
}

impl Plan {
    pub fn of(events: &[Event]) -> Plan {
        Plan {
            steps: events
                .iter()
                .map(|e| (pitch_index(e.pitch), dur_index(e.units)))
                .collect(),
            next: 0,
        }
    }

    /// The (pitch class, duration class) to offer next.
    pub fn peek(&self) -> Option<(usize, usize)> {
        self.steps.get(self.next).copied()
    }

    /// The decoder chose `choice`: the plan goes on if it was the offer, else it ends.
    pub fn follow(&mut self, choice: (usize, usize)) -> bool {
        let kept = self.peek() == Some(choice);
        if kept {
            self.next += 1;
        } else {
            self.next = self.steps.len();
        }
        kept
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.steps.len()
    }
}

#[cfg(test)]
mod tests {
    //! Tests of the motif memory: what it keeps, and a figure moved onto other chords.

    use super::*;
    use crate::music::{ChordSpan, PPQ};

    fn clock(chords: &[(&str, u32)]) -> Clock {
        let mut t = 0;
        let spans = chords
            .iter()
            .map(|&(sym, beats)| {
                let s = ChordSpan {
                    start: t,
                    dur: beats * PPQ,
                    chord: sym.parse().unwrap(),
                };
                t += beats * PPQ;
                s
            })
            .collect();
        Clock::new(spans, 4 * PPQ)
    }

    /// Events from (key or 0 for a rest, units) in order from tick 0.
    fn line(steps: &[(u8, u32)]) -> Vec<Event> {
        let mut t = 0;
        steps
            .iter()
            .map(|&(k, units)| {
                let e = Event {
                    pitch: (k > 0).then_some(k),
                    start: t,
                    units,
                };
                t += units * UNIT;
                e
            })
            .collect()
    }

    #[test]
    fn keeps_each_phrase_opening_as_a_figure() {
        // Two phrases of eighths, each closed by a two-beat rest: each is kept whole.
        let mut steps = vec![(60, 6), (62, 6), (64, 6), (67, 6), (65, 6), (64, 6)];
        steps.push((0, 24));
        steps.extend([(67, 6), (69, 6), (71, 6), (74, 6), (72, 6), (0, 24)]);
        let m = MotifMemory::of_line(&line(&steps));
        assert_eq!(m.figures().len(), 2);
        let keys: Vec<u8> = m.figures()[0]
            .events
            .iter()
            .filter_map(|e| e.pitch)
            .collect();
        assert_eq!(keys, [60, 62, 64, 67, 65, 64]);
        assert_eq!(m.figures()[1].start(), 5 * PPQ);
        // A short rest inside a phrase stays in the figure.
        let short = [
            (60, 6),
            (0, 6),
            (62, 6),
            (64, 6),
            (65, 6),
            (67, 6),
            (69, 6),
            (0, 12),
        ];
        let m = MotifMemory::of_line(&line(&short));
        assert_eq!(m.figures()[0].events.len(), 7, "{:?}", m.figures());
        assert!(m.at_phrase_start());
        // Only figures starting at the same place in the beat fit.
        assert_eq!(m.fitting(4 * PPQ).len(), 1);
        assert!(m.fitting(4 * PPQ + PPQ / 2).is_empty());
    }

    #[test]
    fn a_figure_restated_a_fourth_up_keeps_its_rhythm_and_lands_on_chord_tones() {
        // C E G E D over C7 on beats and eighths, restated over F7 a bar later.
        let fig = Figure {
            events: line(&[(60, 12), (64, 6), (67, 6), (64, 12), (62, 12)]),
        };
        let c = clock(&[("C7", 4), ("F7", 4)]);
        let out = restate(&fig, &c, 4 * PPQ, &c, None).events;
        let starts: Vec<Tick> = out.iter().map(|e| e.start - 4 * PPQ).collect();
        let orig: Vec<Tick> = fig.events.iter().map(|e| e.start).collect();
        assert_eq!(starts, orig);
        let keys: Vec<u8> = out.iter().filter_map(|e| e.pitch).collect();
        // F A C A G: every note in the F7 scale, so nothing is bent.
        assert_eq!(keys, [65, 69, 72, 69, 67]);
        let f7 = c.chord_at(4 * PPQ).unwrap();
        for e in &out {
            let pc = PitchClass::new(i32::from(e.pitch.unwrap()));
            assert!(f7.scale().contains(pc), "{e:?}");
        }
        // A tritone away the sequence fits and the repeat would not: the sequence is chosen.
        let alt = clock(&[("C7", 4), ("F#7", 4)]);
        let seq = restate(&fig, &alt, 4 * PPQ, &alt, None);
        assert_eq!((seq.bent, seq.events[0].pitch), (0, Some(54)));
        // Near a high note, the same figure an octave up.
        let high = restate(&fig, &c, 4 * PPQ, &c, Some(80)).events;
        assert_eq!(high[0].pitch, Some(77));
    }

    #[test]
    fn passing_tones_off_the_beat_keep_their_step_and_the_beat_lands_on_chord_tones() {
        // D Db (eighths) C Bb (quarters) over C7: the Db off the beat is a chromatic
        // passing tone; the Bb falls on beat three.
        let fig = Figure {
            events: line(&[(62, 6), (61, 6), (60, 12), (58, 12)]),
        };
        let c = clock(&[("C7", 4), ("Cmaj7", 4)]);
        let out = restate(&fig, &c, 4 * PPQ, &c, None);
        let keys: Vec<u8> = out.events.iter().filter_map(|e| e.pitch).collect();
        // Over Cmaj7 (same root: a repeat) the off-beat Db stays a half step between D and
        // C, and the Bb on beat three, outside the scale, is bent to a chord tone (B).
        assert_eq!(keys, [62, 61, 60, 59]);
        assert_eq!(out.bent, 1);
        let steps: Vec<i32> = keys.windows(2).map(|w| w[1] as i32 - w[0] as i32).collect();
        assert!(!steps.contains(&0), "no repeated note: {steps:?}");
    }

    #[test]
    fn a_plan_offers_its_steps_until_the_decoder_goes_elsewhere() {
        let ev = line(&[(60, 6), (62, 6), (0, 6), (64, 12)]);
        let mut p = Plan::of(&ev);
        let first = p.peek().unwrap();
        assert_eq!(first, (pitch_index(Some(60)), dur_index(6)));
        assert!(p.follow(first));
        assert!(!p.follow((0, 0)));
        assert!(p.is_done());
        assert_eq!(p.peek(), None);
    }
}
