//! `crm rule ...`: routing rules.

use crate::context::{Ctx, Directory};
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use crate::refs;
use clap::{Args, Subcommand, ValueEnum};
use crm::customer::LifecycleStage;
use crm::request::{Priority, RoutingActions, RoutingConditions, RoutingRule, SupportLine};
use crm::store::{MAX_PAGE, PageRequest};
use std::process::ExitCode;

/// `crm rule`.
#[derive(Debug, Subcommand)]
pub(crate) enum RuleCommand {
    /// Add a routing rule (administrators). Each condition list, when given, needs one of
    /// its items to match; the first matching rule (by position) decides.
    Add(Box<RuleAddArgs>),
    /// List routing rules, in the order they are tried.
    List(RuleListArgs),
}

/// `crm rule list`.
#[derive(Debug, Args)]
pub(crate) struct RuleListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `crm rule add`.
#[derive(Debug, Args)]
pub(crate) struct RuleAddArgs {
    /// A name for people.
    #[arg(long)]
    name: String,
    /// Rules are tried by ascending position.
    #[arg(long, default_value_t = 100)]
    position: u32,
    /// A word or phrase in the subject or body (Persian or Latin, any spelling); repeatable.
    #[arg(long = "keyword", value_name = "WORDS")]
    keywords: Vec<String>,
    /// The channel the request came on (`email`, `sms`, `telegram`, ...); repeatable.
    #[arg(long = "channel")]
    channels: Vec<String>,
    /// The category the channel gave (a web form's topic); repeatable.
    #[arg(long = "category")]
    categories: Vec<String>,
    /// A tag of the customer (their tier: `vip`); repeatable.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// The customer's lifecycle stage; repeatable.
    #[arg(long = "stage")]
    stages: Vec<String>,
    /// Send to this department (name or id); its assignment picks the member.
    #[arg(long)]
    department: Option<String>,
    /// Set the priority.
    #[arg(long, value_enum)]
    priority: Option<PriorityArg>,
    /// Give it to this staff member (email or id).
    #[arg(long)]
    holder: Option<String>,
    /// Set the support line.
    #[arg(long, value_enum)]
    line: Option<LineArg>,
    /// Set the request's category.
    #[arg(long = "set-category")]
    set_category: Option<String>,
}

/// A priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PriorityArg {
    /// Whenever there is time.
    Low,
    /// The default.
    Normal,
    /// Before the normal ones.
    High,
    /// Now.
    Urgent,
}

impl From<PriorityArg> for Priority {
    fn from(p: PriorityArg) -> Priority {
        match p {
            PriorityArg::Low => Priority::Low,
            PriorityArg::Normal => Priority::Normal,
            PriorityArg::High => Priority::High,
            PriorityArg::Urgent => Priority::Urgent,
        }
    }
}

/// A support line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LineArg {
    /// First-line support.
    First,
    /// Second-line (specialist) support.
    Second,
}

impl From<LineArg> for SupportLine {
    fn from(l: LineArg) -> SupportLine {
        match l {
            LineArg::First => SupportLine::First,
            LineArg::Second => SupportLine::Second,
        }
    }
}

