//! The `process` collector's own helpers: counting a process's open descriptors, its limit on
//! them, and its own supervisor found once.

use std::process::{Command, Stdio};

use super::*;

#[test]
#[expect(clippy::disallowed_methods, reason = "a child process whose descriptors are counted")]
fn open_descriptors_are_counted_by_the_kernel_and_in_a_fixture_by_their_entries() {
    let mut child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The kernel's count is the entries' count (stdin, stdout, stderr and whatever the test
    // harness left inheritable), and this process's own count leaves out the directory's handle.
    let dir = format!("proc/{}", child.id());
    let (by_size, by_entries) =
        (count_fds(&Root::default(), &dir), count_fd_entries(&Root::default(), &dir));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(by_size.as_ref().is_ok_and(|count| *count >= 3), "{by_size:?}");
    assert_eq!(by_size, by_entries);
    let own = count_fds(&Root::default(), "proc/self").unwrap();
    assert!(own >= 3, "{own}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc/7/fd")).unwrap();
    for fd in ["0", "1", "2", "5"] {
        std::fs::write(dir.path().join("proc/7/fd").join(fd), "").unwrap();
    }
    assert_eq!(count_fds(&Root::keeping(dir.path()), "proc/7"), Ok(4));
}

#[tokio::test]
async fn this_process_supervisor_is_found_once_and_kept() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let env: EnvLookup = Arc::new(move |name| {
        counted.fetch_add(1, Ordering::Relaxed);
        (name == "INVOCATION_ID").then(|| "abc".to_owned())
    });
    let collector = ProcessCollector::with_root(dir.path(), env);
    let supervisor = |collected: Collected| match collected.data {
        SectionData::Process(process) => process.supervisor,
        other => panic!("not a process section: {other:?}"),
    };
    let first = supervisor(collector.collect().await.unwrap());
    let asked_first = asked.load(Ordering::Relaxed);
    let second = supervisor(collector.collect().await.unwrap());
    assert_eq!(first.kind, SupervisorKind::Systemd);
    assert_eq!(second, first);
    assert!(asked_first > 0);
    assert_eq!(asked.load(Ordering::Relaxed), asked_first, "the environment was asked again");
}

#[test]
fn the_open_files_limit_is_asked_of_the_kernel_and_read_from_a_fixture() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let from_text = crate::procfs::parse_max_open_files(&limits).unwrap();
    assert_eq!(max_open_files(&Root::default(), "proc/self"), Ok(from_text));

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
    std::fs::write(
        dir.path().join("proc/self/limits"),
        "Limit                     Soft Limit           Hard Limit           Units\n\
         Max open files            1234                 4096                 files\n",
    )
    .unwrap();
    assert_eq!(max_open_files(&Root::keeping(dir.path()), "proc/self"), Ok(Some(1234)));
    std::fs::write(dir.path().join("proc/self/limits"), "nothing here\n").unwrap();
    let error = max_open_files(&Root::new(dir.path()), "proc/self").unwrap_err();
    assert!(error.contains("Max open files") && error.contains("proc/self/limits"), "{error}");
}
