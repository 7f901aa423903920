//! `crm task ...`, `crm greetings` and `crm staff deactivate`: activities.

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use chrono::{NaiveDate, NaiveTime};
use clap::{Args, Subcommand};
use crm::activity::{Due, OpenTask, Priority, Task, TaskKind, TaskLink, TaskStatus};
use crm::calendar::JalaliDate;
use crm::customer::CustomerFilter;
use crm::id::TaskId;
use crm::service::{NewTask, Successor};
use crm::store::PageRequest;
use std::process::ExitCode;

/// `crm task`.
#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// Add a task (for yourself, or --assignee).
    Add(TaskAddArgs),
    /// List open tasks: yours by due date (default), today's and overdue, a customer's, or
    /// those you follow.
    List(TaskListArgs),
    /// Mark a task done (a recurring one gets its next occurrence).
    Done(TaskIdArgs),
    /// Follow a task (its changes are sent to you).
    Follow(TaskIdArgs),
}

/// `crm task add`.
#[derive(Debug, Args)]
pub(crate) struct TaskAddArgs {
    /// What to do.
    title: String,
    /// to_do, call or meeting.
    #[arg(long, default_value = "to_do")]
    kind: String,
    /// Who does it (email or id) [default: you].
    #[arg(long)]
    assignee: Option<String>,
    /// Due date: `1405-09-17` (Jalali, years below 1700) or `2026-12-08` (Gregorian).
    #[arg(long)]
    due: Option<String>,
    /// Due time of day, `HH:MM`, in the workspace's time zone.
    #[arg(long, requires = "due")]
    at: Option<String>,
    /// low, normal or high.
    #[arg(long, default_value = "normal")]
    priority: String,
    /// The customer it is about (email, phone or id).
    #[arg(long)]
    customer: Option<String>,
    /// Remind the assignee this many minutes before it is due (repeatable).
    #[arg(long = "remind")]
    remind: Vec<u32>,
    /// Notes.
    #[arg(long, default_value = "")]
    notes: String,
}

/// `crm task list`.
#[derive(Debug, Args)]
pub(crate) struct TaskListArgs {
    /// Today's and the overdue ones.
    #[arg(long, conflicts_with_all = ["customer", "following"])]
    today: bool,
    /// The tasks of a customer (email, phone or id).
    #[arg(long, conflicts_with = "following")]
    customer: Option<String>,
    /// The tasks you follow.
    #[arg(long)]
    following: bool,
}

/// A task by id.
#[derive(Debug, Args)]
pub(crate) struct TaskIdArgs {
    /// The task's id.
    id: String,
}

/// `crm greetings`.
#[derive(Debug, Args)]
pub(crate) struct GreetingsArgs {
    /// The date: `1405-01-01` (Jalali, years below 1700) or `2026-03-21` (Gregorian).
    #[arg(long)]
    date: String,
    /// Only customers with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// Queue the greetings in the outbox (once per occasion and year, with consent).
    #[arg(long)]
    send: bool,
}

/// `crm staff deactivate`.
#[derive(Debug, Args)]
pub(crate) struct DeactivateArgs {
    /// The leaver (email or id).
    staff: String,
    /// Who takes over their work: a staff member (email or id) or a department (name or
    /// id; its manager takes tasks, customers and deals).
    #[arg(long)]
    successor: String,
}

/// A date typed by a person: Jalali when the year is below 1700, else Gregorian.
pub(crate) fn parse_date(text: &str) -> CliResult<NaiveDate> {
    let bad = || CliError::invalid(format!("{text:?}: a date is YYYY-MM-DD"));
    let mut parts = text.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i32, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if y < 1700 {
        JalaliDate::new(y, m, d)
            .map(|j| j.to_gregorian())
            .map_err(|e| CliError::invalid(format!("{text:?}: {e}")))
    } else {
        NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d))
            .ok_or_else(|| CliError::invalid(format!("{text:?}: no such date")))
    }
}

fn parse_id(text: &str) -> CliResult<TaskId> {
    text.trim()
        .parse()
        .map_err(|_| CliError::invalid(format!("{text:?}: a task id is a UUID")))
}

fn print_tasks(tasks: &[Task]) {
    print_task_rows(tasks.iter().map(|task| {
        [
            due_text(task.due),
            task.kind.as_str().to_owned(),
            task.priority.as_str().to_owned(),
            safe(&task.title),
            task.status.as_str().to_owned(),
            task.id.to_string(),
        ]
    }));
}

fn print_open_tasks(tasks: &[OpenTask]) {
    print_task_rows(tasks.iter().map(|task| {
        [
            due_text(task.due),
            task.kind.as_str().to_owned(),
            task.priority.as_str().to_owned(),
            safe(&task.title),
            TaskStatus::Open.as_str().to_owned(),
            task.id.to_string(),
        ]
    }));
}

fn print_task_rows(rows: impl Iterator<Item = [String; 6]>) {
    let mut t = table(["due", "kind", "priority", "title", "status", "id"]);
    for row in rows {
        t.add_row(row);
    }
    println!("{t}");
}

/// A due date as the task lists show it: the Jalali date, and the time when set.
fn due_text(due: Option<Due>) -> String {
    due.map_or("-".to_owned(), |d| {
        let j = JalaliDate::from_gregorian(d.date);
        let date = format!("{:04}-{:02}-{:02}", j.year, j.month, j.day);
        match d.time {
            Some(t) => format!("{date} {}", t.format("%H:%M")),
            None => date,
        }
    })
}

