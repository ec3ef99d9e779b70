//! The whole document: parts and measures streamed in, then the Score, its tracks and chords.

use super::harmony::{self, HarmonyMark};
use super::part::{MeasureSpan, PartState, bar_ticks};
use super::xml::{Node, Step, Tag, Xml};
use super::{MAX_NOTES, MAX_PARTS};
use crate::midi::group::Group;
use crate::midi::import::{ChordSource, ImportOptions, Imported};
use crate::midi::roles::{assign_roles, estimate_chords};
use crate::music::{PPQ, Score, Tempo, Tick, TimeSig};
use std::collections::BTreeMap;

/// What `<part-list>` says about a part.
#[derive(Default)]
struct PartInfo {
    id: String,
    name: String,
    channel: Option<u8>,
    program: Option<u8>,
}

/// Everything read from the document, before it becomes a Score.
#[derive(Default)]
pub(crate) struct Doc {
    work_title: String,
    movement_title: String,
    infos: Vec<PartInfo>,
    parts: Vec<PartState>,
    timeline: Vec<MeasureSpan>,
}

impl Doc {
    /// The index of the part called `id`, added if new.
    fn part(&mut self, id: &str) -> Result<usize, String> {
        let i = match self.parts.iter().position(|p| p.id == id) {
            Some(i) => i,
            None if self.parts.len() >= MAX_PARTS => {
                return Err(format!("more than {MAX_PARTS} parts"));
            }
            None => {
                self.parts.push(PartState::new(id));
                self.parts.len() - 1
            }
        };
        Ok(i)
    }

    fn measure(&mut self, id: &str, m: &Node, number: &str) -> Result<(), String> {
        let i = self.part(id)?;
        self.parts[i]
            .measure(m, &mut self.timeline)
            .map_err(|e| format!("part {id}, measure {number}: {e}"))?;
        self.check_notes()
    }

    fn check_notes(&self) -> Result<(), String> {
        let n: usize = self.parts.iter().map(|p| p.notes.len()).sum();
        (n <= MAX_NOTES)
            .then_some(())
            .ok_or_else(|| format!("more than {MAX_NOTES} notes"))
    }
}

/// Streams the document: the part list, then each measure as a small tree.
pub(crate) fn read_document(text: &str) -> Result<Doc, String> {
    let mut x = Xml::new(text);
    let Step::Tag(root) = x.next_tag()? else {
        return Err("no XML elements: not a MusicXML score".into());
    };
    let timewise = match root.name.as_str() {
        "score-partwise" => false,
        "score-timewise" => true,
        "opus" => {
            return Err("a MusicXML opus only lists other scores; open one of them".into());
        }
        other => {
            return Err(format!(
                "not a MusicXML score: the document is <{other}>, not <score-partwise>"
            ));
        }
    };
    let mut doc = Doc::default();
    if root.empty {
        return Ok(doc);
    }
    loop {
        let tag = match x.next_tag()? {
            Step::Tag(t) => t,
            Step::End => break,
            Step::Eof => return Err(x.unclosed(&root.name)),
        };
        match tag.name.as_str() {
            "part-list" => doc.infos = part_list(&x.tree(tag)?),
            "movement-title" => doc.movement_title = x.tree(tag)?.text.trim().to_string(),
            "work" => {
                let w = x.tree(tag)?;
                doc.work_title = w.text_of("work-title").unwrap_or("").to_string();
            }
            "part" if !timewise => read_part(&mut x, tag, &mut doc)?,
            "measure" if timewise => {
                let m = x.tree(tag)?;
                let number = m.attr("number").unwrap_or("?").to_string();
                for p in m.children_named("part") {
                    doc.measure(p.attr("id").unwrap_or(""), p, &number)?;
                }
            }
            _ => x.skip(&tag)?,
        }
    }
    Ok(doc)
}

