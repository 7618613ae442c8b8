//! Parser tests on text copied from real machines.

use super::*;

#[test]
fn stat_with_spaces_and_parens_in_the_name() {
    let text = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 50 0 0 20 0 7 0 12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    let stat = parse_stat(text).unwrap();
    assert_eq!(
        stat,
        ProcStat {
            pid: 4242,
            ppid: 1,
            cpu_ticks: 200,
            threads: 7,
            start_ticks: 12345,
            virtual_bytes: 104_857_600,
            rss_pages: 2560
        }
    );
}

#[test]
fn stat_errors_quote_the_line() {
    let error = parse_stat("12 (x) S 1 2").unwrap_err();
    assert!(error.contains("field 14") && error.contains("12 (x) S 1 2"), "{error}");
    assert!(parse_stat("garbage").is_err());
}

#[test]
fn meminfo_values_in_kib() {
    let info = "MemTotal:       16314328 kB\nMemFree:  1 kB\nMemAvailable:   9000000 kB\nHugePages_Total:       0\nSwapTotal: x kB\n";
    assert_eq!(meminfo_kib(info, "MemTotal"), Some(16_314_328));
    assert_eq!(meminfo_kib(info, "MemAvailable"), Some(9_000_000));
    assert_eq!(meminfo_kib(info, "HugePages_Total"), Some(0));
    // A key is matched whole (`Mem` is no key), and a value that is not a number is none.
    assert_eq!(meminfo_kib(info, "Mem"), None);
    assert_eq!(meminfo_kib(info, "SwapTotal"), None);
    assert_eq!(meminfo_kib(info, "SwapFree"), None);
}

#[test]
fn loadavg() {
    let load = parse_loadavg("0.52 0.58 0.59 3/612 123456\n").unwrap();
    assert_eq!(load, LoadAvg { one: 0.52, five: 0.58, fifteen: 0.59, tasks: 612 });
    assert!(parse_loadavg("0.52 0.58").is_err());
}

#[test]
fn boot_time_cpus_os_cgroup() {
    let stat = "cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\nintr 1\nbtime 1700000000\n";
    assert_eq!(parse_boot_time(stat), Some(1_700_000_000));
    assert_eq!(count_cpus(stat), 2);
    assert_eq!(
        parse_os_release("NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n").as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    assert_eq!(parse_os_release("NAME=x\n"), None);
    assert_eq!(
        parse_cgroup_v2("0::/system.slice/app.service\n"),
        Some("/system.slice/app.service")
    );
    assert_eq!(parse_cgroup_v2("1:cpu:/x\n"), None);
}

#[test]
fn max_open_files() {
    let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                  Max processes             96367                96367                processes \n\
                  Max open files            20000                524288               files     \n";
    assert_eq!(parse_max_open_files(limits), Some(Some(20_000)));
    assert_eq!(parse_max_open_files("Max open files unlimited unlimited files\n"), Some(None));
    assert_eq!(parse_max_open_files("Max processes 1 1 processes\n"), None);
}

#[test]
fn cpu_lists() {
    assert_eq!(count_cpu_list("0-1\n"), Some(2));
    assert_eq!(count_cpu_list("0\n"), Some(1));
    assert_eq!(count_cpu_list("0-3,6,8-9\n"), Some(7));
    assert_eq!(count_cpu_list("\n"), None);
    assert_eq!(count_cpu_list("3-1"), None);
    assert_eq!(count_cpu_list("x"), None);
}

#[test]
fn static_facts_are_read_once_per_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("proc/stat"), "cpu0 1 2 3\nbtime 1700000000\n").unwrap();
    std::fs::write(dir.path().join("proc/sys/kernel/osrelease"), "6.1.0\n").unwrap();
    std::fs::write(dir.path().join("etc/os-release"), "PRETTY_NAME=\"Debian\"\n").unwrap();
    let root = Root::new(dir.path());
    let facts = |root: &Root| (root.boot_time(), root.kernel(), root.os());
    let first = facts(&root);
    assert_eq!(first, (Ok(1_700_000_000), Ok("6.1.0".to_owned()), Ok("Debian".to_owned())));
    // Changed on disk: a clone of the root keeps what was read; a new root reads again.
    std::fs::write(dir.path().join("proc/stat"), "btime 1800000000\n").unwrap();
    std::fs::write(dir.path().join("proc/sys/kernel/osrelease"), "6.2.0\n").unwrap();
    assert_eq!(facts(&root.clone()), first);
    assert_eq!(Root::new(dir.path()).boot_time(), Ok(1_800_000_000));
    assert_eq!(Root::new(dir.path()).kernel(), Ok("6.2.0".to_owned()));
}

#[test]
fn read_into_reuses_the_buffer_and_names_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a"), "first\n").unwrap();
    std::fs::write(dir.path().join("b"), "2\n").unwrap();
    let root = Root::new(dir.path());
    let mut buffer = String::new();
    assert_eq!(root.read_into("a", &mut buffer).unwrap(), "first\n");
    let capacity = buffer.capacity();
    assert_eq!(root.read_into("b", &mut buffer).unwrap(), "2\n");
    assert_eq!(buffer.capacity(), capacity);
    let error = root.read_into("missing", &mut buffer).unwrap_err();
    assert!(error.contains("missing"), "{error}");
}

