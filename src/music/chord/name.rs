//! Naming a chord's tones as a symbol: the best quality, then extensions, alterations, omissions.

use super::{ALTERED, Chord, Quality};
use std::fmt;

/// Root names as jazz charts spell them.
const ROOT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// Tensions a chord symbol names on top of its quality.
const TENSIONS: u16 = 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 9;

/// The quality that names a shape with the fewest and plainest additions and omissions:
/// a missing third costs more than a missing fifth, a seventh or sixth cannot be missing,
/// tensions are cheap and other added tones dear. Returns (quality, added, missing).
pub(super) fn best_quality(shape: u16) -> (Quality, u16, u16) {
    let mut best: Option<(u32, Quality)> = None;
    for q in Quality::ALL {
        let qs = q.shape();
        let missing = qs & !shape;
        let extra = shape & !qs;
        let third = 1 << q.intervals()[1];
        let fifth = 1 << q.fifth();
        if missing & !(third | fifth) != 0 {
            continue;
        }
        let cost = 30 * u32::from(missing & third != 0)
            + 10 * u32::from(missing & fifth != 0)
            + (extra & TENSIONS).count_ones()
            + 20 * (extra & !TENSIONS).count_ones();
        if best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, q));
        }
    }
    let q = best.map_or(Quality::Maj, |b| b.1);
    (q, shape & !q.shape(), q.shape() & !shape)
}

/// The name of an added tone, as the parser reads it inside parentheses.
fn tone_name(interval: u8) -> &'static str {
    match interval {
        1 => "b9",
        2 => "9",
        3 => "#9",
        4 => "3",
        5 => "11",
        6 => "#11",
        7 => "5",
        8 => "b13",
        9 => "13",
        10 => "7",
        _ => "maj7",
    }
}

/// The suffix after the root: the quality, natural extensions folded in (`m9`, `13`),
/// then alterations and added tones (`7b9`, `7(b9,#11)`, `add9`).
fn suffix(shape: u16) -> String {
    if shape == 1 | 1 << 7 {
        return "5".into();
    }
    if shape == ALTERED {
        return "7alt".into();
    }
    let (q, mut extra, missing) = best_quality(shape);
    let mut name = q.suffix().to_string();
    fold_extension(q, &mut extra, &mut name);
    let mut items = omissions(q, missing, &mut extra, &mut name);
    for i in [1, 2, 3, 5, 6, 8, 9, 4, 7, 10, 11] {
        if has(extra, i) {
            items.push(tone_name(i));
        }
    }
    push_items(&mut name, &items, q, shape);
    name
}

fn has(m: u16, i: u8) -> bool {
    m & (1 << i) != 0
}

/// Folds a natural 9 (with an 11 or 13 above it) into a seventh chord's name (`m9`, `13`),
/// or a 9 into a sixth chord's (`69`), taking them out of `extra`.
fn fold_extension(q: Quality, extra: &mut u16, name: &mut String) {
    if q.has_seventh() && has(*extra, 2) && !has(*extra, 1) && !has(*extra, 3) {
        let ext = if has(*extra, 9) {
            *extra &= !(1 << 9);
            "13"
        } else if has(*extra, 5) && q != Quality::Dom7Sus4 {
            *extra &= !(1 << 5);
            "11"
        } else {
            "9"
        };
        *extra &= !(1 << 2);
        *name = name.replacen('7', ext, 1);
    } else if matches!(q, Quality::Maj6 | Quality::Min6) && has(*extra, 2) {
        *extra &= !(1 << 2);
        name.push('9');
    }
}

/// A missing third (`sus2` when a 2 stands in for it, else `no3`) and a missing fifth (an
/// altered fifth, `b5`/`#5`, in its place, else `no5`).
fn omissions(q: Quality, missing: u16, extra: &mut u16, name: &mut String) -> Vec<&'static str> {
    let mut items = Vec::new();
    if missing & (1 << q.intervals()[1]) != 0 {
        if has(*extra, 2) && !has(*extra, 5) && matches!(q, Quality::Maj | Quality::Dom7) {
            *extra &= !(1 << 2);
            name.push_str("sus2");
        } else {
            items.push("no3");
        }
    }
    if missing & (1 << q.fifth()) != 0 {
        if q.fifth() == 7 && has(*extra, 6) {
            *extra &= !(1 << 6);
            items.push("b5");
        } else if q.fifth() == 7 && has(*extra, 8) {
            *extra &= !(1 << 8);
            items.push("#5");
        } else {
            items.push("no5");
        }
    }
    items
}

/// The alterations and added tones after the name: one alteration of a seventh chord
/// written plainly (`7b9`), one added tone as `add9`, anything else in parentheses.
fn push_items(name: &mut String, items: &[&str], q: Quality, shape: u16) {
    match items {
        [] => {}
        [one] if one.starts_with(['b', '#']) && q.has_seventh() => name.push_str(one),
        [one]
            if !q.has_seventh()
                && shape & (1 << 10 | 1 << 11) == 0
                && !matches!(*one, "b5" | "#5" | "no3" | "no5") =>
        {
            name.push_str("add");
            name.push_str(one);
        }
        _ => {
            name.push('(');
            name.push_str(&items.join(","));
            name.push(')');
        }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            ROOT_NAMES[self.root.index() as usize],
            suffix(self.shape)
        )?;
        if let Some(b) = self.bass {
            write!(f, "/{}", ROOT_NAMES[b.index() as usize])?;
        }
        Ok(())
    }
}
