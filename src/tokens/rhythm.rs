//! The rhythm grid tokens share: a melody as notes and rests on a 1/12-beat grid (keeps triplets).

use crate::music::{Note, PPQ, Pitch, Score, Tick};

/// Ticks per grid unit: 1/12 of a beat, so sixteenths (3) and triplets (4, 8) are exact.
pub const UNIT: Tick = PPQ / 12;

/// The lengths a single token may have, in grid units, longest first.
pub const LENGTHS: [u32; 13] = [48, 36, 24, 18, 16, 12, 9, 8, 6, 4, 3, 2, 1];

/// One step of a melody line: a note (`Some(pitch)`) or a rest, `units` long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub pitch: Option<Pitch>,
    pub start: Tick,
    pub units: u32,
}

/// Splits a length into token-sized pieces, longest first, exactly. Among the splits it
/// picks the one with the fewest slivers (pieces under a sixteenth), then the fewest
/// pieces: 7 is 4 + 3 (a triplet eighth and a sixteenth), not 6 + 1.
pub fn split_units(units: u32) -> Vec<u32> {
    // cost[u] = (slivers, pieces) of the best split of u; from[u] = its first piece.
    let n = units as usize;
    let mut cost = vec![(u32::MAX, u32::MAX); n + 1];
    let mut from = vec![0u32; n + 1];
    cost[0] = (0, 0);
    for u in 1..=n {
        for &l in &LENGTHS {
            let l_us = l as usize;
            if l_us > u || cost[u - l_us].0 == u32::MAX {
                continue;
            }
            let (s, p) = cost[u - l_us];
            let c = (s + u32::from(l < 3), p + 1);
            if c < cost[u] {
                cost[u] = c;
                from[u] = l;
            }
        }
    }
    let mut out = Vec::new();
    let mut u = n;
    while u > 0 {
        out.push(from[u]);
        u -= from[u] as usize;
    }
    out.sort_unstable_by(|a, b| b.cmp(a));
    out
}

/// The nearest single-token length to `units`.
fn nearest_length(units: u32) -> u32 {
    LENGTHS
        .iter()
        .copied()
        .min_by_key(|&l| (l as i64 - units as i64).abs())
        .unwrap_or(1)
}

/// Beats as the tokens write them: `0.250`, `0.333`, `1.000`.
pub fn format_units(units: u32) -> String {
    format!("{:.3}", units as f64 / 12.0)
}

/// Parses a token duration back to grid units; `None` unless it sits on the grid.
pub fn parse_units(s: &str) -> Option<u32> {
    let beats: f64 = s.trim().parse().ok()?;
    if !beats.is_finite() || beats <= 0.0 || beats > 64.0 {
        return None;
    }
    let u = (beats * 12.0).round();
    ((beats * 12.0 - u).abs() < 0.02).then_some(u as u32)
}

/// The melody of a score as a line of notes and rests from tick 0: overlapping notes keep
/// the highest of a chord and are cut where the next begins; onsets snap to the grid; each
/// note keeps its quantized length and the gap before the next onset becomes rests.
pub fn melody_line(score: &Score) -> Vec<Step> {
    let Some(track) = score.melody() else {
        return Vec::new();
    };
    // Material written on the grid (the corpus, generated solos, most notation) keeps its
    // onsets exactly; played material, with onsets between grid points, is quantized a
    // beat at a time to sixteenths or to triplets, whichever fits that beat better, so
    // timing noise does not turn into odd lengths and slivers of rest.
    let played = track.notes.iter().any(|n| n.start % UNIT != 0);
    let grids = if played {
        beat_grids(&track.notes)
    } else {
        Vec::new()
    };
    let quantize = |tick: Tick| -> u32 {
        if played {
            snap_to_beat_grid(tick, &grids)
        } else {
            quantize(tick)
        }
    };
    // Gaps shorter than this are articulation, not rests. Played lines are read legato up
    // to an eighth: a staccato eighth (a sixteenth and a sixteenth's silence) is an eighth.
    let absorb = if played { 6 } else { 2 };
    to_steps(&skyline(&track.notes, &quantize), &quantize, absorb)
}

/// One note per onset (the highest), in onset order.
fn skyline(track: &[Note], quantize: &impl Fn(Tick) -> u32) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    let mut sorted = track.to_vec();
    sorted.sort_by_key(|n| (quantize(n.start), std::cmp::Reverse(n.pitch)));
    for n in sorted {
        if notes
            .last()
            .is_some_and(|l| quantize(l.start) == quantize(n.start))
        {
            continue;
        }
        notes.push(n);
    }
    notes
}

