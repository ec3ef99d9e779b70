//! The chord body's symbols: bar lines, section marks, time signatures, endings, signs,
//! comments and cells (a chord, a slash, `n`, `x`, `r`, `W` or an empty cell).

/// One cell of the chart's grid.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A chord symbol as written (its alternate, in parentheses, set aside).
    Chord(String),
    /// `W`: an invisible root, the chord before (over a new bass when `W/E`).
    Invisible(Option<String>),
    /// `p`: a slash, the chord before once more.
    Slash,
    /// `n`: no chord.
    NoChord,
    /// `x`: the bar before again.
    RepeatBar,
    /// `r`: the two bars before again.
    RepeatTwo,
    /// A space: the chord before goes on.
    Empty,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Sym {
    /// `|`, `[`, `{`: a bar starts (`|` also ends the one before).
    Open(char),
    /// `]`, `}`, `Z`: a bar ends.
    Close(char),
    Section(char),
    Time(u8, u8),
    Ending(u8),
    Segno,
    Coda,
    /// `U`: the end (where the last time through stops).
    End,
    Comment(String),
    Cell(Cell),
    /// Something the reader does not know.
    Unknown(char),
}

/// The body's symbols, in order. Fermatas, small/large chord size, vertical spacers and
/// commas change nothing played and are skipped.
pub fn symbols(body: &str) -> Vec<Sym> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        let (sym, used) = symbol(rest, c);
        if let Some(s) = sym {
            out.push(s);
        }
        rest = &rest[used.max(c.len_utf8())..];
    }
    out
}

/// The symbol at the start of `s` (None: nothing played) and the bytes it takes.
fn symbol(s: &str, c: char) -> (Option<Sym>, usize) {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).filter(|d| d.is_ascii_digit()).map(|d| d - b'0');
    match c {
        '|' | '[' | '{' => (Some(Sym::Open(c)), 1),
        ']' | '}' | 'Z' => (Some(Sym::Close(c)), 1),
        '*' => match s[1..].chars().next() {
            Some(m) if m.is_ascii_alphanumeric() => (Some(Sym::Section(m)), 1 + m.len_utf8()),
            _ => (None, 1),
        },
        'T' => match (digit(1), digit(2)) {
            (Some(1), Some(2)) => (Some(Sym::Time(12, 8)), 3),
            (Some(n), Some(d)) => (Some(Sym::Time(n, d)), 3),
            _ => (Some(Sym::Unknown('T')), 1),
        },
        'N' => match digit(1) {
            Some(0) => (None, 2),
            Some(n) => (Some(Sym::Ending(n)), 2),
            None => (Some(Sym::Unknown('N')), 1),
        },
        'S' => (Some(Sym::Segno), 1),
        'Q' => (Some(Sym::Coda), 1),
        'U' => (Some(Sym::End), 1),
        '<' => {
            let end = s.find('>').map_or(s.len(), |e| e + 1);
            let text = s[1..end].trim_end_matches('>');
            // `<*74Fine>`: a vertical offset before the text.
            let text = match text.strip_prefix('*') {
                Some(t) => t.trim_start_matches(|c: char| c.is_ascii_digit()),
                None => text,
            };
            (Some(Sym::Comment(text.trim().to_string())), end)
        }
        'f' | 's' | 'l' | 'Y' | ',' => (None, 1),
        // An empty cell may carry an alternate chord too: ` (E7)`.
        ' ' => with_alternate(s, Cell::Empty, 1),
        'n' => with_alternate(s, Cell::NoChord, 1),
        'p' => with_alternate(s, Cell::Slash, 1),
        'x' => (Some(Sym::Cell(Cell::RepeatBar)), 1),
        'r' => (Some(Sym::Cell(Cell::RepeatTwo)), 1),
        'W' => {
            let (bass, n) = bass(&s[1..]);
            with_alternate(s, Cell::Invisible(bass), 1 + n)
        }
        'A'..='G' => {
            let n = chord_len(s);
            with_alternate(s, Cell::Chord(s[..n].to_string()), n)
        }
        _ => (Some(Sym::Unknown(c)), c.len_utf8()),
    }
}

/// A cell and, right after it, an alternate chord in parentheses (set aside).
fn with_alternate(s: &str, cell: Cell, n: usize) -> (Option<Sym>, usize) {
    let alt = match s[n..].strip_prefix('(') {
        Some(rest) => rest.find(')').map_or(s.len() - n, |e| e + 2),
        None => 0,
    };
    (Some(Sym::Cell(cell)), n + alt)
}

/// A slash bass note: `/E`, `/Bb`.
fn bass(s: &str) -> (Option<String>, usize) {
    let b = s.as_bytes();
    if b.first() != Some(&b'/') || !b.get(1).is_some_and(|c| (b'A'..=b'G').contains(c)) {
        return (None, 0);
    }
    let n = if matches!(b.get(2), Some(b'b' | b'#')) {
        3
    } else {
        2
    };
    (Some(s[1..n].to_string()), n)
}

/// The length of the chord symbol at the start of `s`: a root, its accidental, the
/// quality's letters, numbers and signs (and `sus`, `alt`, `add`, `*custom*` text), then a
/// slash bass.
fn chord_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    if matches!(b.get(1), Some(b'b' | b'#')) {
        i = 2;
    }
    loop {
        let rest = &s[i..];
        if let Some(w) = ["sus", "alt", "add"].iter().find(|w| rest.starts_with(**w)) {
            i += w.len();
        } else if let Some(e) = custom_text(rest) {
            i += e;
        } else if rest
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || b"+-^hob#".contains(&c))
        {
            i += 1;
        } else {
            break;
        }
    }
    i + bass(&s[i..]).1
}

/// The length of `*text*` (a chord's own words) at the start of `rest`, within the cell.
fn custom_text(rest: &str) -> Option<usize> {
    let inner = rest.strip_prefix('*')?;
    let cell = inner
        .find(['|', '[', ']', '{', '}', ' ', ','])
        .unwrap_or(inner.len());
    inner[..cell].find('*').map(|e| e + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(s: &str) -> Vec<Sym> {
        symbols(s)
    }

    #[test]
    fn chords_alternates_and_marks() {
        let s = cells("*A{T44C^7 Bb7(A7b9)|N1W/E,p,sEh,lA7alt}");
        use Sym::*;
        assert_eq!(
            s,
            vec![
                Section('A'),
                Open('{'),
                Time(4, 4),
                Cell(super::Cell::Chord("C^7".into())),
                Cell(super::Cell::Empty),
                Cell(super::Cell::Chord("Bb7".into())),
                Open('|'),
                Ending(1),
                Cell(super::Cell::Invisible(Some("E".into()))),
                Cell(super::Cell::Slash),
                Cell(super::Cell::Chord("Eh".into())),
                Cell(super::Cell::Chord("A7alt".into())),
                Close('}'),
            ]
        );
    }

    #[test]
    fn comments_signs_and_strangers() {
        use Sym::*;
        let s = cells("SC7sus/G<*72D.S. al Coda>QxrnUT12@ (E7)");
        assert_eq!(
            s,
            vec![
                Segno,
                Cell(super::Cell::Chord("C7sus/G".into())),
                Comment("D.S. al Coda".into()),
                Coda,
                Cell(super::Cell::RepeatBar),
                Cell(super::Cell::RepeatTwo),
                Cell(super::Cell::NoChord),
                End,
                Time(12, 8),
                Unknown('@'),
                Cell(super::Cell::Empty),
            ]
        );
    }
}
