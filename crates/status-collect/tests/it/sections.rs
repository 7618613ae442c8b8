//! Snapshot tests of the standard sections (filled in next).
