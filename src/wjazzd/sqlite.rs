//! The database's SQLite file (`wjazzd.db`): solo_info, melody and beats, with each solo's
//! year from track_info or record_info where the file has them.

use super::{Beat, Database, RawNote, Solo, Warning, WjazzdError, instruments};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

struct Db<'a> {
    conn: Connection,
    path: &'a Path,
}

impl Db<'_> {
    fn err(&self, reason: impl std::fmt::Display) -> WjazzdError {
        WjazzdError::Sqlite {
            path: PathBuf::from(self.path),
            reason: reason.to_string(),
        }
    }

    /// The columns of `table` (empty when it does not exist).
    fn columns(&self, table: &str) -> Result<HashSet<String>, WjazzdError> {
        let mut st = self
            .conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .map_err(|e| self.err(e))?;
        let names = st
            .query_map([], |r| r.get::<_, String>(1))
            .map_err(|e| self.err(e))?;
        names
            .map(|n| n.map(|n| n.to_lowercase()).map_err(|e| self.err(e)))
            .collect()
    }

    /// `SELECT` of `wanted` columns from `table` (NULL for the optional ones it lacks);
    /// `required` must all be there.
    fn select(
        &self,
        table: &str,
        wanted: &[&str],
        required: &[&str],
        tail: &str,
    ) -> Result<String, WjazzdError> {
        let have = self.columns(table)?;
        if let Some(miss) = required.iter().find(|c| !have.contains(**c)) {
            return Err(self.err(format!("table {table} has no column {miss}")));
        }
        let cols: Vec<String> = wanted
            .iter()
            .map(|c| {
                if have.contains(*c) {
                    (*c).to_string()
                } else {
                    "NULL".into()
                }
            })
            .collect();
        Ok(format!("SELECT {} FROM {table} {tail}", cols.join(", ")))
    }

    fn rows(&self, sql: &str, melid: Option<i64>) -> Result<Vec<Vec<Value>>, WjazzdError> {
        let mut st = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let n = st.column_count();
        let map = |r: &rusqlite::Row| (0..n).map(|i| r.get::<_, Value>(i)).collect();
        let rows = match melid {
            Some(id) => st.query_map([id], map),
            None => st.query_map([], map),
        }
        .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) if r.is_finite() => Some(*r),
        Value::Text(t) => t.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// `performer_title`, with `-2`, `-3` … after the second and later solos of one name.
fn unique_name(seen: &mut HashMap<String, usize>, performer: &str, title: &str) -> String {
    let name = format!("{}_{}", super::squash(performer), super::squash(title));
    let n = seen.entry(name.clone()).or_default();
    *n += 1;
    if *n > 1 { format!("{name}-{n}") } else { name }
}