#[test]
fn a_keeping_root_reads_live_proc_files_again_through_one_descriptor() {
    let root = Root::keeping("/");
    let threads = |root: &Root| parse_stat(&root.read("proc/self/stat").unwrap()).unwrap().threads;
    let before = threads(&root);
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || stopped.recv());
    // The same kept descriptor gives the kernel's fresh text: one more thread.
    assert_eq!(threads(&root), before + 1);
    assert_eq!(root.1.kept.as_ref().unwrap().lock().unwrap().open(), 1);
    drop(stop);
    thread.join().unwrap().unwrap_err();
    assert_eq!(threads(&root), before);
    // Clones share the kept files; a file read in two pieces (past the first buffer) is whole.
    let meminfo = root.clone().read("proc/meminfo").unwrap();
    assert!(meminfo.starts_with("MemTotal:") && meminfo.ends_with('\n'), "{meminfo}");
    assert_eq!(root.1.kept.as_ref().unwrap().lock().unwrap().open(), 2);
    // The facts read once are not kept open.
    let (boot, kernel) = (root.boot_time(), root.kernel());
    assert!(boot.is_ok() && kernel.is_ok(), "{boot:?} {kernel:?}");
    assert_eq!(root.1.kept.as_ref().unwrap().lock().unwrap().open(), 2);
}

#[test]
#[expect(clippy::disallowed_methods, reason = "a child process whose /proc files are read")]
fn a_kept_file_of_an_exited_process_is_opened_again_and_then_named() {
    let root = Root::keeping("/");
    let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let stat = format!("proc/{}/stat", child.id());
    let running = root.read(&stat);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(parse_stat(&running.unwrap()).unwrap().pid, child.id());
    let error = root.read(&stat).unwrap_err();
    assert!(error.contains(&format!("/proc/{}/stat", child.id())), "{error}");
    assert_eq!(root.1.kept.as_ref().unwrap().lock().unwrap().open(), 0);
}

#[test]
fn a_keeping_root_rereads_rewritten_files_and_bounds_what_it_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::keeping(dir.path());
    for index in 0..kept::FILES + 5 {
        std::fs::write(dir.path().join(index.to_string()), format!("{index}\n")).unwrap();
        assert_eq!(root.read_u64(&index.to_string()), Ok(index as u64));
    }
    let open = root.1.kept.as_ref().unwrap().lock().unwrap().open();
    assert!((1..=kept::FILES).contains(&open), "{open} files kept open");
    // Rewritten in place (as the kernel's files change): the kept descriptor reads the new text.
    std::fs::write(dir.path().join("1"), "a longer text than before\n").unwrap();
    assert_eq!(root.read("1").unwrap(), "a longer text than before\n");
    std::fs::write(dir.path().join("1"), "7\n").unwrap();
    assert_eq!(root.read("1").unwrap(), "7\n");
    // A text that fills the first buffer exactly, or runs past it, is read whole: only a read
    // that returns less than it asked for ends the file.
    for size in [4096, 4097, 10_000] {
        let text: String = "abcdefghijklmnopqrstuvwxyz".chars().cycle().take(size).collect();
        std::fs::write(dir.path().join("long"), &text).unwrap();
        assert_eq!(root.read("long").unwrap(), text, "{size} bytes");
    }
    // Past the size limit: an error naming the file, not an unbounded read.
    std::fs::write(dir.path().join("big"), vec![b'x'; kept::LIMIT + 1]).unwrap();
    let error = root.read("big").unwrap_err();
    assert!(error.contains("big") && error.contains("larger than"), "{error}");
    let missing = root.read("missing").unwrap_err();
    assert!(missing.contains("missing"), "{missing}");
}

#[tokio::test(start_paused = true)]
async fn a_missing_sys_file_is_not_looked_for_again_for_a_while() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sys/fs/cgroup")).unwrap();
    std::fs::create_dir_all(dir.path().join("proc")).unwrap();
    let root = Root::keeping(dir.path());
    for file in ["sys/fs/cgroup/pids.current", "proc/loadavg"] {
        let error = root.read(file).unwrap_err();
        assert!(error.contains(file) && error.contains("No such file"), "{error}");
        std::fs::write(dir.path().join(file), "3\n").unwrap();
    }
    // Under sys/: still missing until `MISSING_FOR` has passed, with the same message; under proc/
    // (where processes come and go): found at once.
    let error = root.read("sys/fs/cgroup/pids.current").unwrap_err();
    assert!(error.contains("No such file"), "{error}");
    assert_eq!(root.read_u64("proc/loadavg"), Ok(3));
    assert_eq!(Root::keeping(dir.path()).read_u64("sys/fs/cgroup/pids.current"), Ok(3));
    tokio::time::advance(kept::MISSING_FOR).await;
    assert_eq!(root.read_u64("sys/fs/cgroup/pids.current"), Ok(3));
}

#[test]
fn a_kept_file_is_read_again_with_one_system_call() {
    use std::os::unix::fs::FileExt;
    // This thread's count of read calls, itself read with one `pread` (which counts too).
    let io = std::fs::File::open("/proc/thread-self/io").unwrap();
    let mut buffer = [0u8; 1024];
    let mut reads = || -> u64 {
        let count = io.read_at(&mut buffer, 0).unwrap();
        let text = std::str::from_utf8(&buffer[..count]).unwrap();
        text.lines().find_map(|line| line.strip_prefix("syscr: ")).unwrap().parse().unwrap()
    };
    let root = Root::keeping("/");
    for file in ["proc/loadavg", "proc/self/stat", "sys/devices/system/cpu/online"] {
        root.read(file).unwrap();
        let before = reads();
        let text = root.read(file).unwrap();
        assert!(!text.is_empty(), "{file}");
        // The `pread` of `reads` before, and one of the kept file: no second read to find its end.
        assert_eq!(reads() - before, 2, "{file}");
    }
}
