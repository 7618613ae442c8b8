//! Spliced answers: the gzip form of a body with its hole filled decodes (CRC and size checked) to
//! the plain form, whatever the sizes of the parts.

use std::io::Read;

use super::*;

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).expect("a valid gzip member");
    out
}

/// Text that compresses a little, like an exposition.
fn text(lines: usize, seed: u64) -> String {
    (0..lines).map(|i| format!("status_family_{} {}\n", i % 37, (i as u64) * seed % 1009)).collect()
}

#[test]
fn gzip_of_a_splice_decodes_to_its_plain_body() {
    let cases = [
        (text(2000, 7), 12_345, "status_snapshot_age_seconds 1.25\n".to_owned()),
        (text(50, 3), 0, "at the start\n".to_owned()),
        (text(50, 3), usize::MAX, "at the end\n".to_owned()),
        (String::new(), 0, "only the hole\n".to_owned()),
        (text(10, 5), 40, String::new()),
        // A hole longer than one stored block holds.
        (text(100, 11), 200, "x".repeat(70_000)),
    ];
    for (body, at, hole) in cases {
        let at = at.min(body.len());
        let splice = Splice::new(body.clone(), at);
        let plain = splice.plain(hole.as_bytes());
        assert_eq!(plain, format!("{}{hole}{}", &body[..at], &body[at..]).into_bytes());
        assert_eq!(gunzip(&splice.gzip(hole.as_bytes())), plain.to_vec());
        // The halves are compressed once; another hole reuses them.
        let other = format!("{hole}!");
        assert_eq!(gunzip(&splice.gzip(other.as_bytes())), splice.plain(other.as_bytes()).to_vec());
    }
}

#[test]
fn the_spliced_gzip_is_smaller_than_the_body() {
    let body = text(2000, 7);
    let splice = Splice::new(body.clone(), body.len() / 2);
    let zipped = splice.gzip(b"status_snapshot_age_seconds 3\n");
    assert!(zipped.len() * 3 < body.len(), "{} of {}", zipped.len(), body.len());
}
