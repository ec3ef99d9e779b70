//! A song's written bars turned into the progression a player plays: each played bar's
//! cells spread over its beats, `x` and `r` filled in, every chord through the one parser.

use super::cells::{Cell, symbols};
use super::form::{Written, written_bars};
use super::link::RawSong;
use super::order::play_order;
use super::{IrealError, Song};
use crate::music::pitch::PitchClass;
use crate::music::progression::Bar;
use crate::music::{ChartMeta, Progression};
use crate::music::{Chord, parse_symbol};

/// What a cell asks for at its place in the bar.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Chord(Option<Chord>),
    /// The chord before, struck again (`p`, `W`, an unread chord).
    Hold,
    /// The chord before over a new bass (`W/E`).
    Bass(PitchClass),
}

/// A written bar ready to play: slots at cell positions out of `cells`, or a bar repeat.
enum Ready {
    Cells {
        at: Vec<(usize, Slot)>,
        cells: usize,
    },
    RepeatBars(usize),
}

pub fn song(raw: &RawSong, n: usize) -> Result<Song, IrealError> {
    let bars = written_bars(&symbols(&raw.body));
    if bars.is_empty() {
        return Err(IrealError::NoBars {
            song: n,
            title: raw.title.clone(),
        });
    }
    let mut meta = ChartMeta {
        composer: raw.composer.clone(),
        style: raw.style.clone(),
        key: raw.key.clone(),
        meter: bars[0].time.unwrap_or((4, 4)),
        bpm: raw.bpm,
        ..ChartMeta::default()
    };
    let ready: Vec<Ready> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| prepare(b, i + 1, &mut meta.unread))
        .collect();
    let (order, notes) = play_order(&bars);
    meta.notes = notes;
    note_meter_changes(&bars, &mut meta);
    let out = played_bars(&bars, &ready, &order, &mut meta);
    if out.is_empty() {
        return Err(IrealError::NoBars {
            song: n,
            title: raw.title.clone(),
        });
    }
    Ok(Song {
        progression: Progression {
            name: raw.title.clone(),
            bars: out,
            meta: Some(meta),
        },
        link: raw.link.clone(),
    })
}

/// Notes each bar written in another meter than the chart's (it is played in the chart's).
fn note_meter_changes(bars: &[Written], meta: &mut ChartMeta) {
    for (i, b) in bars.iter().enumerate() {
        if let Some(t) = b.time.filter(|t| *t != meta.meter) {
            meta.notes.push(format!(
                "bar {} is in {}/{}: played in the chart's {}/{}",
                i + 1,
                t.0,
                t.1,
                meta.meter.0,
                meta.meter.1
            ));
        }
    }
}

/// The bars as played in `order`, with the sections where they start and what could not be
/// repeated noted in `meta`.
fn played_bars(
    bars: &[Written],
    ready: &[Ready],
    order: &[usize],
    meta: &mut ChartMeta,
) -> Vec<Bar> {
    let beats = usize::from(meta.meter.0.max(1));
    let mut out: Vec<Bar> = Vec::new();
    for &w in order {
        if let Some(s) = bars[w].section {
            meta.sections.push((out.len() + 1, s));
        }
        match &ready[w] {
            Ready::RepeatBars(k) if out.len() >= *k => {
                let again = out[out.len() - k..].to_vec();
                out.extend(again);
            }
            Ready::RepeatBars(k) => meta.unread.push(format!(
                "bar {}: repeats {k} bar(s) but fewer come before it",
                w + 1
            )),
            Ready::Cells { at, cells } => {
                let before = out.last().and_then(|b| b.last().copied()).flatten();
                out.push(spread(at, *cells, beats, before));
            }
        }
    }
    out
}

