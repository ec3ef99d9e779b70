//! Who plays what: picks the melody, bass and comping tracks, and finds or estimates the chords.

use super::import::{ChordSource, Group, TrackSelector};
use crate::music::{Chord, ChordSpan, Note, PitchClass, Role, Score, Tick};

/// Share of a group's notes that start after every earlier note has ended (1 = monophonic).
fn monophony(notes: &[Note]) -> f64 {
    if notes.is_empty() {
        return 0.0;
    }
    let mut end = 0;
    let mut alone = 0;
    for n in notes {
        if n.start >= end {
            alone += 1;
        }
        end = end.max(n.end());
    }
    alone as f64 / notes.len() as f64
}

/// Share of a group's notes struck together with another (onsets within a 32nd): near 1
/// for block chords, near 0 for a line, however legato (overlaps do not count).
fn chordal(notes: &[Note]) -> f64 {
    if notes.is_empty() {
        return 0.0;
    }
    let near = crate::music::PPQ / 8;
    let together = (0..notes.len())
        .filter(|&i| {
            let s = notes[i].start;
            (i > 0 && s - notes[i - 1].start <= near)
                || notes.get(i + 1).is_some_and(|n| n.start - s <= near)
        })
        .count();
    together as f64 / notes.len() as f64
}

fn mean_pitch(notes: &[Note]) -> f64 {
    if notes.is_empty() {
        return 0.0;
    }
    notes.iter().map(|n| n.pitch.key() as f64).sum::<f64>() / notes.len() as f64
}

/// Roles for each group: drums on channel 10; the melody is the chosen group or the one
/// that plays the most single-line material, high up; the bass the lowest single line
/// (a piano comping low, in chords, is not the bass); the comping the most polyphonic of
/// the rest.
///
/// "Most single-line material" is monophony × ln(1 + notes): a soloist who plays a thousand
/// notes with some double stops beats a short, strictly single-line intro (in the classic
/// Metheny file, the guitar's 1330 notes at 77% monophony over an electric piano's 95 at
/// 96%), while a comping part, mostly chords, scores low however many notes it has.
pub(crate) fn assign_roles(
    groups: &[Group],
    selector: Option<&TrackSelector>,
) -> Result<Vec<Role>, String> {
    let mut roles = vec![Role::Other; groups.len()];
    for (i, g) in groups.iter().enumerate() {
        if g.channel == 9 {
            roles[i] = Role::Drums;
        }
    }
    let pitched: Vec<usize> = (0..groups.len())
        .filter(|&i| roles[i] != Role::Drums && !groups[i].notes.is_empty())
        .collect();
    let melody = match selector {
        Some(sel) => Some(select(groups, sel)?),
        None => pitched
            .iter()
            .copied()
            .filter(|&i| pitched.len() == 1 || mean_pitch(&groups[i].notes) >= 52.0)
            .max_by(|&a, &b| {
                let score = |i: usize| {
                    let n = &groups[i].notes;
                    monophony(n) * (1.0 + n.len() as f64).ln() + mean_pitch(n) / 64.0
                };
                score(a).total_cmp(&score(b)).then(b.cmp(&a))
            }),
    };
    if let Some(m) = melody {
        roles[m] = Role::Melody;
    }
    let rest: Vec<usize> = pitched
        .iter()
        .copied()
        .filter(|&i| Some(i) != melody)
        .collect();
    if let Some(&b) = rest
        .iter()
        .filter(|&&i| chordal(&groups[i].notes) < 0.5)
        .min_by(|&&a, &&b| mean_pitch(&groups[a].notes).total_cmp(&mean_pitch(&groups[b].notes)))
        && mean_pitch(&groups[b].notes) < 55.0
    {
        roles[b] = Role::Bass;
    }
    if let Some(&c) = rest
        .iter()
        .filter(|&&i| roles[i] == Role::Other)
        .max_by(|&&a, &&b| {
            (1.0 - monophony(&groups[a].notes)).total_cmp(&(1.0 - monophony(&groups[b].notes)))
        })
    {
        roles[c] = Role::Chords;
    }
    Ok(roles)
}