fn read_part(x: &mut Xml, tag: Tag, doc: &mut Doc) -> Result<(), String> {
    let id = tag
        .attrs
        .iter()
        .find(|(k, _)| k == "id")
        .map_or_else(|| format!("P{}", doc.parts.len() + 1), |(_, v)| v.clone());
    doc.part(&id)?;
    if tag.empty {
        return Ok(());
    }
    loop {
        match x.next_tag()? {
            Step::Tag(t) if t.name == "measure" => {
                let m = x.tree(t)?;
                let number = m.attr("number").unwrap_or("?").to_string();
                doc.measure(&id, &m, &number)?;
            }
            Step::Tag(t) => x.skip(&t)?,
            Step::End => return Ok(()),
            Step::Eof => return Err(x.unclosed("part")),
        }
    }
}

fn part_list(list: &Node) -> Vec<PartInfo> {
    list.children_named("score-part")
        .map(|p| {
            let name = p
                .text_of("part-name")
                .filter(|n| !n.is_empty())
                .or(p.text_of("part-abbreviation"))
                .unwrap_or("");
            let midi = p.child("midi-instrument");
            let num = |field: &str| midi.and_then(|m| m.num_of(field)).map(|v| v.round() as i64);
            PartInfo {
                id: p.attr("id").unwrap_or("").to_string(),
                name: name.to_string(),
                channel: num("midi-channel")
                    .filter(|c| (1..=16).contains(c))
                    .map(|c| c as u8 - 1),
                program: num("midi-program")
                    .filter(|c| (1..=128).contains(c))
                    .map(|c| c as u8 - 1),
            }
        })
        .collect()
}

/// The Score, tracks with roles, chords and warnings, as MIDI import gives them.
pub(crate) fn imported(doc: Doc, opts: &ImportOptions) -> Result<Imported, String> {
    let title = if doc.work_title.is_empty() {
        doc.movement_title.clone()
    } else {
        doc.work_title.clone()
    };
    let mut score = Score::new(title, 120.0);
    let mut warnings: Vec<String> = doc.parts.iter().flat_map(|p| p.warnings.clone()).collect();
    if let Some(map) = tempo_map(&doc, &mut warnings) {
        score.tempos = map;
    }
    if !doc.timeline.is_empty() {
        score.time_sigs = time_sigs(&doc.timeline);
    }
    let (groups, marks) = groups_and_marks(&doc);
    let roles = assign_roles(&groups, opts.melody_track.as_ref())?;
    let infos = crate::midi::import::add_tracks(&mut score, groups, roles);
    let capped = score.cap_length();
    let timeline_end = doc.timeline.last().map_or(0, |m| m.start + m.len) as Tick;
    let end = score.end().max(timeline_end).min(form_cap(&score));
    // The measures are in time order: the one holding `t` is found by halving.
    let bar_end = |t: Tick| {
        let i = doc
            .timeline
            .partition_point(|m| m.start + m.len <= t as u64);
        doc.timeline.get(i).map_or(t, |m| (m.start + m.len) as Tick)
    };
    score.chords = harmony::spans(&marks, end, bar_end);
    warnings.extend(capped.or(score.cap_length()));
    let unparsed_chords = unparsed(&marks);
    if !unparsed_chords.is_empty() {
        warnings.push(format!(
            "chord symbols not understood (the chord before each was held): {}",
            unparsed_chords.join(", ")
        ));
    }
    let chord_source = if score.chords.is_empty() {
        let (chords, source) = estimate_chords(&score);
        score.chords = chords;
        source
    } else {
        ChordSource::Markers
    };
    if score.note_count() == 0 {
        warnings.push("the file has no notes".into());
    }
    score.normalize();
    Ok(Imported {
        score,
        tracks: infos,
        chord_source,
        warnings,
        unparsed_chords,
    })
}

/// The last tick of the longest form a score may have, at its first meter.
fn form_cap(score: &Score) -> Tick {
    let bar = score.time_sig_at(0).bar_ticks() as u64;
    (crate::music::MAX_FORM_BARS as u64 * bar).min(Tick::MAX as u64) as Tick
}

