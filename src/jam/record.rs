//! A session as a score: the conductor's tempo and chord markers, the user's notes on `You`,
//! the answers on `improv`, and the band as it played; and the user's turns as solo files.

use super::band::chorus_tracks;
use super::{Plan, Session, Who};
use crate::midi::export::write_file;
use crate::music::{Note, Role, Score, Tick, Track};
use std::path::{Path, PathBuf};

/// The session up to `end` (ticks from the form's first beat).
pub fn session_score(s: &Session, end: Tick) -> Score {
    let plan = &s.plan;
    let mut score = Score::new(format!("improv jam over {}", plan.changes.name), plan.bpm);
    score.chords = clipped_chords(plan, 0, end);
    let mut you = Track::new("You", Role::Other, 3, 66);
    you.notes = s.played.iter().filter(|n| n.start < end).copied().collect();
    let mut improv = Track::new("improv", Role::Melody, 0, 66);
    improv.notes = s
        .answers
        .iter()
        .flat_map(|a| a.notes.iter().copied())
        .filter(|n| n.start < end)
        .collect();
    let mut band: Vec<Track> = Vec::new();
    for k in 0..end.div_ceil(plan.form_ticks()) {
        for (i, t) in chorus_tracks(plan, k).into_iter().enumerate() {
            let muted = [plan.mutes.comping, plan.mutes.bass, plan.mutes.drums][i.min(2)];
            if muted {
                continue;
            }
            match band.iter_mut().find(|b| b.name == t.name) {
                Some(b) => b.notes.extend(t.notes),
                None => band.push(t),
            }
        }
    }
    for b in &mut band {
        b.notes.retain(|n| n.start < end);
    }
    score.tracks = vec![you, improv];
    score.tracks.extend(band);
    score.normalize();
    score
}

fn clipped_chords(plan: &Plan, from: Tick, to: Tick) -> Vec<crate::music::ChordSpan> {
    plan.chords_between(from, to)
        .into_iter()
        .map(|mut c| {
            let start = c.start.max(from);
            c.dur = c.end().min(to) - start;
            c.start = start - from;
            c
        })
        .collect()
}

/// Each of the user's turns with notes as a solo file (melody and chords) in `dir`, named
/// `turn-NN.mid`; an existing file is left alone unless `overwrite`. Returns the files.
pub fn save_solos(
    plan: &Plan,
    played: &[Note],
    end: Tick,
    dir: &Path,
    overwrite: bool,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut i = 0;
    loop {
        let turn = plan.turn(i);
        i += 1;
        if turn.start >= end {
            break;
        }
        if turn.who != Who::You {
            continue;
        }
        let mut solo = Track::new("You", Role::Melody, 0, 66);
        solo.notes = played
            .iter()
            .filter(|n| n.start >= turn.start && n.start < turn.end)
            .map(|n| Note {
                start: n.start - turn.start,
                dur: n.dur.min(turn.end - n.start),
                ..*n
            })
            .collect();
        if solo.notes.is_empty() {
            continue;
        }
        let mut score = Score::new(format!("turn {}", turn.index + 1), plan.bpm);
        score.chords = clipped_chords(plan, turn.start, turn.end);
        score.tracks.push(solo);
        score.normalize();
        let path = dir.join(format!("turn-{:02}.mid", turn.index + 1));
        if path.exists() && !overwrite {
            return Err(format!("{} exists; not overwritten", path.display()));
        }
        write_file(&score, &path, overwrite).map_err(|e| e.to_string())?;
        written.push(path);
    }
    Ok(written)
}
