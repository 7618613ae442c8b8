//! The Kubernetes-style probes: `/livez` (`/healthz`), `/readyz` and `/readyz/{check}`.

use std::sync::Arc;

use hyper::StatusCode;
use status_collect::Published;
use status_model::{CheckResult, HealthReport, HealthStatus, Timestamp};

use super::{StatusService, WITHHELD};
use crate::live;
use crate::probes::{self, Probe, ProbeQuery};
use crate::reply::{Reply, text};

impl StatusService {
    /// Liveness: the loop is producing snapshots. Before the first one, the process gets a grace of
    /// as many intervals as the freshness check allows.
    pub(super) fn livez(
        &self,
        latest: Option<&Published>,
        now: Timestamp,
        query: Option<&str>,
        full: bool,
    ) -> Reply {
        let limit = self.options.freshness.fail_above.unwrap_or(3.0);
        let collection = match (latest, self.options.interval) {
            (_, None) => Probe::pass("collection"),
            (Some(published), Some(interval)) => {
                let age = live::age_seconds(published, now);
                if age > limit * interval.as_secs_f64() {
                    Probe::fail(
                        "collection",
                        format!("latest snapshot is {age:.0} s old, more than {limit} intervals"),
                    )
                } else {
                    Probe::pass("collection")
                }
            }
            (None, Some(interval)) => {
                let waited = self.cache.age().as_secs_f64();
                if waited > limit * interval.as_secs_f64() {
                    Probe::fail("collection", format!("no snapshot after {waited:.0} s"))
                } else {
                    Probe::pass("collection")
                }
            }
        };
        probe_response("livez", withheld(vec![Probe::pass("ping"), collection], full), query)
    }

    /// The live report as of the first request with this verdict (kept per snapshot) and the
    /// freshness check's result now.
    fn live(
        &self,
        latest: Option<&Arc<Published>>,
        now: Timestamp,
    ) -> (Arc<Option<HealthReport>>, Option<CheckResult>) {
        let Some(published) = latest else { return (Arc::new(None), None) };
        let (fresh, verdict) = self.verdict(published, now);
        let report =
            self.memo.get(published).views.report(verdict, || self.live_report(published, now));
        (report, fresh)
    }

    fn readiness(&self, latest: Option<&Arc<Published>>, now: Timestamp, full: bool) -> Vec<Probe> {
        let (report, fresh) = self.live(latest, now);
        withheld(probes::readiness(latest.is_some(), (*report).as_ref(), fresh.as_ref()), full)
    }

    pub(super) fn readyz(
        &self,
        latest: Option<&Arc<Published>>,
        now: Timestamp,
        query: Option<&str>,
        full: bool,
    ) -> Reply {
        probe_response("readyz", self.readiness(latest, now, full), query)
    }

    pub(super) fn readyz_one(
        &self,
        latest: Option<&Arc<Published>>,
        now: Timestamp,
        name: &str,
        full: bool,
    ) -> Reply {
        let probes = self.readiness(latest, now, full);
        if let Some(probe) = probes.into_iter().find(|probe| probe.name == name) {
            return probe_response("readyz", vec![probe], None);
        }
        // A check that is not critical does not decide readiness: 200 whatever its status, with
        // its reason when it does not pass (as the Kubernetes API server answers warnings).
        let (report, fresh) = self.live(latest, now);
        let check = fresh.as_ref().filter(|fresh| fresh.name == name).or_else(|| {
            (*report).as_ref().and_then(|report| report.checks.iter().find(|c| c.name == name))
        });
        match check {
            Some(check) if check.status == HealthStatus::Pass => text(StatusCode::OK, "ok".into()),
            Some(check) => {
                let reason = if full { check.message.as_str() } else { WITHHELD };
                let status = check.status.as_str();
                text(
                    StatusCode::OK,
                    format!("[!]{name} {status} (not critical): {reason}\nreadyz check passed\n"),
                )
            }
            None => text(StatusCode::NOT_FOUND, format!("no such readiness check: {name}\n")),
        }
    }
}

/// The probes with their failure reasons replaced, for a client without the token.
fn withheld(probes: Vec<Probe>, full: bool) -> Vec<Probe> {
    if full {
        return probes;
    }
    probes
        .into_iter()
        .map(|probe| match probe.failure {
            Some(_) => Probe::fail(&probe.name, WITHHELD),
            None => probe,
        })
        .collect()
}

fn probe_response(kind: &str, probes: Vec<Probe>, query: Option<&str>) -> Reply {
    let (passed, body) = probes::render(kind, &probes, &ProbeQuery::parse(query));
    text(if passed { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}
