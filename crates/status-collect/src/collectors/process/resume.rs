//! A CPU sample an earlier run left in its snapshot, so that a one-shot run's first collection has
//! a previous sample of the same process (see `Collector::resume`).

use jiff::Timestamp;

/// A CPU sample read back from an earlier run's snapshot: the process it describes (pid and start
/// time), its CPU seconds and when that snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ResumedSample {
    pid: u32,
    started_at: Timestamp,
    cpu_seconds: f64,
    taken_at: Timestamp,
}

impl ResumedSample {
    /// The sample in `snapshot`'s `process` section; `None` when a part is missing.
    pub(super) fn of(snapshot: &serde_json::Value) -> Option<ResumedSample> {
        let process = snapshot.get("process")?;
        let time = |value: Option<&serde_json::Value>| value?.as_str()?.parse::<Timestamp>().ok();
        Some(ResumedSample {
            pid: u32::try_from(process.get("pid")?.as_u64()?).ok()?,
            started_at: time(process.get("started_at"))?,
            cpu_seconds: process.get("cpu_seconds_total")?.as_f64()?,
            taken_at: time(snapshot.pointer("/collection/taken_at"))?,
        })
    }

    /// CPU use since this sample, as a percentage of one core, by `current`'s process now; an
    /// error naming why there is none.
    pub(super) fn rate(
        self,
        pid: u32,
        started_at: Option<Timestamp>,
        cpu_seconds: f64,
        now: Timestamp,
    ) -> Result<f64, String> {
        if (pid, started_at) != (self.pid, Some(self.started_at)) {
            return Err("the process changed since the previous snapshot: a CPU rate needs a \
                        previous sample of it"
                .into());
        }
        let wall = now.duration_since(self.taken_at).as_secs_f64();
        if wall <= 0.0 {
            return Err(
                "the previous snapshot is not older than this one (the clock went back?)".into()
            );
        }
        let cpu = (cpu_seconds - self.cpu_seconds).max(0.0);
        Ok((cpu / wall * 100.0 * 100.0).round() / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ResumedSample;

    fn snapshot() -> serde_json::Value {
        json!({
            "collection": {"taken_at": "2026-03-01T12:00:00Z"},
            "process": {"pid": 42, "started_at": "2026-03-01T11:00:00.123Z", "cpu_seconds_total": 10.5},
        })
    }

    #[test]
    fn a_rate_from_an_earlier_runs_snapshot_of_the_same_process() {
        let sample = ResumedSample::of(&snapshot()).expect("a sample");
        let started = "2026-03-01T11:00:00.123Z".parse().unwrap();
        let now = "2026-03-01T12:00:05Z".parse().unwrap();
        // 1 s of CPU over 5 s of wall time.
        assert_eq!(sample.rate(42, Some(started), 11.5, now), Ok(20.0));
        // Another process (a pid reused, or another pid): no rate, and why.
        let later = "2026-03-01T11:30:00Z".parse().unwrap();
        let reused = sample.rate(42, Some(later), 11.5, now).unwrap_err();
        assert!(reused.contains("process changed"), "{reused}");
        assert!(sample.rate(43, Some(started), 11.5, now).is_err());
        // A clock that went back gives no rate rather than a negative one.
        let before = "2026-03-01T11:59:00Z".parse().unwrap();
        assert!(sample.rate(42, Some(started), 11.5, before).unwrap_err().contains("clock"));
    }

    #[test]
    fn no_sample_from_a_snapshot_without_one() {
        let mut without = snapshot();
        without["process"]["cpu_seconds_total"] = serde_json::Value::Null;
        assert_eq!(ResumedSample::of(&without), None);
        assert_eq!(ResumedSample::of(&json!({"collection": {}})), None);
    }
}
