//! The chart's written bars (bar lines, repeats, endings, signs and jumps) and the order a
//! player plays them in once through the form.

use super::cells::{Cell, Sym};

/// A jump written in a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jump {
    /// D.C.: back to the start; D.S.: back to the segno.
    Back { segno: bool, al_coda: bool },
}

/// One bar as the chart writes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub cells: Vec<Cell>,
    pub section: Option<char>,
    pub time: Option<(u8, u8)>,
    pub open_repeat: bool,
    pub close_repeat: bool,
    pub ending: Option<u8>,
    pub segno: bool,
    pub coda: bool,
    /// `U` or a `<Fine>` comment: the last time through stops after this bar.
    pub fine: bool,
    pub jump: Option<Jump>,
    /// Symbols the reader does not know.
    pub unknown: Vec<char>,
}

impl Written {
    fn has_marks(&self) -> bool {
        self.section.is_some()
            || self.time.is_some()
            || self.open_repeat
            || self.ending.is_some()
            || self.segno
            || self.coda
    }

    /// Takes the marks of an empty bar that opened before this one.
    fn absorb(&mut self, o: Written) {
        self.section = self.section.or(o.section);
        self.time = self.time.or(o.time);
        self.open_repeat |= o.open_repeat;
        self.ending = self.ending.or(o.ending);
        self.segno |= o.segno;
        self.coda |= o.coda;
        self.fine |= o.fine;
        self.jump = self.jump.or(o.jump);
        self.unknown.extend(o.unknown);
    }
}

/// What a comment asks of the player.
fn comment(w: &mut Written, text: &str) {
    let t = text.to_ascii_lowercase().replace(' ', "");
    let al_coda = t.contains("alcoda");
    if t.starts_with("d.c.") || t.starts_with("dacapo") {
        w.jump = Some(Jump::Back {
            segno: false,
            al_coda,
        });
    } else if t.starts_with("d.s.") || t.starts_with("dalsegno") {
        w.jump = Some(Jump::Back {
            segno: true,
            al_coda,
        });
    } else if t == "fine" {
        w.fine = true;
    }
}

/// The written bars, in order. An opened bar with no cells passes its marks on to the
/// next; a close with no cells closes the bar before; marks between bars belong to the
/// next bar, comments to the one before.
pub fn written_bars(syms: &[Sym]) -> Vec<Written> {
    let mut bars: Vec<Written> = Vec::new();
    let mut cur: Option<Written> = None;
    let mut pending = Written::default();
    for s in syms {
        match s {
            Sym::Open(c) => {
                let mut next = Written::default();
                match cur.take() {
                    Some(w) if !w.cells.is_empty() => bars.push(w),
                    Some(w) => next.absorb(w),
                    None => {}
                }
                next.absorb(std::mem::take(&mut pending));
                next.open_repeat |= *c == '{';
                cur = Some(next);
            }
            Sym::Close(c) => {
                match cur.take() {
                    Some(w) if !w.cells.is_empty() => bars.push(w),
                    Some(mut w) => {
                        // An empty bar: its jump ends the bar before, its marks the next.
                        if let Some(b) = bars.last_mut() {
                            b.fine |= std::mem::take(&mut w.fine);
                            b.jump = b.jump.or(w.jump.take());
                        }
                        pending.absorb(w);
                    }
                    None => {}
                }
                if let Some(b) = bars.last_mut() {
                    b.close_repeat |= *c == '}';
                }
            }
            Sym::Cell(Cell::Empty) if cur.is_none() => {}
            Sym::Cell(cell) => {
                let w = cur.get_or_insert_with(|| std::mem::take(&mut pending));
                w.cells.push(cell.clone());
            }
            Sym::Comment(t) => match (cur.as_mut(), bars.last_mut()) {
                (Some(w), _) => comment(w, t),
                (None, Some(b)) => comment(b, t),
                (None, None) => comment(&mut pending, t),
            },
            other => {
                let w = cur.as_mut().unwrap_or(&mut pending);
                mark(w, other);
            }
        }
    }
    if let Some(w) = cur.filter(|w| !w.cells.is_empty()) {
        bars.push(w);
    }
    fold_repeat_two(bars)
}

fn mark(w: &mut Written, s: &Sym) {
    match s {
        Sym::Section(c) => w.section = Some(*c),
        Sym::Time(n, d) => w.time = Some((*n, *d)),
        Sym::Ending(n) => w.ending = Some(*n),
        Sym::Segno => w.segno = true,
        Sym::Coda => w.coda = true,
        Sym::End => w.fine = true,
        Sym::Unknown(c) => w.unknown.push(*c),
        _ => {}
    }
}

/// `r` spans two written bars: the empty bar after it is its second half.
fn fold_repeat_two(bars: Vec<Written>) -> Vec<Written> {
    let mut out: Vec<Written> = Vec::with_capacity(bars.len());
    let mut open_r = false;
    for b in bars {
        let blank = b.cells.iter().all(|c| *c == Cell::Empty) && !b.has_marks();
        match out.last_mut() {
            Some(p) if open_r && blank => {
                p.close_repeat |= b.close_repeat;
                p.fine |= b.fine;
                p.jump = p.jump.or(b.jump);
                open_r = false;
            }
            _ => {
                open_r = b.cells.contains(&Cell::RepeatTwo);
                out.push(b);
            }
        }
    }
    out
}
