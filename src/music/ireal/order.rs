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
}

impl Walk<'_> {
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
}

/// The written bars' indices as played once through, and notes on what was read freely.
pub fn play_order(bars: &[Written]) -> (Vec<usize>, Vec<String>) {
    let mut notes = Vec::new();
    let codas: Vec<usize> = (0..bars.len()).filter(|&i| bars[i].coda).collect();
    let has_jump = bars.iter().any(|b| b.jump.is_some());
    let segno = bars.iter().position(|b| b.segno);
    let (to_coda, coda) = match codas.as_slice() {
        [a, b, ..] => (Some(*a), Some(*b)),
        _ => (None, None),
    };
    let mut w = Walk {
        bars,
        pos: 0,
        repeat_start: 0,
        pass: 1,
        returning: false,
        jumped: None,
    };
    let mut order = Vec::new();
    let mut ending: Option<u8> = None;
    while w.pos < bars.len() {
        if order.len() >= MAX_FORM_BARS {
            notes.push(format!(
                "the form runs past {MAX_FORM_BARS} bars: cut there"
            ));
            break;
        }
        let pos = w.pos;
        let b = &bars[pos];
        // Without a D.C. or D.S., the coda ends the last chorus: a chorus stops before it.
        if !has_jump && Some(pos) == coda {
            notes.push(format!(
                "the coda (bar {} on) ends the tune: left out of the chorus",
                pos + 1
            ));
            break;
        }
        if w.returning && pos == w.repeat_start {
            w.returning = false;
        } else if b.open_repeat {
            w.repeat_start = pos;
            w.pass = 1;
            ending = None;
        }
        if let Some(k) = b.ending {
            let target = if w.jumped.is_some() {
                w.last_ending(pos)
            } else {
                w.pass
            };
            if k < target {
                w.pos = w.skip_ending(pos);
                continue;
            }
            ending = Some(k);
        }
        order.push(pos);
        w.pos = pos + 1;
        if w.jumped.is_some() && Some(pos) == to_coda {
            w.pos = coda.unwrap_or(pos + 1);
            continue;
        }
        if w.jumped.is_some() && b.fine {
            break;
        }
        if b.close_repeat && w.goes_back(pos, ending) {
            w.pos = w.repeat_start;
            w.pass += 1;
            w.returning = true;
            ending = None;
            continue;
        }
        if let (
            Some(
                j @ Jump::Back {
                    segno: to_segno,
                    al_coda,
                },
            ),
            None,
        ) = (b.jump, w.jumped)
        {
            w.jumped = Some(j);
            w.pos = if to_segno { segno.unwrap_or(0) } else { 0 };
            if to_segno && segno.is_none() {
                notes.push("D.S. but no segno: back to the start".into());
            }
            if al_coda && to_coda.is_none() {
                notes.push("al Coda but no 'to coda' sign: played on to the end".into());
            }
            w.returning = false;
        }
    }
    (order, notes)
}
