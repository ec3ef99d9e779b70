//! The order a player plays a chart's written bars in, once through the form: repeats
//! with their endings, D.C. and D.S. (al Coda, al Fine), the coda.

use super::form::{Jump, Written};

// The longest form a chart plays through (the one cap every reader shares); a longer one is
// cut, with a note.
use crate::music::progression::MAX_FORM_BARS;

/// Where the walk is.
struct Walk<'a> {
    bars: &'a [Written],
    pos: usize,
    repeat_start: usize,
    /// Times through the current repeat (1 the first time).
    pass: u8,
    /// Came back to the repeat's start: the pass is not reset there.
    returning: bool,
    /// A D.C. or D.S. was taken (repeats are not taken again; the last ending is played).
    jumped: Option<Jump>,
    /// The ending being played in the current repeat.
    ending: Option<u8>,
    /// The "to coda" sign and the coda itself (the first two bars marked coda).
    to_coda: Option<usize>,
    coda: Option<usize>,
    segno: Option<usize>,
    /// The chart has a D.C. or D.S. somewhere.
    has_jump: bool,
    /// What was read freely.
    notes: Vec<String>,
}

impl<'a> Walk<'a> {
    fn new(bars: &'a [Written]) -> Self {
        let codas: Vec<usize> = (0..bars.len()).filter(|&i| bars[i].coda).collect();
        let (to_coda, coda) = match codas.as_slice() {
            [a, b, ..] => (Some(*a), Some(*b)),
            _ => (None, None),
        };
        Walk {
            bars,
            pos: 0,
            repeat_start: 0,
            pass: 1,
            returning: false,
            jumped: None,
            ending: None,
            to_coda,
            coda,
            segno: bars.iter().position(|b| b.segno),
            has_jump: bars.iter().any(|b| b.jump.is_some()),
            notes: Vec::new(),
        }
    }

    /// The highest ending of the repeat `pos` is in (up to the next `{`).
    fn last_ending(&self, pos: usize) -> u8 {
        self.bars[pos..]
            .iter()
            .enumerate()
            .take_while(|(i, b)| *i == 0 || !b.open_repeat)
            .filter_map(|(_, b)| b.ending)
            .max()
            .unwrap_or(0)
    }

    /// The bar after an ending's bars, from its first one.
    fn skip_ending(&self, from: usize) -> usize {
        let mut p = from;
        while p < self.bars.len() {
            let b = &self.bars[p];
            if b.close_repeat {
                return p + 1;
            }
            let next = self.bars.get(p + 1);
            if next.is_some_and(|n| n.ending.is_some() || n.open_repeat) {
                return p + 1;
            }
            p += 1;
        }
        p
    }

    /// Whether the repeat closing at `pos` goes back.
    fn goes_back(&self, pos: usize, ending: Option<u8>) -> bool {
        if self.jumped.is_some() {
            return false;
        }
        match ending {
            Some(k) => self.last_ending(pos) > k && self.pass <= k,
            None => self.pass == 1,
        }
    }

    /// Plays the bar at `pos`, or skips an ending this pass does not take, and moves on;
    /// false when the walk ends there.
    fn bar(&mut self, order: &mut Vec<usize>) -> bool {
        let (bars, pos) = (self.bars, self.pos);
        let b = &bars[pos];
        // Without a D.C. or D.S., the coda ends the last chorus: a chorus stops before it.
        if !self.has_jump && Some(pos) == self.coda {
            self.notes.push(format!(
                "the coda (bar {} on) ends the tune: left out of the chorus",
                pos + 1
            ));
            return false;
        }
        if self.returning && pos == self.repeat_start {
            self.returning = false;
        } else if b.open_repeat {
            self.repeat_start = pos;
            self.pass = 1;
            self.ending = None;
        }
        if let Some(k) = b.ending {
            let target = if self.jumped.is_some() {
                self.last_ending(pos)
            } else {
                self.pass
            };
            if k < target {
                self.pos = self.skip_ending(pos);
                return true;
            }
            self.ending = Some(k);
        }
        order.push(pos);
        self.pos = pos + 1;
        self.after(pos)
    }

    /// Where to go after playing bar `pos`: to the coda, back to a repeat's start, back to
    /// the top or the segno, or on; false at the Fine.
    fn after(&mut self, pos: usize) -> bool {
        let bars = self.bars;
        let b = &bars[pos];
        if self.jumped.is_some() && Some(pos) == self.to_coda {
            self.pos = self.coda.unwrap_or(pos + 1);
            return true;
        }
        if self.jumped.is_some() && b.fine {
            return false;
        }
        if b.close_repeat && self.goes_back(pos, self.ending) {
            self.pos = self.repeat_start;
            self.pass += 1;
            self.returning = true;
            self.ending = None;
            return true;
        }
        if let (Some(j @ Jump::Back { segno, al_coda }), None) = (b.jump, self.jumped) {
            self.jumped = Some(j);
            self.pos = if segno { self.segno.unwrap_or(0) } else { 0 };
            if segno && self.segno.is_none() {
                self.notes
                    .push("D.S. but no segno: back to the start".into());
            }
            if al_coda && self.to_coda.is_none() {
                self.notes
                    .push("al Coda but no 'to coda' sign: played on to the end".into());
            }
            self.returning = false;
        }
        true
    }
}

/// The written bars' indices as played once through, and notes on what was read freely.
pub fn play_order(bars: &[Written]) -> (Vec<usize>, Vec<String>) {
    let mut w = Walk::new(bars);
    let mut order = Vec::new();
    while w.pos < bars.len() {
        if order.len() >= MAX_FORM_BARS {
            w.notes.push(format!(
                "the form runs past {MAX_FORM_BARS} bars: cut there"
            ));
            break;
        }
        if !w.bar(&mut order) {
            break;
        }
    }
    (order, w.notes)
}
