//! Where two versions of a text differ: the bytes they share at the front
//! and at the back. A keystroke compares all but a few bytes of a long
//! draft's two versions, so the comparison runs a block at a time (memcmp)
//! and goes byte by byte only in the block that differs.

const BLOCK: usize = 256;

/// How many bytes `a` and `b` share at the front.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` share at the back.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut back = 0;
    while back + BLOCK <= n && a[n - back - BLOCK..n - back] == b[n - back - BLOCK..n - back] {
        back += BLOCK;
    }
    back + a[..n - back]
        .iter()
        .rev()
        .zip(b[..n - back].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_ends_across_block_boundaries() {
        let a = "x".repeat(1000);
        let mut b = a.clone();
        b.insert(600, 'y');
        assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), 600);
        assert_eq!(common_suffix(a.as_bytes(), b.as_bytes()), 400);
        let c = format!("{}z{}", &a[..300], &a[301..]);
        assert_eq!(common_prefix(a.as_bytes(), c.as_bytes()), 300);
        assert_eq!(common_suffix(a.as_bytes(), c.as_bytes()), 699);
        assert_eq!(common_prefix(b"", b"abc"), 0);
        assert_eq!(common_suffix(b"abc", b"bc"), 2);
    }
}