/// The tempo map: each part's tempo marks, the first part's where two mark one tick; the
/// first mark holds from the start. None without tempo marks. Marks out of range are
/// clamped or dropped as for every reader (`music::bounds`), with a warning.
fn tempo_map(doc: &Doc, warnings: &mut Vec<String>) -> Option<Vec<Tempo>> {
    let mut tempos: BTreeMap<u64, f64> = BTreeMap::new();
    for p in &doc.parts {
        for &(t, bpm) in &p.tempos {
            let bar = doc.timeline.partition_point(|m| m.start + m.len <= t) + 1;
            let (bpm, w) = crate::music::bounds::checked_bpm(bpm, bar);
            warnings.extend(w);
            if let Some(bpm) = bpm {
                tempos.entry(t).or_insert(bpm);
            }
        }
    }
    // The first tempo mark holds from the start.
    let &first = tempos.values().next()?;
    let mut map = vec![Tempo::from_bpm(0, first)];
    map.extend(
        tempos
            .iter()
            .skip(1)
            .map(|(&t, &bpm)| Tempo::from_bpm(t as Tick, bpm)),
    );
    Some(map)
}

/// The harmony texts that could not be read, in order, each once.
fn unparsed(marks: &[(Tick, HarmonyMark)]) -> Vec<String> {
    let mut unparsed_chords: Vec<String> = Vec::new();
    for (_, m) in marks {
        if let HarmonyMark::Unparsed(s) = m
            && !unparsed_chords.contains(s)
        {
            unparsed_chords.push(s.clone());
        }
    }
    unparsed_chords
}

/// One group per part that has notes; the harmony marks of all parts, by time (where two
/// parts mark the same moment, the upper part's mark wins).
fn groups_and_marks(doc: &Doc) -> (Vec<Group>, Vec<(Tick, HarmonyMark)>) {
    let mut groups = Vec::new();
    let mut marks: Vec<(Tick, HarmonyMark)> = Vec::new();
    for (i, p) in doc.parts.iter().enumerate() {
        marks.extend(p.harmonies.iter().map(|(t, h)| (*t as Tick, h.clone())));
        if p.notes.is_empty() {
            continue;
        }
        let info = doc.infos.iter().find(|f| f.id == p.id);
        let name = info
            .map(|f| f.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| p.id.clone());
        let drums = p.unpitched * 2 > p.notes.len();
        let auto = match (i % 15) as u8 {
            _ if drums => 9,
            c if c >= 9 => c + 1,
            c => c,
        };
        let channel = info.and_then(|f| f.channel).unwrap_or(auto);
        let mut notes = p.notes.clone();
        notes.sort_by_key(|n| (n.start, n.pitch));
        groups.push(Group {
            name,
            channel,
            program: info.and_then(|f| f.program).unwrap_or(0),
            notes,
        });
    }
    marks.sort_by_key(|m| m.0);
    marks.dedup_by_key(|m| m.0);
    (groups, marks)
}

/// Meter changes from the measures: a measure whose length differs from its time signature
/// (a split bar, a short last bar) gets a meter of its own so bar lines stay in place.
fn time_sigs(timeline: &[MeasureSpan]) -> Vec<TimeSig> {
    let mut out: Vec<TimeSig> = Vec::new();
    for m in timeline {
        let (num, den) = effective_meter(m);
        if out.last().is_none_or(|l| (l.num, l.den) != (num, den)) {
            out.push(TimeSig {
                tick: m.start as Tick,
                num,
                den,
            });
        }
    }
    out
}

fn effective_meter(m: &MeasureSpan) -> (u8, u8) {
    if m.len == bar_ticks(m.meter) {
        return m.meter;
    }
    for den in [m.meter.1, 4, 8, 16, 32, 64] {
        let unit = PPQ as u64 * 4 / den as u64;
        if m.len.is_multiple_of(unit) && (1..=255).contains(&(m.len / unit)) {
            return ((m.len / unit) as u8, den);
        }
    }
    m.meter
}
