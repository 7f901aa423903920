//! Showing requests and customers: lines, tables and details shared by the commands and the
//! demo. Customer-supplied text always goes through [`safe`] / [`safe_text`].

use crate::context::{Ctx, Directory};
use crate::dates::duration;
use crate::output::{safe, safe_text, short, table};
use crm::customer::Customer;
use crm::interaction::Interaction;
use crm::request::Request;
use crm::service::CustomerView;

/// The customer's name, terminal-safe.
pub(crate) fn customer_name(c: &Customer) -> String {
    safe(&c.display_name())
}

/// One line: `#12 [in_progress] urgent "subject" (email) held by ...`.
pub(crate) fn request_line(ctx: &Ctx, dir: &Directory, r: &Request) -> String {
    format!(
        "#{} [{}] {} {:?} ({}) held by {}, received {}",
        r.number,
        r.status.as_str(),
        r.priority.as_str(),
        short(&r.subject, 50),
        r.channel,
        safe(&dir.holder(r.holder)),
        ctx.dates.datetime(r.received_at)
    )
}

/// A few lines: status, holder, priority, line, category, due time.
pub(crate) fn request_summary(ctx: &Ctx, dir: &Directory, r: &Request) -> String {
    let mut s = format!(
        "  subject: {}\n  status: {}, priority {}, {} line, channel {}\n  held by: {}",
        safe(&r.subject),
        r.status.as_str(),
        r.priority.as_str(),
        crate::commands::rules::line_name(r.line),
        r.channel,
        safe(&dir.holder(r.holder)),
    );
    if let Some(d) = r.department {
        s.push_str(&format!(" (department {})", safe(&dir.department_name(d))));
    }
    if let Some(c) = &r.category {
        s.push_str(&format!("\n  category: {}", safe(c)));
    }
    if let Some(due) = r.due_at() {
        s.push_str(&format!("\n  due: {}", ctx.dates.datetime(due)));
    }
    s
}

/// A cartable as a table.
pub(crate) fn request_table(ctx: &Ctx, dir: &Directory, requests: &[Request]) -> String {
    let mut t = table([
        "#", "status", "priority", "subject", "channel", "holder", "hops", "received", "due",
    ]);
    for r in requests {
        let overdue = r.due_at().is_some_and(|d| d < chrono::Utc::now()) && r.is_active();
        t.add_row([
            r.number.to_string(),
            r.status.as_str().to_owned(),
            r.priority.as_str().to_owned(),
            short(&r.subject, 40),
            r.channel.to_string(),
            safe(&dir.holder(r.holder)),
            format!(
                "{}{}",
                r.hops(),
                if r.ping_pongs() > 0 { " ping-pong" } else { "" }
            ),
            ctx.dates.datetime(r.received_at),
            format!(
                "{}{}",
                ctx.dates.maybe(r.due_at()),
                if overdue { " OVERDUE" } else { "" }
            ),
        ]);
    }
    t.to_string()
}

