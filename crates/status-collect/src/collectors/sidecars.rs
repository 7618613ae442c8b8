//! The `sidecars` section and the registry the host fills: threads (or tasks) and processes that run
//! beside the host, each reported with whether it is alive.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use status_model::{SectionData, SectionName, SidecarKind, SidecarStatus, SidecarsSection};

use super::processes::is_zombie;
use crate::collector::{CollectError, Collected, Collector};
use crate::procfs::Root;
use crate::task::blocking;

/// The host's sidecars. Cloning gives another handle to the same registry; [`Status::sidecars`]
/// hands out the one its `sidecars` section reads.
///
/// [`Status::sidecars`]: crate::Status::sidecars
///
/// ```
/// use status_collect::Sidecars;
///
/// let sidecars = Sidecars::default(); // in a host: `status.sidecars()`
/// let worker = std::thread::spawn(|| {});
/// sidecars.register_thread("indexer", worker);
/// sidecars.register_process("helper", std::process::id());
/// assert!(sidecars.unregister("indexer"));
/// ```
#[derive(Clone, Default)]
pub struct Sidecars {
    entries: Arc<Mutex<BTreeMap<String, Entry>>>,
}

enum Entry {
    Thread(Liveness),
    Process(u32),
}

/// Tells whether a thread or task is still running. Made from a `std::thread::JoinHandle`, a
/// `tokio::task::JoinHandle` (both: running while not finished) or any function.
pub struct Liveness(Box<dyn Fn() -> bool + Send + Sync>);

impl Liveness {
    /// Liveness from a function; it is called at each collection and must return at once.
    pub fn from_fn(alive: impl Fn() -> bool + Send + Sync + 'static) -> Liveness {
        Liveness(Box::new(alive))
    }
}

impl<T: Send + 'static> From<std::thread::JoinHandle<T>> for Liveness {
    fn from(handle: std::thread::JoinHandle<T>) -> Liveness {
        Liveness::from_fn(move || !handle.is_finished())
    }
}

impl<T: Send + 'static> From<tokio::task::JoinHandle<T>> for Liveness {
    fn from(handle: tokio::task::JoinHandle<T>) -> Liveness {
        Liveness::from_fn(move || !handle.is_finished())
    }
}

impl std::fmt::Debug for Sidecars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_list().entries(entries.keys()).finish()
    }
}

impl Sidecars {
    /// Registers (or replaces) a thread or task under `name`.
    pub fn register_thread(&self, name: impl Into<String>, liveness: impl Into<Liveness>) {
        self.insert(name.into(), Entry::Thread(liveness.into()));
    }

    /// Registers (or replaces) a process under `name`.
    pub fn register_process(&self, name: impl Into<String>, pid: u32) {
        self.insert(name.into(), Entry::Process(pid));
    }

    /// Forgets a sidecar; returns whether it was registered.
    pub fn unregister(&self, name: &str) -> bool {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).remove(name).is_some()
    }

    fn is_empty(&self) -> bool {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
    }

    fn insert(&self, name: String, entry: Entry) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).insert(name, entry);
    }

    /// Every sidecar's state now.
    fn read(&self, root: &Root) -> BTreeMap<String, SidecarStatus> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .map(|(name, entry)| {
                let status = match entry {
                    Entry::Thread(liveness) => SidecarStatus {
                        kind: SidecarKind::Thread,
                        pid: None,
                        alive: (liveness.0)(),
                    },
                    Entry::Process(pid) => SidecarStatus {
                        kind: SidecarKind::Process,
                        pid: Some(*pid),
                        alive: process_alive(root, *pid),
                    },
                };
                (name.clone(), status)
            })
            .collect()
    }
}

/// Alive when signal 0 reaches it (or is refused: EPERM means it exists under another user) and it
/// is not a zombie, which has exited and waits only to be reaped.
fn process_alive(root: &Root, pid: u32) -> bool {
    let Some(pid_t) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
        return false;
    };
    match rustix::process::test_kill_process(pid_t) {
        Ok(()) | Err(rustix::io::Errno::PERM) => {}
        Err(_) => return false,
    }
    !is_zombie(root, pid)
}

/// Collects the `sidecars` section from a [`Sidecars`] registry.
pub struct SidecarsCollector {
    sidecars: Sidecars,
    root: Root,
}

impl SidecarsCollector {
    /// Reads `sidecars` at each collection.
    pub fn new(sidecars: Sidecars) -> SidecarsCollector {
        SidecarsCollector { sidecars, root: Root::default() }
    }
}

#[async_trait]
impl Collector for SidecarsCollector {
    fn section(&self) -> SectionName {
        SectionName::Sidecars
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        // Nothing registered (most hosts, and `status-cli serve`): nothing to read, so no thread
        // is woken for it, and no wake-up of this task to take the answer back.
        let sidecars = if self.sidecars.is_empty() {
            BTreeMap::new()
        } else {
            let sidecars = self.sidecars.clone();
            let root = self.root.clone();
            // Host liveness functions and /proc reads may block briefly: keep them off the runtime.
            blocking(move || sidecars.read(&root)).await?
        };
        Ok(Collected::complete(SectionData::Sidecars(SidecarsSection { sidecars })))
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use super::*;

    #[test]
    fn an_empty_registry_is_answered_at_once_without_the_blocking_pool() {
        let sidecars = Sidecars::default();
        let collector = SidecarsCollector::new(sidecars.clone());
        let mut context = Context::from_waker(Waker::noop());
        let answered = std::pin::pin!(collector.collect()).as_mut().poll(&mut context);
        let Poll::Ready(Ok(Collected { data: SectionData::Sidecars(section), .. })) = answered
        else {
            panic!("an empty registry was not answered on the first poll");
        };
        assert!(section.sidecars.is_empty());

        // A registered sidecar is read on the pool: the first poll waits for it. Its liveness
        // function holds until the poll is over, so the job cannot finish first.
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        sidecars.register_thread(
            "indexer",
            Liveness::from_fn(move || {
                let _ = gate.lock().unwrap().recv_timeout(std::time::Duration::from_secs(10));
                true
            }),
        );
        let pending = std::pin::pin!(collector.collect()).as_mut().poll(&mut context);
        assert!(pending.is_pending(), "a registered sidecar was not read on the pool");
        release.send(()).unwrap();
    }
}
