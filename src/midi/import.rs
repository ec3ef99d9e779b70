//! MIDI import: midly's borrowed Smf → an owned Score, with track roles and chords.

use super::MidiError;
use super::group::Group;
pub use super::group::{ChordSource, TrackSelector};
use super::roles::{assign_roles, chords_from_markers, estimate_chords};
use crate::music::{Chord, PPQ, Pitch, Role, Score, Tempo, Tick, TimeSig, Track, parse_symbol};
use midly::{Format, MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

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
    // Ticks of the file → ticks at 480 PPQ.
    let (num, den, smpte) = match smf.header.timing {
        Timing::Metrical(tpq) => {
            let tpq = tpq.as_int() as u64;
            if tpq == 0 {
                return Err("the header says 0 ticks per quarter note".into());
            }
            (PPQ as u64, tpq, false)
        }
        Timing::Timecode(fps, sub) => {
            // Real-time ticks: read them as quarter notes at 120 bpm.
            let per_sec = (fps.as_f32() * sub as f32).round() as u64;
            if per_sec == 0 {
                return Err("the SMPTE time division has 0 ticks per frame".into());
            }
            warnings.push("SMPTE timing: read at 120 bpm".into());
            (PPQ as u64 * 2, per_sec, true)
        }
    };
    let scale = |t: u64| -> Tick { (((t * num) + den / 2) / den).min(MAX_TICK) as Tick };

    let mut tempos: BTreeMap<Tick, u32> = BTreeMap::new();
    let mut sigs: BTreeMap<Tick, (u8, u8)> = BTreeMap::new();
    let mut texts: Vec<(Tick, Option<Chord>)> = Vec::new();
    let mut unparsed: Vec<(Tick, String)> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut end_tick: Tick = 0;
    let mut title = String::new();
    let mut offset: u64 = 0; // format 2 lays tracks end to end
    let mut note_count = 0usize;

    for (ti, track) in smf.tracks.iter().enumerate() {
        let mut abs: u64 = if smf.header.format == Format::Sequential {
            offset
        } else {
            0
        };
        let mut name: Option<String> = None;
        let mut programs = [0u8; 16];
        // (channel, key) → onsets not yet ended (first in, first out).
        let mut open: HashMap<(u8, u8), VecDeque<(Tick, u8)>> = HashMap::new();
        let mut by_channel: BTreeMap<u8, Vec<crate::music::Note>> = BTreeMap::new();
        for ev in track {
            abs += ev.delta.as_int() as u64;
            let tick = scale(abs);
            match ev.kind {
                TrackEventKind::Midi { channel, message } => {
                    let ch = channel.as_int();
                    match message {
                        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                            open.entry((ch, key.as_int()))
                                .or_default()
                                .push_back((tick, vel.as_int()));
                        }
                        MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                            if let Some((start, vel)) = open
                                .get_mut(&(ch, key.as_int()))
                                .and_then(|q| q.pop_front())
                            {
                                push_note(&mut by_channel, ch, start, tick, key.as_int(), vel);
                                note_count += 1;
                            }
                        }
                        MidiMessage::ProgramChange { program } => {
                            programs[ch as usize] = program.as_int()
                        }
                        _ => {}
                    }
                }
                TrackEventKind::Meta(meta) => match meta {
                    MetaMessage::TrackName(b) => {
                        let n = String::from_utf8_lossy(b).trim().to_string();
                        if ti == 0 && title.is_empty() && smf.tracks.len() > 1 {
                            title = n.clone();
                        }
                        name = Some(n);
                    }
                    MetaMessage::Tempo(us) if !smpte => {
                        tempos.insert(tick, us.as_int().max(1));
                    }
                    MetaMessage::TimeSignature(n, d, _, _) if n > 0 && d < 8 => {
                        sigs.insert(tick, (n, 1u8 << d));
                    }
                    MetaMessage::Text(b)
                    | MetaMessage::Marker(b)
                    | MetaMessage::Lyric(b)
                    | MetaMessage::CuePoint(b) => match chord_text(b) {
                        ChordText::Chord(ch) => texts.push((tick, ch)),
                        ChordText::Unreadable(s) => unparsed.push((tick, s)),
                        ChordText::Other => {}
                    },
                    _ => {}
                },
                _ => {}
            }
            if note_count > MAX_NOTES {
                return Err(format!("more than {MAX_NOTES} notes"));
            }
        }
        let track_end = scale(abs);
        end_tick = end_tick.max(track_end);
        // Notes never switched off end with their track.
        for ((ch, key), q) in open {
            for (start, vel) in q {
                push_note(&mut by_channel, ch, start, track_end, key, vel);
            }
        }
        let split = by_channel.len() > 1;
        for (ch, mut notes) in by_channel {
            notes.sort_by_key(|n| (n.start, n.pitch));
            let base = name.clone().unwrap_or_else(|| format!("Track {}", ti + 1));
            groups.push(Group {
                name: if split {
                    format!("{base} (ch {})", ch + 1)
                } else {
                    base
                },
                channel: ch,
                program: programs[ch as usize],
                notes,
            });
        }
        if smf.header.format == Format::Sequential {
            offset = abs;
        }
    }

    let mut score = Score::new(title, 120.0);
    if !tempos.is_empty() {
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
    if !sigs.is_empty() {
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

    let roles = assign_roles(&groups, opts.melody_track.as_ref())?;
    let infos = crate::midi::import::add_tracks(&mut score, groups, roles);
    end_tick = end_tick.max(score.tracks.iter().map(Track::end).max().unwrap_or(0));
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

fn push_note(
    by_channel: &mut BTreeMap<u8, Vec<crate::music::Note>>,
    ch: u8,
    start: Tick,
    end: Tick,
    key: u8,
    vel: u8,
) {
    if let Some(pitch) = Pitch::new(key) {
        by_channel.entry(ch).or_default().push(crate::music::Note {
            start,
            dur: end.saturating_sub(start).max(1),
            pitch,
            velocity: vel.clamp(1, 127),
        });
    }
}

/// What a text event holds.
enum ChordText {
    /// A chord symbol, or "no chord" (`NC`).
    Chord(Option<Chord>),
    /// Looks like a chord symbol but cannot be read.
    Unreadable(String),
    /// Lyrics, section names, copyright lines …
    Other,
}

fn chord_text(bytes: &[u8]) -> ChordText {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return ChordText::Other;
    };
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 24 {
        return ChordText::Other;
    }
    match parse_symbol(s) {
        Ok(ch) => ChordText::Chord(ch),
        // A note letter, no spaces, and a digit or a chord sign: meant as a chord.
        Err(_)
            if s.chars().count() <= 12
                && s.starts_with(|c: char| ('A'..='G').contains(&c))
                && !s.contains(char::is_whitespace)
                && s.contains(|c: char| c.is_ascii_digit() || "-+^#/()ø°Δ".contains(c)) =>
        {
            ChordText::Unreadable(s.to_string())
        }
        Err(_) => ChordText::Other,
    }
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