/// Runs a `crm task` command.
///
/// # Errors
/// As the library's task operations; invalid input for bad dates, kinds, priorities, ids.
pub(crate) async fn task(ctx: &Ctx, command: TaskCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let me = session
        .principal()
        .staff_id()
        .ok_or_else(|| CliError::invalid("tasks need a staff member: pass --as"))?;
    match command {
        TaskCommand::Add(args) => {
            let kind = TaskKind::parse(&args.kind).ok_or_else(|| {
                CliError::invalid(format!("--kind {:?}: to_do, call or meeting", args.kind))
            })?;
            let mut new = NewTask::new(kind, &args.title);
            new.priority = Priority::parse(&args.priority).ok_or_else(|| {
                CliError::invalid(format!(
                    "--priority {:?}: low, normal or high",
                    args.priority
                ))
            })?;
            new.notes = args.notes;
            if let Some(a) = &args.assignee {
                new.assignee = Some(ctx.staff_by_ref(a).await?.id);
            }
            if let Some(due) = &args.due {
                let date = parse_date(due)?;
                new.due = Some(match &args.at {
                    Some(at) => {
                        let time = NaiveTime::parse_from_str(at, "%H:%M").map_err(|_| {
                            CliError::invalid(format!("--at {at:?}: a time is HH:MM"))
                        })?;
                        Due::at(date, time)
                    }
                    None => Due::on(date),
                });
            }
            if let Some(c) = &args.customer {
                let customer = crate::refs::customer(&session, c).await?;
                new.link = Some(TaskLink::Customer(customer.id));
            }
            new.reminders = args.remind.into_iter().collect();
            let task = session.create_task(new).await?;
            println!("task {} added ({})", safe(&task.title), task.id);
        }
        TaskCommand::List(args) => {
            let page = PageRequest::first(crm::store::MAX_PAGE);
            if args.today {
                let today = session.tasks_today(Some(me), crm::store::MAX_PAGE).await?;
                println!("overdue:");
                print_open_tasks(&today.overdue);
                println!("today:");
                print_open_tasks(&today.due_today);
            } else if let Some(c) = &args.customer {
                let customer = crate::refs::customer(&session, c).await?;
                let tasks = session
                    .tasks_of(TaskLink::Customer(customer.id), &page)
                    .await?;
                print_tasks(&tasks.items);
            } else if args.following {
                print_tasks(&session.followed_tasks(me, &page).await?.items);
            } else {
                print_tasks(&session.open_tasks(me, &page).await?.items);
            }
        }
        TaskCommand::Done(args) => {
            let task = session.task(parse_id(&args.id)?).await?;
            let done = session.complete_task(task.id, task.version).await?;
            println!("task {} done", safe(&done.task.title));
            if let Some(next) = done.next {
                println!("next occurrence ({})", next.id);
            }
        }
        TaskCommand::Follow(args) => {
            let task = session.task(parse_id(&args.id)?).await?;
            let task = session.follow_task(task.id, task.version, me, true).await?;
            println!("following task {}", safe(&task.title));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `crm greetings`.
///
/// # Errors
/// Invalid input for a bad date; the library's errors.
pub(crate) async fn greetings(ctx: &Ctx, args: GreetingsArgs) -> CliResult<ExitCode> {
    let date = parse_date(&args.date)?;
    let filter = CustomerFilter {
        tag: args.tag.clone(),
        ..CustomerFilter::default()
    };
    let session = ctx.session_or_system("crm-cli greetings").await?;
    let due = session.due_greetings(date, &filter).await?;
    let mut t = table(["customer", "occasion", "calendar", "month-day", "id"]);
    for g in &due {
        let occasion = match &g.occasion.kind {
            crm::customer::OccasionKind::Birthday => "birthday".to_owned(),
            crm::customer::OccasionKind::Anniversary => "anniversary".to_owned(),
            crm::customer::OccasionKind::Other(label) => safe(label),
        };
        let calendar = match g.occasion.calendar {
            crm::customer::OccasionCalendar::Gregorian => "gregorian",
            crm::customer::OccasionCalendar::Jalali => "jalali",
        };
        t.add_row([
            safe(&g.customer.name),
            occasion,
            calendar.to_owned(),
            format!("{:02}-{:02}", g.occasion.month, g.occasion.day),
            g.customer.id.to_string(),
        ]);
    }
    println!("{t}");
    if args.send {
        let run = session.send_greetings(date, &filter).await?;
        println!(
            "greetings queued {}, already sent {}, without consent {}{}",
            run.sent,
            run.already_sent,
            run.without_consent,
            if run.quiet {
                " (quiet hours: none sent)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `crm staff deactivate`.
///
/// # Errors
/// Invalid input for an unknown leaver or successor; the library's errors.
pub(crate) async fn deactivate(ctx: &Ctx, args: DeactivateArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let dir = ctx.directory().await?;
    let leaver = dir.staff_by_ref(&args.staff)?.id;
    let successor = match dir.staff_by_ref(&args.successor) {
        Ok(s) => Successor::Staff(s.id),
        Err(_) => Successor::Department(dir.department_by_ref(&args.successor)?.id),
    };
    let report = session.hand_over(leaver, successor).await?;
    println!(
        "deactivated {}; handed over {} requests, {} tasks, {} customers, {} leads, {} deals",
        safe(&dir.staff_name(leaver)),
        report.requests,
        report.tasks,
        report.customers,
        report.leads,
        report.deals
    );
    Ok(ExitCode::SUCCESS)
}
