//! MIDI import: midly's borrowed Smf → an owned Score, with track roles and chords.

use super::MidiError;
use super::group::Group;
pub use super::group::{ChordSource, TrackSelector};
use super::roles::{assign_roles, chords_from_markers, estimate_chords};
use crate::music::{Role, Score, Tempo, Tick, TimeSig, Track};
use gather::{Gathered, TickScale};
use midly::Smf;
use std::collections::BTreeMap;
use std::path::Path;

mod gather;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Event and note counts beyond these are refused.
pub const MAX_EVENTS: usize = 2_000_000;
pub const MAX_NOTES: usize = 1_000_000;
/// Imported times are clamped below this tick (about 40 hours at 120 bpm).
const MAX_TICK: u64 = 1 << 27;

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub melody_track: Option<TrackSelector>,
}

/// One source track (or one channel of a multi-channel track) as the importer saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrackInfo {
    pub index: usize,
    pub name: String,
    pub channel: u8,
    pub program: u8,
    pub notes: usize,
    pub role: Role,
}

#[derive(Clone, Debug, Default)]
pub struct Imported {
    pub score: Score,
    pub tracks: Vec<TrackInfo>,
    pub chord_source: ChordSource,
    pub warnings: Vec<String>,
    /// Chord symbols in the file that could not be read, in order, each once.
    pub unparsed_chords: Vec<String>,
}