/// The steps of a skyline: each note as long as it lasts, up to the next onset (gaps under
/// `absorb` units absorbed), rests between.
fn to_steps(notes: &[Note], quantize: &impl Fn(Tick) -> u32, absorb: u32) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut t: u32 = 0; // grid units
    for (i, n) in notes.iter().enumerate() {
        let on = quantize(n.start);
        if on > t {
            push_rest(&mut steps, t, on - t);
        }
        let next = notes.get(i + 1).map(|m| quantize(m.start));
        let want = nearest_length(((n.dur + UNIT / 2) / UNIT).max(1));
        let len = match next {
            Some(nx) => {
                let ioi = nx - on;
                // A gap too small to be a rest is absorbed by the note.
                if ioi <= want || ioi - want < absorb {
                    ioi
                } else {
                    want
                }
            }
            None => want,
        };
        // Notes longer than one token tie into the longest pieces; the first carries the pitch.
        let pieces = split_units(len);
        steps.push(Step {
            pitch: Some(n.pitch),
            start: on * UNIT,
            units: pieces[0],
        });
        let mut at = on + pieces[0];
        for p in pieces.into_iter().skip(1) {
            push_rest(&mut steps, at, p);
            at += p;
        }
        t = on + len;
    }
    steps
}

fn push_rest(steps: &mut Vec<Step>, start: u32, units: u32) {
    let mut at = start;
    for p in split_units(units) {
        steps.push(Step {
            pitch: None,
            start: at * UNIT,
            units: p,
        });
        at += p;
    }
}

fn quantize(tick: Tick) -> u32 {
    (tick + UNIT / 2) / UNIT
}

/// For each beat, whether its onsets sit better on triplets (true) than on sixteenths.
fn beat_grids(notes: &[Note]) -> Vec<bool> {
    let beats = notes.iter().map(|n| n.start / PPQ + 1).max().unwrap_or(0) as usize;
    // Squared distance of each onset to the nearest point of each grid, summed per beat.
    let mut err = vec![(0u64, 0u64); beats];
    let dist = |t: Tick, step: Tick| -> u64 {
        let r = (t % step) as u64;
        let d = r.min(step as u64 - r);
        d * d
    };
    for n in notes {
        let b = (n.start / PPQ) as usize;
        err[b].0 += dist(n.start, PPQ / 4);
        err[b].1 += dist(n.start, PPQ / 3);
    }
    err.into_iter()
        .map(|(sixteenths, triplets)| triplets < sixteenths)
        .collect()
}

/// Grid units of `tick` snapped to its beat's grid (a snap may land on the next beat).
fn snap_to_beat_grid(tick: Tick, grids: &[bool]) -> u32 {
    let beat = (tick / PPQ) as usize;
    let step = if grids.get(beat).copied().unwrap_or(false) {
        PPQ / 3
    } else {
        PPQ / 4
    };
    let snapped = (tick + step / 2) / step * step;
    snapped / UNIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_split_exactly_and_print_like_the_exercise() {
        for u in 1..200 {
            let parts = split_units(u);
            assert_eq!(parts.iter().sum::<u32>(), u);
            assert!(
                parts.windows(2).all(|w| w[0] >= w[1]),
                "longest first: {parts:?}"
            );
            // A sliver only where the length is not a sum of sixteenths and triplets.
            let slivers = parts.iter().filter(|&&p| p < 3).count();
            assert!(
                slivers <= usize::from(matches!(u, 1 | 2 | 5)),
                "{u}: {parts:?}"
            );
        }
        assert_eq!(split_units(7), vec![4, 3]);
        assert_eq!(split_units(13), vec![9, 4]);
        assert_eq!(split_units(48), vec![48]);
        assert_eq!(split_units(60), vec![48, 12]);
        assert_eq!(format_units(3), "0.250");
        assert_eq!(format_units(4), "0.333");
        assert_eq!(format_units(8), "0.667");
        assert_eq!(parse_units("0.333"), Some(4));
        assert_eq!(parse_units("0.667"), Some(8));
        assert_eq!(parse_units("0.3"), None);
        assert_eq!(parse_units("nan"), None);
        assert_eq!(parse_units("-1"), None);
    }
}
