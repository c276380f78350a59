//! String distances on lower-case ASCII tokens: optimal string alignment (edit distance with
//! adjacent transpositions), Jaro-Winkler and Soundex.

/// The optimal-string-alignment distance between `a` and `b` (insertions, deletions,
/// substitutions and transpositions of adjacent bytes each cost 1), or `None` when it exceeds
/// `max`.
pub fn osa_bounded(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    if n == 0 || m == 0 {
        return Some(n.max(m));
    }
    // Three rolling rows: two back (for transpositions), previous, current.
    const STACK: usize = 64;
    if m + 1 > STACK {
        return osa_heap(a, b, max);
    }
    let mut prev2 = [0usize; STACK];
    let mut prev = [0usize; STACK];
    let mut cur = [0usize; STACK];
    for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
        *p = j;
    }
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        prev2[..=m].copy_from_slice(&prev[..=m]);
        prev[..=m].copy_from_slice(&cur[..=m]);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

fn osa_heap(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    let m = b.len();
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

/// Jaro similarity in 0..=1.
pub fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = vec![false; a.len()];
    let mut b_match = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_match[i] {
            while !b_match[k] {
                k += 1;
            }
            if ca != b[k] {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Jaro-Winkler similarity in 0..=1 (prefix scale 0.1, up to 4 prefix bytes).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let j = jaro(a, b);
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

/// The American Soundex code of an ASCII word (letter and three digits), or `None` when it has
/// no letters.
pub fn soundex(word: &[u8]) -> Option<[u8; 4]> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let mut letters = word
        .iter()
        .map(u8::to_ascii_lowercase)
        .filter(u8::is_ascii_lowercase);
    let first = letters.next()?;
    let mut out = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let mut last = code(first);
    let mut n = 1;
    for c in letters {
        let d = code(c);
        if d == b'h' {
            continue;
        }
        if d != b'0' && d != last {
            out[n] = d;
            n += 1;
            if n == 4 {
                break;
            }
        }
        last = d;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osa_counts_transpositions_once() {
        assert_eq!(osa_bounded(b"velandia", b"velandai", 3), Some(1));
        assert_eq!(osa_bounded(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(osa_bounded(b"kitten", b"sitting", 2), None);
        assert_eq!(osa_bounded(b"", b"abc", 3), Some(3));
        let long_a = vec![b'a'; 80];
        let mut long_b = long_a.clone();
        long_b[40] = b'b';
        assert_eq!(osa_bounded(&long_a, &long_b, 2), Some(1));
    }

    #[test]
    fn jaro_winkler_matches_known_values() {
        assert!((jaro_winkler(b"martha", b"marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(b"dwayne", b"duane") - 0.84).abs() < 1e-3);
        assert_eq!(jaro_winkler(b"abc", b"abc"), 1.0);
        assert_eq!(jaro_winkler(b"abc", b"xyz"), 0.0);
    }

    #[test]
    fn soundex_matches_known_codes() {
        assert_eq!(&soundex(b"Robert").unwrap(), b"R163");
        assert_eq!(&soundex(b"Rupert").unwrap(), b"R163");
        assert_eq!(&soundex(b"Ashcraft").unwrap(), b"A261");
        assert_eq!(&soundex(b"Tymczak").unwrap(), b"T522");
        assert_eq!(soundex(b"123"), None);
    }
}