fn select(groups: &[Group], sel: &TrackSelector) -> Result<usize, String> {
    let names = || {
        groups
            .iter()
            .enumerate()
            .map(|(i, g)| format!("{i}: {}", g.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match sel {
        TrackSelector::Index(i) if *i < groups.len() => Ok(*i),
        TrackSelector::Index(i) => Err(format!(
            "melody track {i} does not exist; the tracks are {}",
            names()
        )),
        TrackSelector::Name(n) => groups
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(n))
            .ok_or_else(|| format!("no track is named {n:?}; the tracks are {}", names())),
    }
}

/// Chord spans from chord-symbol text events: each lasts until the next; the last until the
/// end of the file (or the end of its bar, if the file ends sooner).
/// A "no chord" marker (`NC`) ends the chord before it.
pub(crate) fn chords_from_markers(
    texts: &[(Tick, Option<Chord>)],
    end: Tick,
    score: &Score,
) -> Vec<ChordSpan> {
    let mut texts = texts.to_vec();
    texts.sort_by_key(|t| t.0);
    texts.dedup_by_key(|t| t.0);
    let mut out = Vec::new();
    for (i, &(start, chord)) in texts.iter().enumerate() {
        let Some(chord) = chord else { continue };
        let stop = match texts.get(i + 1) {
            Some(&(next, _)) => next,
            None => {
                let bar = score.time_sig_at(start).bar_ticks();
                end.max(start + bar - (start % bar.max(1)))
            }
        };
        if stop > start {
            out.push(ChordSpan {
                start,
                dur: stop - start,
                chord,
            });
        }
    }
    out
}

/// Estimates a chord per half bar from the accompaniment, else per bar from the melody.
pub(crate) fn estimate_chords(score: &Score) -> (Vec<ChordSpan>, ChordSource) {
    let accomp: Vec<&Note> = score
        .tracks
        .iter()
        .filter(|t| matches!(t.role, Role::Chords | Role::Bass | Role::Other))
        .flat_map(|t| t.notes.iter())
        .collect();
    let (notes, source, halves) = if !accomp.is_empty() {
        (accomp, ChordSource::Estimated, 2)
    } else if let Some(m) = score.melody() {
        (m.notes.iter().collect(), ChordSource::Melody, 1)
    } else {
        return (Vec::new(), ChordSource::None);
    };
    if notes.is_empty() {
        return (Vec::new(), ChordSource::None);
    }
    let end = notes.iter().map(|n| n.end()).max().unwrap_or(0);
    let mut spans: Vec<ChordSpan> = Vec::new();
    let mut t = 0;
    while t < end {
        let bar = score.time_sig_at(t).bar_ticks().max(1);
        for h in 0..halves {
            let a = t + bar * h / halves;
            let b = t + bar * (h + 1) / halves;
            let mut w = [0f32; 12];
            let mut low: Option<(u8, PitchClass)> = None;
            for n in &notes {
                let overlap = n.end().min(b).saturating_sub(n.start.max(a));
                if overlap > 0 {
                    w[n.pitch.class().index() as usize] += overlap as f32;
                    if low.is_none_or(|(k, _)| n.pitch.key() < k) {
                        low = Some((n.pitch.key(), n.pitch.class()));
                    }
                }
            }
            let chord =
                Chord::estimate(&w, low.map(|l| l.1)).or_else(|| spans.last().map(|s| s.chord));
            if let Some(chord) = chord {
                match spans.last_mut() {
                    Some(last) if last.chord == chord && last.end() == a => {
                        last.dur = b - last.start
                    }
                    _ => spans.push(ChordSpan {
                        start: a,
                        dur: b - a,
                        chord,
                    }),
                }
            }
        }
        t += bar;
    }
    (spans, source)
}
