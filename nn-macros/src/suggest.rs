//! "did you mean" suggestions for misspelt names.

/// The candidate closest to `word` by edit distance, if it is close enough to be
/// a likely typo: at most one edit for short words, two for longer ones, or the
/// same letters in another order.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = if word.len() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= limit || same_letters(word, c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

fn same_letters(a: &str, b: &str) -> bool {
    let sorted = |s: &str| {
        let mut chars: Vec<char> = s.chars().collect();
        chars.sort_unstable();
        chars
    };
    a.len() > 2 && sorted(a) == sorted(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let acts = ["sigmoid", "tanh", "relu", "softmax", "linear"];
        assert_eq!(closest("rleu", &acts), Some("relu"));
        assert_eq!(closest("sigmiod", &acts), Some("sigmoid"));
        assert_eq!(closest("softmx", &acts), Some("softmax"));
        assert_eq!(closest("banana", &acts), None);
        assert_eq!(closest("dens", &["dense", "net", "flatten"]), Some("dense"));
    }
}
