//! Reads what follows a chord symbol's root (qualities, numbers, omissions) into a shape.

use crate::music::chord::ALTERED;

/// Reads the part after the root into a shape (bit i = i semitones above the root).
pub(super) struct Reader<'a> {
    s: &'a str,
    at: usize,
    third: Option<u8>,
    fifth: Option<u8>,
    seventh: Option<u8>,
    sixth: bool,
    tensions: u16,
    /// A `maj`/`M`/`j`/`^` was read: a seventh is a major seventh.
    major7: bool,
    /// `j`, `^` or `Δ` alone mean a major seventh chord.
    major7_symbol: bool,
    /// A `maj` just before the next number (`m(maj7)`).
    major7_next: bool,
    dim: bool,
    half_dim: bool,
    /// A 9, 11 or 13 was written outside parentheses: the chord has a seventh.
    implies_seventh: bool,
    /// An 11 or 13 was written: the chord has a natural 9 unless an altered one is named.
    implies_ninth: bool,
    depth: usize,
    /// Nothing but separators read yet (so `-` is minor and `+` augmented).
    first: bool,
    /// Accidentals follow their numbers, as the Weimar database writes them (`79b11#`,
    /// `79#13`): the symbol ends in a number and an accidental, or writes its extensions
    /// after the seventh (`79`, `711`, `713`), which lead sheets never do.
    postfix: bool,
}

