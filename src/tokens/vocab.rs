//! Vocab: token text ↔ index, with counts; serialisable so every model bundle carries its own.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "VocabData", into = "VocabData")]
pub struct Vocab {
    tokens: Vec<String>,
    counts: Vec<u64>,
    index: HashMap<String, usize>,
}

#[derive(Serialize, Deserialize)]
struct VocabData {
    tokens: Vec<String>,
    counts: Vec<u64>,
}

impl From<VocabData> for Vocab {
    fn from(d: VocabData) -> Self {
        let mut v = Vocab::default();
        for (i, t) in d.tokens.into_iter().enumerate() {
            let c = d.counts.get(i).copied().unwrap_or(0);
            if !v.index.contains_key(&t) {
                v.index.insert(t.clone(), v.tokens.len());
                v.tokens.push(t);
                v.counts.push(c);
            }
        }
        v
    }
}

impl From<Vocab> for VocabData {
    fn from(v: Vocab) -> Self {
        VocabData {
            tokens: v.tokens,
            counts: v.counts,
        }
    }
}

impl Vocab {
    /// A vocabulary of every distinct token in `streams`, sorted by text so that the same
    /// corpus always gives the same indices.
    pub fn from_streams<'a, I, S>(streams: I) -> Self
    where
        I: IntoIterator<Item = &'a [S]>,
        S: AsRef<str> + 'a,
    {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for s in streams {
            for t in s {
                *counts.entry(t.as_ref().to_string()).or_default() += 1;
            }
        }
        let mut tokens: Vec<String> = counts.keys().cloned().collect();
        tokens.sort();
        let c = tokens.iter().map(|t| counts[t]).collect();
        Vocab::from(VocabData { tokens, counts: c })
    }

    /// A vocabulary in exactly this order (e.g. the exercise's `values.txt`), counts zero.
    pub fn from_ordered<S: AsRef<str>>(tokens: &[S]) -> Self {
        Vocab::from(VocabData {
            tokens: tokens.iter().map(|t| t.as_ref().to_string()).collect(),
            counts: vec![0; tokens.len()],
        })
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    pub fn index_of(&self, token: &str) -> Option<usize> {
        self.index.get(token).copied()
    }
    pub fn token(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).map(String::as_str)
    }
    pub fn count(&self, i: usize) -> u64 {
        self.counts.get(i).copied().unwrap_or(0)
    }
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
    /// The `n` most frequent tokens with their counts, most frequent first.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .tokens
            .iter()
            .map(String::as_str)
            .zip(self.counts.iter().copied())
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_stable_and_counted() {
        let a = ["C,0.250", "R,0.500", "C,0.250"];
        let b = ["S,0.250"];
        let v = Vocab::from_streams([&a[..], &b[..]]);
        assert_eq!(v.len(), 3);
        assert_eq!(v.token(0), Some("C,0.250"));
        assert_eq!(v.count(v.index_of("C,0.250").unwrap()), 2);
        assert_eq!(v.top(1), vec![("C,0.250", 2)]);
        assert_eq!(v.index_of("X,1.000"), None);
        let json = serde_json::to_string(&v).unwrap();
        let back: Vocab = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }
}
