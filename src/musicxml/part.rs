//! One part, measure by measure: divisions, backup/forward, chords, ties, tempo and meter.

use super::harmony::{self, HarmonyMark};
use super::xml::Node;
use super::{MAX_MEASURES, MAX_TICK};
use crate::music::{Note, PPQ, Pitch};
use std::collections::HashMap;
use values::{direction_tempo, key, meter, sound_tempo, velocity};

mod values;

/// Where one measure sits on the score's timeline (decided by the first part that reaches it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MeasureSpan {
    pub start: u64,
    pub len: u64,
    /// The meter the measure declares (num, den).
    pub meter: (u8, u8),
}

/// A note of one measure before it is placed: ticks from the measure's start.
struct Local {
    start: i64,
    dur: i64,
    key: i32,
    velocity: u8,
    tie_start: bool,
    tie_stop: bool,
}

/// What one measure holds, at ticks from its start.
#[derive(Default)]
struct Measure {
    notes: Vec<Local>,
    marks: Vec<(i64, HarmonyMark)>,
    tempos: Vec<(i64, f64)>,
}

/// The time cursor of one measure. Positions count in the current divisions from `base`
/// (ticks), so rounding never accumulates, even across a change of divisions.
struct Cursor {
    base: i64,
    pos: i64,
    div: i64,
    max: i64,
    last_start: i64,
}

impl Cursor {
    fn ticks(&self, d: i64) -> i64 {
        let t = (d as i128 * PPQ as i128 * 2 + self.div as i128).div_euclid(self.div as i128 * 2);
        t.clamp(-(MAX_TICK as i128), MAX_TICK as i128) as i64
    }
    fn now(&self) -> i64 {
        self.base + self.ticks(self.pos)
    }
    fn advance(&mut self, d: i64) {
        self.pos = self
            .pos
            .saturating_add(d.clamp(-(MAX_TICK as i64), MAX_TICK as i64));
        if self.now() < 0 {
            self.base = 0;
            self.pos = 0;
        }
        self.max = self.max.max(self.now());
    }
    fn set_div(&mut self, div: i64) {
        self.base = self.now();
        self.pos = 0;
        self.div = div;
    }
}

/// The running state of one part.
pub(crate) struct PartState {
    pub id: String,
    divisions: i64,
    /// Written → sounding pitch, in semitones (`<transpose>`).
    transpose: i32,
    velocity: u8,
    meter: (u8, u8),
    measures: usize,
    pub notes: Vec<Note>,
    /// Key → index in `notes` of a note whose tie goes on.
    open_ties: HashMap<i32, usize>,
    pub harmonies: Vec<(u64, HarmonyMark)>,
    pub tempos: Vec<(u64, f64)>,
    pub unpitched: usize,
    pub grace_skipped: usize,
    /// An `<alter>` that is no alteration (NaN, infinite, past ±3) was read as natural.
    bad_alter: bool,
    pub warnings: Vec<String>,
}

impl PartState {
    pub fn new(id: &str) -> Self {
        PartState {
            id: id.to_string(),
            divisions: 1,
            transpose: 0,
            velocity: 90,
            meter: (4, 4),
            measures: 0,
            notes: Vec::new(),
            open_ties: HashMap::new(),
            harmonies: Vec::new(),
            tempos: Vec::new(),
            unpitched: 0,
            grace_skipped: 0,
            bad_alter: false,
            warnings: Vec::new(),
        }
    }

    /// Reads one `<measure>` and places it on the timeline.
    pub fn measure(&mut self, m: &Node, timeline: &mut Vec<MeasureSpan>) -> Result<(), String> {
        let index = self.measures;
        self.measures += 1;
        let mut cur = Cursor {
            base: 0,
            pos: 0,
            div: self.divisions,
            max: 0,
            last_start: 0,
        };
        let read = self.read_measure(m, &mut cur)?;
        let declared = bar_ticks(self.meter);
        let len = if cur.max > 0 {
            cur.max as u64
        } else {
            declared
        };
        let origin = self.origin(index, len, timeline)?;
        if origin + len > MAX_TICK {
            return Err(format!("the score is longer than {MAX_TICK} ticks"));
        }
        let place = |t: i64| origin + t.max(0) as u64;
        for l in read.notes {
            self.place(l, &place);
        }
        self.harmonies
            .extend(read.marks.into_iter().map(|(t, h)| (place(t), h)));
        self.tempos
            .extend(read.tempos.into_iter().map(|(t, b)| (place(t), b)));
        Ok(())
    }