/// Runs a `crm rule` command.
///
/// # Errors
/// Invalid input for unknown channels, stages, departments or staff; the library's errors.
pub(crate) async fn run(ctx: &Ctx, command: RuleCommand) -> CliResult<ExitCode> {
    match command {
        RuleCommand::Add(args) => {
            let session = ctx.session().await?;
            let dir = ctx.directory().await?;
            let (conditions, actions) = rule_parts(&dir, &args)?;
            let rule = session
                .create_routing_rule(&args.name, args.position, conditions, actions)
                .await?;
            println!("routing rule {} added ({})", safe(&rule.name), rule.id);
            println!("{}", describe(&dir, &rule));
        }
        RuleCommand::List(a) => {
            let session = ctx.system("crm-cli").await?;
            let dir = ctx.directory().await?;
            let mut rules = Vec::new();
            let mut page = PageRequest::first(MAX_PAGE);
            loop {
                let got = session.list_routing_rules(&page).await?;
                rules.extend(got.items);
                match got.next {
                    Some(next) => page = PageRequest::after(next, MAX_PAGE),
                    None => break,
                }
            }
            rules.sort_by_key(|r| (r.position, r.id));
            if a.json {
                return super::cartable::print_json(&rules);
            }
            let mut t = table(["pos", "name", "rule", "enabled"]);
            for r in &rules {
                t.add_row([
                    r.position.to_string(),
                    safe(&r.name),
                    describe(&dir, r),
                    if r.enabled { "yes" } else { "no" }.to_owned(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Conditions and actions from the flags.
///
/// # Errors
/// Invalid input for an unknown channel, stage, department or person, or a rule that does
/// nothing.
pub(crate) fn rule_parts(
    dir: &Directory,
    args: &RuleAddArgs,
) -> CliResult<(RoutingConditions, RoutingActions)> {
    let channels = args
        .channels
        .iter()
        .map(|c| refs::channel(c))
        .collect::<CliResult<Vec<_>>>()?;
    let stages = args
        .stages
        .iter()
        .map(|s| {
            s.parse::<LifecycleStage>()
                .map_err(|_| CliError::invalid(format!("unknown stage {s:?}")))
        })
        .collect::<CliResult<Vec<_>>>()?;
    let conditions = RoutingConditions {
        channels,
        categories: args.categories.clone(),
        keywords: args.keywords.clone(),
        tags: args.tags.clone(),
        stages,
    };
    let actions = RoutingActions {
        line: args.line.map(SupportLine::from),
        department: match &args.department {
            Some(d) => Some(dir.department_by_ref(d)?.id),
            None => None,
        },
        priority: args.priority.map(Priority::from),
        category: args.set_category.clone(),
        holder: match &args.holder {
            Some(h) => Some(dir.staff_by_ref(h)?.id),
            None => None,
        },
    };
    if actions == RoutingActions::default() {
        return Err(CliError::invalid(
            "the rule does nothing: give --department, --holder, --priority, --line or \
             --set-category",
        ));
    }
    Ok((conditions, actions))
}

/// One line per rule: `when ... then ...`.
pub(crate) fn describe(dir: &Directory, rule: &RoutingRule) -> String {
    let c = &rule.conditions;
    let mut when = Vec::new();
    let list = |name: &str, items: Vec<String>| format!("{name} {}", items.join("|"));
    if !c.channels.is_empty() {
        when.push(list(
            "channel",
            c.channels.iter().map(|x| x.to_string()).collect(),
        ));
    }
    if !c.categories.is_empty() {
        when.push(list("category", c.categories.clone()));
    }
    if !c.keywords.is_empty() {
        when.push(list("keyword", c.keywords.clone()));
    }
    if !c.tags.is_empty() {
        when.push(list("tag", c.tags.clone()));
    }
    if !c.stages.is_empty() {
        when.push(list(
            "stage",
            c.stages.iter().map(|s| s.as_str().to_owned()).collect(),
        ));
    }
    let a = &rule.actions;
    let mut then = Vec::new();
    if let Some(d) = a.department {
        then.push(format!("department {}", dir.department_name(d)));
    }
    if let Some(h) = a.holder {
        then.push(format!("holder {}", dir.staff_name(h)));
    }
    if let Some(p) = a.priority {
        then.push(format!("priority {}", p.as_str()));
    }
    if let Some(l) = a.line {
        then.push(format!("line {}", line_name(l)));
    }
    if let Some(cat) = &a.category {
        then.push(format!("category {cat}"));
    }
    let when = if when.is_empty() {
        "always".to_owned()
    } else {
        when.join(" and ")
    };
    safe(&format!("when {when} then {}", then.join(", ")))
}

/// `first` or `second`.
pub(crate) fn line_name(l: SupportLine) -> &'static str {
    match l {
        SupportLine::First => "first",
        SupportLine::Second => "second",
    }
}
