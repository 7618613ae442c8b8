//! [`CleanTexts`]: the texts a snapshot's scan for secrets found clean, looked up instead of
//! scanned again in the next snapshot.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use super::secrets::{maybe_secret, scrub_secrets};

/// Texts longer than this are scanned every time rather than kept.
const LONGEST_KEPT: usize = 1024;

/// The texts found free of secrets in the previous snapshot and in this one so far.
///
/// Most strings of a snapshot come back unchanged every collection (check names and messages,
/// reasons, paths, units), and those that can hold a secret at all (a `:`, `=` or `@`, or a long
/// run) each cost the four passes of [`scrub_secrets`]; looking one up costs a hash (foldhash,
/// seeded per process: SipHash cost about as much as the scan). Only what the last snapshot held
/// is kept, so the memory is bounded by one snapshot's strings; and a text is only ever skipped
/// after being scanned whole, so a secret is scrubbed just the same.
#[derive(Debug, Default)]
pub(super) struct CleanTexts {
    previous: HashSet<Box<str>, RandomState>,
    current: HashSet<Box<str>, RandomState>,
}

impl CleanTexts {
    /// Replaces the secrets in `text` by `[redacted]`, unless it was found clean before.
    pub(super) fn scrub(&mut self, text: &mut String) {
        if !maybe_secret(text) || self.current.contains(text.as_str()) {
            return;
        }
        if let Some(known) = self.previous.take(text.as_str()) {
            self.current.insert(known);
            return;
        }
        match scrub_secrets(text) {
            Some(scrubbed) => *text = scrubbed,
            None if text.len() <= LONGEST_KEPT => {
                self.current.insert(text.as_str().into());
            }
            None => {}
        }
    }

    /// Ends a snapshot: the texts it found clean are those the next one looks up.
    pub(super) fn rotate(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// How many texts are kept (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.previous.len() + self.current.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubbed(clean: &mut CleanTexts, text: &str) -> String {
        let mut text = text.to_owned();
        clean.scrub(&mut text);
        text
    }

    #[test]
    fn a_text_found_clean_is_looked_up_not_scanned_again() {
        let mut clean = CleanTexts::default();
        // Planted as if an earlier scan had found it clean: kept as it is, so the lookup comes
        // before the scan.
        clean.previous.insert("password=hunter2".into());
        assert_eq!(scrubbed(&mut clean, "password=hunter2"), "password=hunter2");
        assert_eq!(scrubbed(&mut clean, "password=hunter3"), "password=[redacted]");
        assert_eq!(
            scrubbed(&mut clean, "disk_available:/: 45% free"),
            "disk_available:/: 45% free"
        );
        // The secret is never kept as clean; the planted text and the clean one are.
        assert_eq!(clean.len(), 2);
        assert!(!clean.current.contains("password=hunter3"));
    }

    #[test]
    fn only_the_texts_of_the_last_snapshot_are_kept() {
        let mut clean = CleanTexts::default();
        for snapshot in 0..100 {
            scrubbed(&mut clean, "reason: the same every time");
            scrubbed(&mut clean, &format!("load: {snapshot}.5 over 60 s"));
            clean.rotate();
        }
        assert_eq!(clean.len(), 2, "one text that stays and the last of those that change");
        // Short texts and texts without a separator are not worth keeping: a scan rules them out.
        scrubbed(&mut clean, "ok");
        scrubbed(&mut clean, "all 8 sections collected");
        let long = format!("reason: {}", "a ".repeat(LONGEST_KEPT));
        assert_eq!(scrubbed(&mut clean, &long), long);
        assert_eq!(clean.len(), 2);
    }
}