    /// The measure's notes, harmonies and tempos at ticks from its start.
    fn read_measure(&mut self, m: &Node, cur: &mut Cursor) -> Result<Measure, String> {
        let mut read = Measure::default();
        for c in &m.children {
            match c.name.as_str() {
                "attributes" => self.attributes(c, cur)?,
                "note" => read.notes.extend(self.note(c, cur)),
                "backup" => cur.advance(-duration(c)),
                "forward" => cur.advance(duration(c)),
                "direction" => {
                    let at = cur.now() + offset(c, cur);
                    if let Some(v) = c
                        .child("sound")
                        .and_then(|s| s.attr("dynamics"))
                        .and_then(|d| d.parse::<f64>().ok())
                    {
                        self.velocity = velocity(v);
                    }
                    if let Some(bpm) = direction_tempo(c) {
                        read.tempos.push((at, bpm));
                    }
                }
                "sound" => {
                    if let Some(bpm) = sound_tempo(c) {
                        read.tempos.push((cur.now(), bpm));
                    }
                }
                "harmony" => {
                    let at = cur.now() + offset(c, cur);
                    read.marks.push((at, harmony::read(c, self.transpose)));
                }
                _ => {}
            }
        }
        Ok(read)
    }

    /// Where measure `index` (`len` ticks long) starts its notes: on the span the first part
    /// to reach it laid down, or on a new span at the end of the timeline. A short first
    /// measure is a pickup, its notes shifted to end where the first full bar would.
    fn origin(
        &self,
        index: usize,
        len: u64,
        timeline: &mut Vec<MeasureSpan>,
    ) -> Result<u64, String> {
        if let Some(span) = timeline.get(index) {
            let shift = if index == 0 {
                span.len.saturating_sub(len)
            } else {
                0
            };
            return Ok(span.start + shift);
        }
        if timeline.len() >= MAX_MEASURES {
            return Err(format!("more than {MAX_MEASURES} measures"));
        }
        let start = timeline.last().map_or(0, |s| s.start + s.len);
        let declared = bar_ticks(self.meter);
        let (span_len, shift) = if index == 0 && len < declared {
            (declared, declared - len)
        } else {
            (len, 0)
        };
        timeline.push(MeasureSpan {
            start,
            len: span_len,
            meter: self.meter,
        });
        Ok(start + shift)
    }

    fn attributes(&mut self, a: &Node, cur: &mut Cursor) -> Result<(), String> {
        if let Some(d) = a.num_of("divisions") {
            if !((1.0..=1e7).contains(&d) && d.fract() == 0.0) {
                return Err(format!(
                    "<divisions> is {d}; it must be a whole number from 1 to 10000000"
                ));
            }
            self.divisions = d as i64;
            cur.set_div(self.divisions);
        }
        if let Some(t) = a.child("time") {
            match meter(t) {
                Some(m) => self.meter = m,
                None if t.has("senza-misura") => {}
                None => self.warnings.push(format!(
                    "part {}: a time signature improv cannot use ({}/{}); kept {}/{}",
                    self.id,
                    t.text_of("beats").unwrap_or("?"),
                    t.text_of("beat-type").unwrap_or("?"),
                    self.meter.0,
                    self.meter.1
                )),
            }
        }
        if let Some(t) = a.child("transpose") {
            let chromatic = t.num_of("chromatic").unwrap_or(0.0).round() as i32;
            let octaves = t.num_of("octave-change").unwrap_or(0.0).round() as i32;
            self.transpose = (chromatic + 12 * octaves).clamp(-48, 48);
        }
        Ok(())
    }