impl<'a> Reader<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Reader {
            s,
            at: 0,
            third: Some(4),
            fifth: Some(7),
            seventh: None,
            sixth: false,
            tensions: 0,
            major7: false,
            major7_symbol: false,
            major7_next: false,
            dim: false,
            half_dim: false,
            implies_seventh: false,
            implies_ninth: false,
            depth: 0,
            first: true,
            postfix: {
                let b = s.trim_end_matches([')', ' ']).as_bytes();
                (b.len() >= 2
                    && matches!(b[b.len() - 1], b'b' | b'#')
                    && b[b.len() - 2].is_ascii_digit())
                    || ["79", "711", "713"].iter().any(|w| s.contains(w))
            },
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    /// Consumes `word` if the rest starts with it.
    fn eat(&mut self, word: &str) -> bool {
        if self.rest().starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    pub(super) fn read(mut self) -> Result<u16, String> {
        while self.at < self.s.len() {
            let before = self.at;
            self.step()?;
            if self.at == before {
                return Err(self.rest().to_string());
            }
        }
        Ok(self.finish())
    }

    fn step(&mut self) -> Result<(), String> {
        if self.separator() {
            return Ok(());
        }
        if self.eat("add") {
            return self.number(true);
        }
        if self.eat("omit") || self.eat("no") {
            return self.omit();
        }
        if !self.quality() {
            let rest = self.rest();
            let c = rest.as_bytes()[0];
            let next_digit = rest.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
            if c.is_ascii_digit() || matches!(c, b'b' | b'#' | b'+' | b'-') && next_digit {
                return self.number(false);
            }
            return Err(rest.to_string());
        }
        self.first = false;
        Ok(())
    }

    /// Parentheses (counted) and separators.
    fn separator(&mut self) -> bool {
        match self.rest().as_bytes()[0] {
            b'(' => self.depth += 1,
            b')' => self.depth = self.depth.saturating_sub(1),
            b',' | b' ' | b'/' | b':' | b'.' => {}
            _ => return false,
        }
        self.at += 1;
        true
    }

    /// A word or sign for the quality (`alt`, `dom`, `sus`, `maj`, `j`, `m`, `dim`, `h`,
    /// `aug`/`+`, a leading `-`), consumed; false when none is next.
    fn quality(&mut self) -> bool {
        let rest = self.rest();
        let c = rest.as_bytes()[0];
        let next_digit = rest.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
        if self.eat("alt") {
            self.seventh.get_or_insert(10);
            self.fifth = None;
            self.tensions |= ALTERED & !(1 | 1 << 4 | 1 << 10);
        } else if self.eat("dom") {
            self.seventh.get_or_insert(10);
        } else if self.eat("sus") {
            self.third = Some(if self.eat("2") {
                2
            } else {
                self.eat("4");
                5
            });
        } else if self.eat("maj")
            || self.eat("Maj")
            || self.eat("MAJ")
            || (rest.starts_with("ma") || rest.starts_with("MA"))
                && starts_digit(&rest[2..])
                && self.eat(&rest[..2])
            || self.eat("M")
        {
            self.set_major7(false);
        } else if self.eat("j") || self.eat("^") {
            self.set_major7(true);
        } else if self.eat("min") || self.eat("mi") || self.eat("m") {
            self.third = Some(3);
        } else if self.eat("dim") || self.eat("o") {
            self.third = Some(3);
            self.fifth = Some(6);
            self.dim = true;
        } else if self.eat("h") {
            self.third = Some(3);
            self.fifth = Some(6);
            self.seventh = Some(10);
            self.half_dim = true;
        } else if self.eat("aug") || (c == b'+' && (self.first || !next_digit) && self.eat("+")) {
            self.fifth = Some(8);
        } else if c == b'-' && self.first {
            self.at += 1;
            self.third = Some(3);
        } else {
            return false;
        }
        true
    }

    fn set_major7(&mut self, symbol: bool) {
        self.major7_next = true;
        if self.depth == 0 {
            self.major7 = true;
            self.major7_symbol |= symbol;
            if self.seventh == Some(10) && !self.half_dim {
                self.seventh = Some(11); // `C7M`
            }
        }
    }

    /// An accidental (before, or after as the Weimar database writes `9b`, `11#`) and one of
    /// 2, 3, 4, 5, 6, 7, 9, 11, 13.
    fn number(&mut self, add: bool) -> Result<(), String> {
        let start = self.rest().to_string();
        let mut acc = self.accidental(true);
        let n = if self.eat("13") {
            13
        } else if self.eat("11") {
            11
        } else {
            match self.rest().as_bytes().first() {
                Some(d @ b'2'..=b'9') if *d != b'8' => {
                    self.at += 1;
                    d - b'0'
                }
                _ => return Err(start),
            }
        };
        if acc == 0 {
            acc = self.accidental(false);
        }
        let first = std::mem::replace(&mut self.first, false);
        let applied = self.apply(n, acc, add || self.depth > 0, first);
        self.major7_next = false;
        applied.map_err(|_| start)
    }

    /// +1 for `#`/`+`, -1 for `b`/`-`, 0 for none. A prefix must be followed by a digit; a
    /// suffix (`9b`, `11#`, as the Weimar database writes them; never `+`/`-`, so `7+` stays
    /// an augmented seventh) must not be (so `79b13` is 7, 9, b13).
    fn accidental(&mut self, prefix: bool) -> i8 {
        let b = self.rest().as_bytes();
        let Some(&c) = b.first() else { return 0 };
        let digit_after = b.get(1).is_some_and(u8::is_ascii_digit);
        let sign = match c {
            b'#' => 1,
            b'b' => -1,
            b'+' if prefix => 1,
            b'-' if prefix => -1,
            _ => return 0,
        };
        if digit_after == prefix || (!prefix && self.postfix) {
            self.at += 1;
            sign
        } else {
            0
        }
    }

    /// What a number means: inside parentheses or after `add` (`explicit`) it adds exactly
    /// that tone; written plainly, 9, 11 and 13 also imply the seventh (and 11/13 the ninth).
    fn apply(&mut self, n: u8, acc: i8, explicit: bool, first: bool) -> Result<(), ()> {
        let tension: Option<i8> = match (n, acc) {
            (5, -1) => {
                self.fifth = Some(6);
                None
            }
            (5, 1) => {
                self.fifth = Some(8);
                None
            }
            (5, 0) if explicit => Some(7),
            (5, 0) => {
                if first && self.third == Some(4) && self.fifth == Some(7) {
                    self.third = None; // a power chord, `C5`
                }
                None
            }
            (7, 0) if explicit => Some(if self.major7_next { 11 } else { 10 }),
            (7, 0) => {
                self.seventh = Some(if self.major7 || self.major7_next {
                    11
                } else if self.dim && !self.half_dim {
                    9
                } else {
                    10
                });
                None
            }
            (7, -1) => Some(10),
            (7, 1) => Some(11),
            (6, 0) if explicit || self.seventh.is_some() => Some(9),
            (6, 0) => {
                self.sixth = true;
                None
            }
            (6, -1) => Some(8),
            (3, 0) => Some(4),
            (3, -1) => Some(3),
            (4, 0) if explicit => Some(5),
            (4, 0) => {
                self.third = Some(5);
                None
            }
            (4, 1) => Some(6),
            (2, a) | (9, a) => Some(2 + a),
            (11, a) => Some(5 + a),
            (13, a) => Some(9 + a),
            _ => return Err(()),
        };
        if let Some(t) = tension {
            self.tensions |= 1 << t;
        }
        if matches!(n, 9 | 11 | 13) && !explicit && !self.sixth {
            self.implies_seventh = true;
            self.implies_ninth |= n != 9 && acc == 0;
        }
        Ok(())
    }

    /// `no3`, `no5`, `omit3`.
    fn omit(&mut self) -> Result<(), String> {
        let start = self.rest().to_string();
        if self.eat("3") {
            self.third = None;
        } else if self.eat("5") {
            self.fifth = None;
        } else {
            return Err(start);
        }
        self.first = false;
        Ok(())
    }

    fn finish(mut self) -> u16 {
        if self.seventh.is_none() && !self.sixth {
            if self.major7_symbol {
                self.seventh = Some(11);
            } else if self.implies_seventh {
                self.seventh = Some(match () {
                    _ if self.major7 => 11,
                    _ if self.dim => 9,
                    _ => 10,
                });
            }
        }
        if self.implies_ninth && self.tensions & (1 << 1 | 1 << 3) == 0 {
            self.tensions |= 1 << 2;
        }
        let mut shape = 1 | self.tensions;
        for t in [self.third, self.fifth, self.seventh].into_iter().flatten() {
            shape |= 1 << t;
        }
        if self.sixth {
            shape |= 1 << 9;
        }
        shape
    }
}

fn starts_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}