/// Reads every solo of the SQLite database at `path`, in melid order.
pub fn read(path: &Path) -> Result<Database, WjazzdError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| {
            WjazzdError::Sqlite {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
    let db = Db { conn, path };
    let info = db.select(
        "solo_info",
        &[
            "melid",
            "performer",
            "title",
            "instrument",
            "trackid",
            "recordid",
        ],
        &["melid", "performer", "title"],
        "ORDER BY melid",
    )?;
    let years = Years::new(&db)?;
    let mut out = Database::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in db.rows(&info, None)? {
        let Some(melid) = num(&row[0]).map(|m| m as i64) else {
            continue;
        };
        let performer = text(&row[1]).unwrap_or_else(|| "Unknown".into());
        let title = text(&row[2]).unwrap_or_else(|| format!("Solo {melid}"));
        let (instrument, program) =
            text(&row[3]).map_or((String::new(), 0), |c| instruments::by_code(&c));
        let name = unique_name(&mut seen, &performer, &title);
        let mut problems = Vec::new();
        let notes = melody(&db, melid, &mut problems)?;
        let beats = beats(&db, melid, &mut problems)?;
        if let Some(p) = problems.into_iter().next() {
            out.warnings.push(Warning {
                solo: name.clone(),
                message: p,
            });
        }
        out.solos.push(Solo {
            name,
            tune: super::tune_key(&title),
            year: years.of(num(&row[4]), num(&row[5])),
            performer,
            title,
            instrument,
            program,
            notes,
            beats,
        });
    }
    if out.solos.is_empty() {
        return Err(WjazzdError::Empty(path.to_path_buf()));
    }
    Ok(out)
}

fn melody(db: &Db, melid: i64, problems: &mut Vec<String>) -> Result<Vec<RawNote>, WjazzdError> {
    let sql = db.select(
        "melody",
        &["onset", "duration", "pitch", "loud_med"],
        &["melid", "onset", "duration", "pitch"],
        "WHERE melid = ?1 ORDER BY rowid",
    )?;
    let mut notes = Vec::new();
    for (i, r) in db.rows(&sql, Some(melid))?.iter().enumerate() {
        let pitch = num(&r[2])
            .map(f64::round)
            .filter(|p| (0.0..=127.0).contains(p));
        match (num(&r[0]), num(&r[1]), pitch) {
            (Some(onset), Some(duration), Some(pitch)) => notes.push(RawNote {
                onset,
                duration,
                pitch: pitch as u8,
                velocity: super::velocity(num(&r[3])),
            }),
            _ => {
                problems.push(format!(
                    "melody row {} of melid {melid} has no readable onset, duration or \
                     pitch; written up to the row before",
                    i + 1
                ));
                break;
            }
        }
    }
    Ok(notes)
}

fn beats(db: &Db, melid: i64, problems: &mut Vec<String>) -> Result<Vec<Beat>, WjazzdError> {
    let sql = db.select(
        "beats",
        &["onset", "bar", "beat", "signature", "chord", "form"],
        &["melid", "onset", "bar", "beat"],
        "WHERE melid = ?1 ORDER BY rowid",
    )?;
    let mut out = Vec::new();
    let mut sig = (4u8, 4u8);
    for (i, r) in db.rows(&sql, Some(melid))?.iter().enumerate() {
        if let Some(s) = text(&r[3]).as_deref().and_then(super::parse_signature) {
            sig = s;
        }
        let (Some(onset), Some(bar), Some(beat)) = (num(&r[0]), num(&r[1]), num(&r[2])) else {
            problems.push(format!(
                "beats row {} of melid {melid} has no readable onset, bar or beat; written \
                 up to the row before",
                i + 1
            ));
            break;
        };
        let beat = Beat {
            onset,
            bar: bar as i64,
            beat: beat as i64,
            sig,
            chord: text(&r[4]),
            form: text(&r[5]),
        };
        if let Err(why) = super::push_beat(&mut out, beat) {
            problems.push(format!(
                "beats of melid {melid}: {why}; written up to there"
            ));
            break;
        }
    }
    Ok(out)
}

/// Recording years by track and by record, where the database has them.
struct Years {
    tracks: HashMap<i64, u16>,
    records: HashMap<i64, u16>,
}

impl Years {
    fn new(db: &Db) -> Result<Years, WjazzdError> {
        Ok(Years {
            tracks: Self::table(db, "track_info", "trackid")?,
            records: Self::table(db, "record_info", "recordid")?,
        })
    }

    fn table(db: &Db, table: &str, id: &str) -> Result<HashMap<i64, u16>, WjazzdError> {
        let have = db.columns(table)?;
        let Some(col) = ["recordingdate", "releasedate"]
            .into_iter()
            .find(|c| have.contains(*c))
        else {
            return Ok(HashMap::new());
        };
        if !have.contains(id) {
            return Ok(HashMap::new());
        }
        let rows = db.rows(&format!("SELECT {id}, {col} FROM {table}"), None)?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((num(&r[0])? as i64, year_in(&text(&r[1])?)?)))
            .collect())
    }

    fn of(&self, trackid: Option<f64>, recordid: Option<f64>) -> Option<u16> {
        let t = trackid.and_then(|t| self.tracks.get(&(t as i64)));
        let r = recordid.and_then(|r| self.records.get(&(r as i64)));
        t.or(r).copied()
    }
}

/// The first four-digit year (1890–2099) in a date text.
fn year_in(s: &str) -> Option<u16> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<u16>().ok())
        .find(|y| (1890..2100).contains(y))
}
