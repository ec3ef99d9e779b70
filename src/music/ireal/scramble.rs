//! iReal Pro's chord-body obfuscation: 50-character blocks with swapped ends, and three
//! short substitutions for common runs (`Kcl`, `LZ`, `XyQ`).

/// What every obfuscated (`irealb://`) chord body starts with.
pub const MUSIC_PREFIX: &str = "1r34LbKcu7";

/// The characters of a block that trade places (each pair once): the first five with the
/// last five, and 10..24 with 26..40. Swapping is its own inverse.
fn swap_block(block: &mut [char]) {
    debug_assert_eq!(block.len(), 50);
    for i in (0..5).chain(10..24) {
        block.swap(i, 49 - i);
    }
}

/// The plain chord body of an `irealb://` song's music field (prefix already removed):
/// every whole 50-character block is unswapped, except that a block followed by fewer
/// than two characters is left as it is; then the substitutions are undone.
pub fn unscramble(body: &str) -> String {
    let mut chars: Vec<char> = body.chars().collect();
    let mut at = 0;
    while chars.len() - at > 51 {
        swap_block(&mut chars[at..at + 50]);
        at += 50;
    }
    let text: String = chars.into_iter().collect();
    text.replace("Kcl", "| x")
        .replace("LZ", " |")
        .replace("XyQ", "   ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app's scramble, written from the description (positions, not the swap helper):
    /// out[i] = in[49 - i] for i in 0..5, 10..24 and their mirrors, else in[i].
    fn scramble(plain: &str) -> String {
        let c: Vec<char> = plain.chars().collect();
        let mut out = Vec::new();
        let mut at = 0;
        while c.len() - at > 51 {
            for i in 0..50 {
                let m = if (i < 5 || (10..24).contains(&i)) || (i >= 45 || (26..40).contains(&i)) {
                    49 - i
                } else {
                    i
                };
                out.push(c[at + m]);
            }
            at += 50;
        }
        out.extend(&c[at..]);
        out.into_iter().collect()
    }

    #[test]
    fn long_bodies_come_back_and_short_tails_stay_plain() {
        let plain: String = (0..173)
            .map(|i| char::from(b'!' + (i % 90) as u8))
            .collect();
        let s = scramble(&plain);
        assert_ne!(s, plain);
        // None of the substituted runs (`Kcl`, `LZ`, `XyQ`) occurs in this text.
        assert_eq!(unscramble(&s), plain);
        // 51 characters: one block followed by one character is not swapped.
        let short: String = plain.chars().take(51).collect();
        assert_eq!(scramble(&short), short);
        assert_eq!(unscramble(&short), short);
        // The middle of a block (24, 25, 40..45 and 5..10) never moves.
        let s: Vec<char> = scramble(&plain).chars().collect();
        let p: Vec<char> = plain.chars().collect();
        for i in [5, 9, 24, 25, 40, 44] {
            assert_eq!(s[i], p[i], "position {i}");
        }
        assert_eq!(s[0], p[49]);
        assert_eq!(s[10], p[39]);
    }

    #[test]
    fn substitutions_are_undone() {
        assert_eq!(unscramble("C7XyQKcl"), "C7   | x");
        assert_eq!(unscramble("C7LZF7"), "C7 |F7");
    }
}