/// A written bar's cells as slots, its chords read (what cannot be is listed and held).
fn prepare(b: &Written, bar: usize, unread: &mut Vec<String>) -> Ready {
    for c in &b.unknown {
        unread.push(format!("bar {bar}: unknown symbol {c:?}"));
    }
    if b.cells.contains(&Cell::RepeatTwo) {
        return Ready::RepeatBars(2);
    }
    if b.cells.contains(&Cell::RepeatBar) {
        return Ready::RepeatBars(1);
    }
    let mut at = Vec::new();
    for (i, c) in b.cells.iter().enumerate() {
        let slot = match c {
            Cell::Chord(text) => match parse_symbol(&text.replace('*', "")) {
                Ok(ch) => Slot::Chord(ch),
                Err(e) => {
                    unread.push(format!("bar {bar}: {e} (the chord before is held)"));
                    Slot::Hold
                }
            },
            Cell::Invisible(Some(bass)) => match PitchClass::parse_prefix(bass) {
                Some((pc, _)) => Slot::Bass(pc),
                None => Slot::Hold,
            },
            Cell::Invisible(None) | Cell::Slash => Slot::Hold,
            Cell::NoChord => Slot::Chord(None),
            Cell::Empty | Cell::RepeatBar | Cell::RepeatTwo => continue,
        };
        at.push((i, slot));
    }
    Ready::Cells {
        at,
        cells: b.cells.len().max(1),
    }
}

/// The bar's chords, one per beat (or per cell when more chords than beats), then
/// merged into the fewest equal shares; `before` sounds until the first chord.
fn spread(at: &[(usize, Slot)], cells: usize, beats: usize, before: Option<Chord>) -> Bar {
    let on_beats: Vec<usize> = at
        .iter()
        .map(|(c, _)| (c * beats + cells / 2) / cells)
        .collect();
    let fits = on_beats.windows(2).all(|w| w[0] < w[1]) && on_beats.iter().all(|&b| b < beats);
    let (starts, len) = if fits {
        (on_beats, beats)
    } else {
        (at.iter().map(|(c, _)| *c).collect(), cells)
    };
    let mut slots = vec![before; len];
    let mut current = before;
    for (k, (_, slot)) in at.iter().enumerate() {
        current = match *slot {
            Slot::Chord(c) => c,
            Slot::Hold => current,
            Slot::Bass(pc) => current.map(|mut c| {
                c.bass = Some(pc);
                c
            }),
        };
        let end = starts.get(k + 1).copied().unwrap_or(len);
        for s in &mut slots[starts[k]..end] {
            *s = current;
        }
    }
    fewest_shares(slots)
}

/// The coarsest equal division that keeps every change (`C C F F` is `C F`).
fn fewest_shares(slots: Bar) -> Bar {
    let n = slots.len();
    for parts in (1..=n).filter(|&p| n.is_multiple_of(p)) {
        let step = n / parts;
        if (0..n).all(|i| slots[i] == slots[i - i % step]) {
            return slots.into_iter().step_by(step).collect();
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Slot {
        Slot::Chord(parse_symbol(s).unwrap())
    }

    #[test]
    fn cells_become_beats() {
        let ch = |s: &str| parse_symbol(s).unwrap();
        // C^7 _ A-7 _ : two and two.
        let b = spread(&[(0, c("C^7")), (2, c("A-7"))], 4, 4, None);
        assert_eq!(b, vec![ch("C^7"), ch("A-7")]);
        // Three chords in four cells: two, one, one.
        let b = spread(&[(0, c("C")), (2, c("D")), (3, c("E"))], 4, 4, None);
        assert_eq!(b, vec![ch("C"), ch("C"), ch("D"), ch("E")]);
        // An empty first cell holds the chord before; a slash strikes it again.
        let b = spread(&[(2, c("F7")), (3, Slot::Hold)], 4, 4, ch("C7"));
        assert_eq!(b, vec![ch("C7"), ch("F7")]);
        // Over a new bass.
        let b = spread(&[(0, Slot::Bass(PitchClass::new(4)))], 2, 4, ch("C7"));
        assert_eq!(b[0].unwrap().bass, Some(PitchClass::new(4)));
        // Five chords in a 4/4 bar: one a cell.
        let roots = ["C7", "D7", "E7", "F7", "G7"];
        let five: Vec<(usize, Slot)> = (0..5).map(|i| (i, c(roots[i]))).collect();
        assert_eq!(spread(&five, 5, 4, None), roots.map(ch).to_vec());
    }
}