    /// A note's `<alter>` in semitones; one that is not (not a number, infinite, past ±3)
    /// reads as natural, with a warning the first time.
    fn alter(&mut self, text: Option<&str>) -> f64 {
        let Some(text) = text else { return 0.0 };
        match text.parse::<f64>() {
            Ok(a) if a.is_finite() && a.abs() <= 3.0 => return a,
            _ => {}
        }
        if !self.bad_alter {
            self.bad_alter = true;
            let shown: String = text.chars().take(24).collect();
            self.warnings.push(format!(
                "part {}: a note's <alter> is {shown}, not an alteration: read as natural",
                self.id
            ));
        }
        0.0
    }

    /// Moves the cursor past a note and returns the sounding note, if it sounds.
    fn note(&mut self, n: &Node, cur: &mut Cursor) -> Option<Local> {
        if n.has("grace") {
            // Grace notes take no time in MusicXML; improv leaves them out.
            self.grace_skipped += 1;
            return None;
        }
        let d = duration(n);
        let start = if n.has("chord") {
            cur.last_start
        } else {
            let s = cur.now();
            cur.last_start = s;
            cur.advance(d);
            s
        };
        let end = if n.has("chord") {
            start + cur.ticks(d)
        } else {
            cur.now().max(start)
        };
        if n.has("rest") || n.has("cue") || end <= start {
            return None;
        }
        let written = if let Some(p) = n.child("pitch") {
            let alter = self.alter(p.text_of("alter"));
            key(p.text_of("step")?, alter, p.num_of("octave")?)?
        } else {
            let u = n.child("unpitched")?;
            self.unpitched += 1;
            key(u.text_of("display-step")?, 0.0, u.num_of("display-octave")?)?
        };
        let ties = |kind: &str| {
            n.children_named("tie")
                .any(|t| t.attr("type") == Some(kind))
                || n.children_named("notations").any(|ns| {
                    ns.children_named("tied")
                        .any(|t| t.attr("type") == Some(kind) || t.attr("type") == Some("continue"))
                })
        };
        Some(Local {
            start,
            dur: end - start,
            key: written + self.transpose,
            velocity: n
                .attr("dynamics")
                .and_then(|v| v.parse::<f64>().ok())
                .map_or(self.velocity, velocity),
            tie_start: ties("start"),
            tie_stop: ties("stop"),
        })
    }

    /// Adds a note at its place in the score, or lengthens the note it is tied from.
    fn place(&mut self, l: Local, place: &impl Fn(i64) -> u64) {
        let start = place(l.start);
        let end = place(l.start + l.dur);
        if l.tie_stop
            && let Some(&i) = self.open_ties.get(&l.key)
            && let Some(prev) = self.notes.get_mut(i)
            && (prev.end() as i64 - start as i64).abs() <= 2
        {
            prev.dur = (end as u32).saturating_sub(prev.start).max(1);
            if !l.tie_start {
                self.open_ties.remove(&l.key);
            }
            return;
        }
        let Some(pitch) = u8::try_from(l.key).ok().and_then(Pitch::new) else {
            return;
        };
        self.notes.push(Note {
            start: start as u32,
            dur: (end - start).max(1) as u32,
            pitch,
            velocity: l.velocity,
        });
        if l.tie_start {
            self.open_ties.insert(l.key, self.notes.len() - 1);
        } else {
            self.open_ties.remove(&l.key);
        }
    }
}

fn duration(n: &Node) -> i64 {
    n.num_of("duration")
        .map_or(0, |d| d.round().clamp(0.0, 1e12) as i64)
}

fn offset(n: &Node, cur: &Cursor) -> i64 {
    n.num_of("offset")
        .map_or(0, |d| cur.ticks(d.round().clamp(-1e12, 1e12) as i64))
}

pub(crate) fn bar_ticks((num, den): (u8, u8)) -> u64 {
    PPQ as u64 * 4 * num.max(1) as u64 / den.max(1) as u64
}
