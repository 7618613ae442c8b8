//! The `processes` section against real child processes with chosen executable names, including a
//! decoy whose arguments hold the name and a zombie.

use std::path::Path;
use std::process::Child;

use status_collect::testing::Collector;
use status_collect::testing::collectors::ProcessesCollector;
use status_model::SectionData;

use super::support::{self, command};

/// A copy of `sleep` named `name` in `dir`, running.
fn sleeper(dir: &Path, name: &str) -> Child {
    let exe = dir.join(name);
    if !exe.exists() {
        std::fs::copy("/bin/sleep", &exe).unwrap();
    }
    command(exe.to_str().unwrap(), &["600"], &[]).spawn().unwrap()
}

/// Kills the children when the test ends, however it ends.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn processes_are_counted_by_exact_executable_name() {
    let dir = tempfile::tempdir().unwrap();
    // Longer than the kernel's 15-byte `comm`: matched through the executable's name.
    let long = "stq-agent-with-long-name";
    let children = Children(vec![
        sleeper(dir.path(), "stq-agent"),
        sleeper(dir.path(), "stq-agent"),
        sleeper(dir.path(), long),
        // A name that shares the long name's first 15 bytes is not it.
        sleeper(dir.path(), "stq-agent-with-other"),
        // The shell itself waits (on its stdin, which the test holds open), so killing it leaves
        // no grandchild behind.
        command("sh", &["-c", "read -r line; : stq-agent stq-agent-with-long-name"], &[])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    ]);
    // An exited, unreaped child keeps its name in /proc as a zombie; it is not running.
    let mut zombie = sleeper(dir.path(), "stq-agent");
    zombie.kill().unwrap();
    let collector =
        ProcessesCollector::new(vec!["stq-agent".into(), long.into(), "stq-absent".into()]);
    for _ in 0..50 {
        if std::fs::read_to_string(format!("/proc/{}/stat", zombie.id()))
            .is_ok_and(|stat| stat.contains(") Z "))
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let collected = collector.collect().await.unwrap();
    zombie.wait().unwrap();
    let SectionData::Processes(section) = collected.data else { panic!("{:?}", collected.data) };
    let pids = |indexes: &[usize]| {
        let mut pids: Vec<u32> = indexes.iter().map(|&i| children.0[i].id()).collect();
        pids.sort_unstable();
        pids
    };
    assert_eq!(section.by_name["stq-agent"].pids, pids(&[0, 1]));
    assert_eq!(section.by_name[long].pids, pids(&[2]));
    support::assert_snapshot("processes", &serde_json::to_value(&section).unwrap(), &[".*.pids[]"]);
}