pub fn read_file(path: &Path, opts: &ImportOptions) -> Result<Imported, MidiError> {
    let meta = std::fs::metadata(path).map_err(|source| MidiError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(MidiError::Invalid {
            path: path.to_path_buf(),
            reason: format!(
                "file is {} bytes; improv reads MIDI files up to {} bytes",
                meta.len(),
                MAX_FILE_BYTES
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| MidiError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut imported = parse_bytes(&bytes, opts).map_err(|reason| MidiError::Invalid {
        path: path.to_path_buf(),
        reason,
    })?;
    if imported.score.title.is_empty() {
        imported.score.title = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    Ok(imported)
}

/// Signs that a file is damaged though it parses: a chunk that runs past the end of the
/// file (a truncated or corrupted length), or fewer track chunks than the header promises.
fn damage(bytes: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> usize {
        u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
    };
    if bytes.len() < 14 || &bytes[..4] != b"MThd" {
        return None;
    }
    let declared = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    let mut at = 8usize.saturating_add(be32(4));
    let mut found = 0;
    while at.saturating_add(8) <= bytes.len() {
        let len = be32(at + 4);
        if &bytes[at..at + 4] == b"MTrk" {
            found += 1;
        }
        let remain = bytes.len() - at - 8;
        if len > remain {
            return Some(format!(
                "the file looks damaged: chunk {} claims {len} bytes where {remain} remain",
                found.max(1)
            ));
        }
        at += 8 + len;
    }
    (found < declared).then(|| {
        format!("the file looks damaged: the header promises {declared} tracks, it holds {found}")
    })
}

/// Parses a whole file held in memory; the error is the reason alone (no path).
pub fn parse_bytes(bytes: &[u8], opts: &ImportOptions) -> Result<Imported, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!("file is larger than {MAX_FILE_BYTES} bytes"));
    }
    let smf = Smf::parse(bytes).map_err(|e| format!("not a readable MIDI file: {e}"))?;
    // midly recovers what it can from a damaged file; say so rather than import it quietly.
    let damaged = damage(bytes);
    let events: usize = smf.tracks.iter().map(Vec::len).sum();
    if events > MAX_EVENTS {
        return Err(format!(
            "{events} events is more than improv reads ({MAX_EVENTS})"
        ));
    }
    let mut warnings: Vec<String> = damaged.into_iter().collect();
    let scale = TickScale::of(smf.header.timing, &mut warnings)?;
    let gathered = Gathered::read(&smf, scale)?;
    assemble(gathered, opts, warnings)
}

/// The score from what the tracks held: tempo map, meters, tracks with their roles, chords
/// (from the file's chord symbols, else estimated).
fn assemble(
    g: Gathered,
    opts: &ImportOptions,
    mut warnings: Vec<String>,
) -> Result<Imported, String> {
    let mut score = Score::new(g.title, 120.0);
    set_tempo_map(&mut score, g.tempos);
    set_meters(&mut score, g.sigs);
    let (groups, texts, unparsed) = (g.groups, g.texts, g.unparsed);
    let mut end_tick = g.end_tick;
    let roles = assign_roles(&groups, opts.melody_track.as_ref())?;
    let infos = crate::midi::import::add_tracks(&mut score, groups, roles);
    warnings.extend(score.clamp_tempos());
    let capped = score.cap_length();
    end_tick = end_tick.max(score.tracks.iter().map(Track::end).max().unwrap_or(0));
    if capped.is_some() {
        end_tick = score.end();
    }
    let chord_source = if !texts.is_empty() {
        score.chords = chords_from_markers(&texts, end_tick, &score);
        warnings.extend(unparsed_warning(&unparsed, &score, "the chord before held"));
        ChordSource::Markers
    } else {
        let (chords, source) = estimate_chords(&score);
        score.chords = chords;
        warnings.extend(unparsed_warning(
            &unparsed,
            &score,
            "chords estimated instead",
        ));
        source
    };
    warnings.extend(capped.or(score.cap_length()));
    if score.note_count() == 0 {
        warnings.push("the file has no notes".into());
    }
    score.normalize();
    let mut unparsed_chords: Vec<String> = Vec::new();
    for (_, s) in unparsed {
        if !unparsed_chords.contains(&s) {
            unparsed_chords.push(s);
        }
    }
    Ok(Imported {
        score,
        tracks: infos,
        chord_source,
        warnings,
        unparsed_chords,
    })
}

/// The tempo map, its first tempo also at tick 0 (no tempo events: the score's 120 bpm).
fn set_tempo_map(score: &mut Score, tempos: BTreeMap<Tick, u32>) {
    if tempos.is_empty() {
        return;
    }
    score.tempos = tempos
        .into_iter()
        .map(|(tick, us_per_quarter)| Tempo {
            tick,
            us_per_quarter,
        })
        .collect();
    if score.tempos[0].tick != 0 {
        let first = score.tempos[0].us_per_quarter;
        score.tempos.insert(
            0,
            Tempo {
                tick: 0,
                us_per_quarter: first,
            },
        );
    }
}

/// The time signatures, 4/4 until the first one (none: the score's own).
fn set_meters(score: &mut Score, sigs: BTreeMap<Tick, (u8, u8)>) {
    if sigs.is_empty() {
        return;
    }
    score.time_sigs = sigs
        .into_iter()
        .map(|(tick, (num, den))| TimeSig { tick, num, den })
        .collect();
    if score.time_sigs[0].tick != 0 {
        score.time_sigs.insert(
            0,
            TimeSig {
                tick: 0,
                num: 4,
                den: 4,
            },
        );
    }
}

/// Puts each note group into the score as a track with its role, and says what it did.
pub(crate) fn add_tracks(
    score: &mut Score,
    groups: Vec<Group>,
    roles: Vec<Role>,
) -> Vec<TrackInfo> {
    let mut infos = Vec::new();
    for (i, (g, role)) in groups.into_iter().zip(roles).enumerate() {
        infos.push(TrackInfo {
            index: i,
            name: g.name.clone(),
            channel: g.channel,
            program: g.program,
            notes: g.notes.len(),
            role,
        });
        score.tracks.push(Track {
            name: g.name,
            role,
            channel: g.channel,
            program: g.program,
            notes: g.notes,
        });
    }
    infos
}

/// One line naming the symbols that could not be read and where, and what was done instead.
fn unparsed_warning(unparsed: &[(Tick, String)], score: &Score, instead: &str) -> Option<String> {
    if unparsed.is_empty() {
        return None;
    }
    let bars = score.bar_starts();
    let bar_of = |t: Tick| bars.partition_point(|&b| b <= t).max(1);
    let mut shown: Vec<String> = unparsed
        .iter()
        .take(5)
        .map(|(t, s)| format!("{s:?} (bar {})", bar_of(*t)))
        .collect();
    if unparsed.len() > 5 {
        shown.push(format!("and {} more", unparsed.len() - 5));
    }
    Some(format!(
        "{} chord symbol(s) not read ({instead}): {}",
        unparsed.len(),
        shown.join(", ")
    ))
}
