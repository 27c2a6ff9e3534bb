//! tokio-console on the drop-in: the program `console-tasks` (src/bin)
//! serves the console's gRPC API with `console-subscriber`, and this test
//! connects to it as the `tokio-console` tool does (console-api's
//! `InstrumentClient::watch_updates`) and checks what the console would
//! show: the program's named tasks with their spawn locations, polled,
//! woken, and the timers they sleep on as resources.

mod support;

use std::collections::HashMap;
use std::process::Stdio;

use console_api::field::{Name, Value};
use console_api::instrument::instrument_client::InstrumentClient;
use console_api::instrument::InstrumentRequest;
use console_api::resources::resource::kind::{Kind, Known};
use console_api::Field;
use support::within;
use tokio::io::{AsyncBufReadExt, BufReader};

/// What the console knows of one task so far.
#[derive(Debug, Default)]
struct TaskView {
    name: Option<String>,
    kind: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    polls: u64,
    wakes: u64,
}

fn field_name(field: &Field) -> Option<&str> {
    match &field.name {
        Some(Name::StrName(name)) => Some(name),
        _ => None,
    }
}

fn field_text(field: &Field) -> Option<String> {
    match &field.value {
        Some(Value::DebugVal(text)) | Some(Value::StrVal(text)) => Some(text.clone()),
        Some(Value::U64Val(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn tokio_console_lists_named_tasks_with_locations_and_polls() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_console-tasks"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starting console-tasks");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    // `listening ADDR`, then `spawned NAME LINE` for each task.
    let mut address = None;
    let mut spawned = HashMap::new();
    let mut made = HashMap::new();
    while spawned.len() < 5 || made.len() < 2 {
        let line = within("the program's output", lines.next_line())
            .await
            .unwrap()
            .expect("the program ended early");
        let words: Vec<&str> = line.split(' ').collect();
        match words[..] {
            ["listening", addr] => address = Some(addr.to_owned()),
            ["spawned", name, at] => {
                spawned.insert(name.to_owned(), at.parse::<u32>().unwrap());
            }
            ["resource", concrete_type, at] => {
                made.insert(concrete_type.to_owned(), at.parse::<u32>().unwrap());
            }
            _ => panic!("unexpected output: {line}"),
        }
    }
    let address = address.expect("the program printed its address");

    let mut client = within(
        "connecting to the console API",
        InstrumentClient::connect(format!("http://{address}")),
    )
    .await
    .expect("connecting to the console API");
    let mut updates = within("watch_updates", client.watch_updates(InstrumentRequest {}))
        .await
        .expect("watch_updates")
        .into_inner();

    // Read updates until every named task has been polled and woken
    // more than once and a timer resource was seen (the hang guard
    // bounds the wait).
    let mut tasks: HashMap<u64, TaskView> = HashMap::new();
    let mut timers = Vec::new();
    // The sync resources: (concrete type, kind, file, line).
    let mut syncs: Vec<(String, String, String, u32)> = Vec::new();
    let done = |tasks: &HashMap<u64, TaskView>,
                timers: &Vec<(String, String)>,
                syncs: &Vec<(String, String, String, u32)>| {
        let ready = |name: &str, min_polls: u64| {
            tasks
                .values()
                .any(|task| task.name.as_deref() == Some(name) && task.polls >= min_polls)
        };
        ready("console-ticker", 3)
            && ready("console-yielder", 3)
            && ready("console-blocking", 1)
            && !timers.is_empty()
            && made
                .keys()
                .all(|made| syncs.iter().any(|(ty, ..)| ty == made))
    };
    while !done(&tasks, &timers, &syncs) {
        let update = within("the next console update", updates.message())
            .await
            .expect("the update stream")
            .expect("the update stream ended");
        if let Some(task_update) = update.task_update {
            for task in task_update.new_tasks {
                let id = task.id.expect("a task id").id;
                let view = tasks.entry(id).or_default();
                for field in &task.fields {
                    match field_name(field) {
                        Some("task.name") => view.name = field_text(field),
                        Some("kind") => view.kind = field_text(field),
                        _ => {}
                    }
                }
                if let Some(location) = task.location {
                    view.file = location.file;
                    view.line = location.line;
                }
            }
            for (id, stats) in task_update.stats_update {
                let view = tasks.entry(id).or_default();
                view.polls = stats.poll_stats.map_or(0, |poll| poll.polls);
                view.wakes = stats.wakes;
            }
        }
        if let Some(resource_update) = update.resource_update {
            for resource in resource_update.new_resources {
                let kind = resource.kind.and_then(|kind| kind.kind);
                let location = resource.location.unwrap_or_default();
                let file = location.file.unwrap_or_default();
                match kind {
                    Some(Kind::Known(known)) if known == Known::Timer as i32 => {
                        timers.push((resource.concrete_type, file));
                    }
                    Some(Kind::Other(other)) => syncs.push((
                        resource.concrete_type,
                        other,
                        file,
                        location.line.unwrap_or_default(),
                    )),
                    _ => {}
                }
            }
        }
    }

    for (name, line) in &spawned {
        let task = tasks
            .values()
            .find(|task| task.name.as_deref() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("task {name} is not listed: {tasks:?}"));
        let file = task.file.as_deref().unwrap_or_default();
        assert!(
            file.ends_with("console_tasks.rs"),
            "{name} spawned in {file}"
        );
        assert_eq!(task.line, Some(*line), "{name}'s spawn line");
        let kind = if name == "console-blocking" {
            "blocking"
        } else {
            "task"
        };
        assert_eq!(task.kind.as_deref(), Some(kind), "{name}'s kind");
        assert!(task.polls > 0, "{name} polled: {task:?}");
    }
    // The sleeping tasks were woken by their timers.
    for name in ["console-ticker", "console-yielder"] {
        let task = tasks
            .values()
            .find(|t| t.name.as_deref() == Some(name))
            .unwrap();
        assert!(task.wakes > 0, "{name} woken: {task:?}");
    }
    assert!(
        timers
            .iter()
            .any(|(ty, file)| ty == "Sleep" && file.ends_with("console_tasks.rs")),
        "a Sleep of the program is a timer resource: {timers:?}"
    );

    // The program's Mutex and Semaphore are sync resources made where the
    // program made them.
    for (concrete_type, line) in &made {
        assert!(
            syncs.iter().any(|(ty, kind, file, at)| ty == concrete_type
                && kind == "Sync"
                && file.ends_with("console_tasks.rs")
                && at == line),
            "a {concrete_type} of console_tasks.rs:{line} is a sync resource: {syncs:?}"
        );
    }

    child.kill().await.unwrap();
}