/// Everything about a request: the summary, its messages, hops, answer, reviews, reply and
/// rating.
pub(crate) fn request_detail(
    ctx: &Ctx,
    dir: &Directory,
    r: &Request,
    customer: Option<&Customer>,
    messages: &[Interaction],
) -> String {
    let mut out = Vec::new();
    out.push(format!("request #{} ({})", r.number, r.id));
    out.push(request_summary(ctx, dir, r));
    out.push(match customer {
        Some(c) => format!("  customer: {} ({})", customer_name(c), c.id),
        None if r.is_possible_duplicate() => format!(
            "  customer: undecided, possible duplicate of {}",
            r.candidates
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "  customer: -".to_owned(),
    });
    out.push(format!(
        "  received {}, first response {}, hops {}, ping-pongs {}{}",
        ctx.dates.datetime(r.received_at),
        ctx.dates.maybe(r.sla.first_response_at),
        r.hops(),
        r.ping_pongs(),
        if r.escalated { ", escalated" } else { "" }
    ));
    if !messages.is_empty() {
        out.push("messages:".to_owned());
        for m in messages {
            out.push(format!(
                "  {} {} {}{}",
                ctx.dates.datetime(m.occurred_at),
                m.direction.as_str(),
                m.channel,
                m.subject
                    .as_deref()
                    .map_or(String::new(), |s| format!(" \"{}\"", safe(s)))
            ));
            for line in safe_text(&m.body).lines() {
                out.push(format!("    | {line}"));
            }
            for a in &m.attachments {
                out.push(format!(
                    "    attachment: {} ({}, {} bytes)",
                    safe(&a.name),
                    safe(&a.media_type),
                    a.size
                ));
            }
        }
    }
    for p in &r.pending {
        out.push(format!(
            "  waiting message {} {}: {}",
            ctx.dates.datetime(p.received_at),
            p.channel,
            short(&p.body, 60)
        ));
    }
    if !r.referrals.is_empty() {
        out.push("referrals:".to_owned());
        for h in &r.referrals {
            out.push(format!(
                "  {} {} -> {} by {}{}: {}",
                ctx.dates.datetime(h.at),
                safe(&dir.holder(h.from)),
                safe(&dir.holder(h.to)),
                safe(&dir.actor(&h.by)),
                if h.ping_pong { " (ping-pong)" } else { "" },
                safe(&h.note)
            ));
        }
    }
    if let Some(a) = &r.answer {
        out.push(format!(
            "answer by {} at {}:",
            safe(&dir.staff_name(a.by)),
            ctx.dates.datetime(a.at)
        ));
        for line in safe_text(&a.text).lines() {
            out.push(format!("    | {line}"));
        }
    }
    for v in &r.reviews {
        out.push(format!(
            "  {} by {} at {}{}",
            if v.approved { "approved" } else { "returned" },
            safe(&dir.staff_name(v.by)),
            ctx.dates.datetime(v.at),
            if v.note.is_empty() {
                String::new()
            } else {
                format!(": {}", safe(&v.note))
            }
        ));
    }
    if let Some(reply) = &r.reply {
        out.push(format!(
            "replied on {} by {} at {}",
            reply.channel,
            safe(&dir.staff_name(reply.by)),
            ctx.dates.datetime(reply.at)
        ));
    }
    if let Some(s) = &r.satisfaction {
        out.push(format!(
            "rating: {}/5{}",
            s.rating,
            s.comment
                .as_deref()
                .map_or(String::new(), |c| format!(" \"{}\"", safe(c)))
        ));
    }
    out.join("\n")
}

/// The 360° view: who, contacts, tags, recent interactions and requests.
pub(crate) fn customer_view(ctx: &Ctx, dir: &Directory, v: &CustomerView) -> String {
    let c = &v.customer;
    let mut out = Vec::new();
    out.push(format!("{} ({})", customer_name(c), c.id));
    out.push(format!(
        "  stage {}, owner {}, since {}",
        c.stage.as_str(),
        c.owner.map_or("-".to_owned(), |o| safe(&dir.staff_name(o))),
        ctx.dates.date(c.created_at)
    ));
    if let Some(org) = &v.organisation {
        out.push(format!("  organisation: {}", customer_name(org)));
    }
    for p in &c.contacts {
        out.push(format!(
            "  {}: {}{}",
            p.kind,
            safe(&p.value),
            p.label
                .as_deref()
                .map_or(String::new(), |l| format!(" ({})", safe(l)))
        ));
    }
    if !c.tags.is_empty() {
        let tags: Vec<String> = c.tags.iter().map(|t| safe(t)).collect();
        out.push(format!("  tags: {}", tags.join(", ")));
    }
    for (name, value) in &c.fields {
        out.push(format!("  {}: {}", safe(name), safe(&format!("{value:?}"))));
    }
    if !v.recent_requests.is_empty() {
        out.push("requests:".to_owned());
        for r in &v.recent_requests {
            out.push(format!("  {}", request_line(ctx, dir, r)));
        }
    }
    if !v.recent_interactions.is_empty() {
        out.push(format!(
            "interactions (latest {}{}):",
            v.recent_interactions.len(),
            if v.more_interactions {
                ", more exist"
            } else {
                ""
            }
        ));
        for i in &v.recent_interactions {
            out.push(format!(
                "  {} {:<8} {:<16} {}",
                ctx.dates.datetime(i.occurred_at),
                i.direction.as_str(),
                i.channel.to_string(),
                short(
                    &format!(
                        "{}{}",
                        i.subject
                            .as_deref()
                            .map_or(String::new(), |s| format!("{s}: ")),
                        i.body
                    ),
                    70
                )
            ));
        }
    }
    if !v.recent_deals.is_empty() {
        out.push("deals:".to_owned());
        for d in &v.recent_deals {
            out.push(format!(
                "  {} {:<6} {:<14} {} {}",
                ctx.dates.date(d.created_at),
                d.status.as_str(),
                d.stage,
                d.amount,
                short(&d.title, 50)
            ));
        }
    }
    if !v.recent_orders.is_empty() {
        out.push("orders:".to_owned());
        for o in &v.recent_orders {
            out.push(format!(
                "  {} {:<8} {}",
                ctx.dates.date(o.ordered_at),
                o.status.as_str(),
                o.total
            ));
        }
    }
    for c in &v.club {
        out.push(format!(
            "club {}: card {}, {} points, tier {}",
            c.programme, c.card.number, c.card.balance, c.card.tier
        ));
        for e in &c.last_entries {
            out.push(format!(
                "  {} {:<8} {:>6} {}",
                ctx.dates.date(e.at),
                e.kind.as_str(),
                e.points,
                short(&e.reason, 50)
            ));
        }
    }
    out.join("\n")
}

/// Business-time figures of one request, for the demo and `request show`.
pub(crate) fn times(r: &Request, calendar: &crm::calendar::WorkCalendar) -> String {
    format!(
        "first response {}, resolution {}",
        duration(r.sla.first_response_time(calendar, r.received_at)),
        duration(r.sla.resolution_time(calendar, r.received_at))
    )
}
