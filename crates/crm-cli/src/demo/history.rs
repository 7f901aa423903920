//! Weeks of request history, played as a small discrete-event simulation on a manual clock:
//! every time is realistic (staff act in business hours) and the clock only moves forward.

use super::cast::Cast;
use super::names::{self, Topic};
use super::rng::Rng;
use crate::error::{CliError, CliResult};
use chrono::{DateTime, Duration, Timelike, Utc};
use crm::Session;
use crm::channel::{Channel, SocialNetwork};
use crm::clock::ManualClock;
use crm::customer::ContactKind;
use crm::id::RequestId;
use crm::request::{Holder, RequestStatus};
use crm::service::{InboundMessage, Sender};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// What happens next to a request in the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Arrive,
    Triage,
    Take,
    Work,
    Review,
    Reply,
    Rate,
    Close,
}

/// A scheduled step: when, a tie-breaking sequence number, which request, what.
type Event = (DateTime<Utc>, u64, usize, Step);

/// One simulated request.
struct Sim {
    topic: Topic,
    customer: usize,
    channel: Channel,
    message: usize,
    id: Option<RequestId>,
    returned: bool,
    bounced: bool,
}

/// What the history simulation produced.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Requests opened.
    pub(crate) opened: usize,
    /// Messages that joined an open request of the same customer.
    pub(crate) joined: usize,
    /// Requests replied to.
    pub(crate) replied: usize,
    /// Transitions made.
    pub(crate) transitions: usize,
}

/// Plays `count` requests arriving between `from` and `until` through the cartable:
/// triage, referral (sometimes to the wrong place and back), work, review (sometimes
/// returned), reply, rating and closing. Steps due after `until` do not happen: those
/// requests stay open in the cartables.
///
/// # Errors
/// The library's errors.
pub(crate) async fn history(
    cast: &Cast,
    clock: &Arc<ManualClock>,
    rng: &mut Rng,
    count: usize,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> CliResult<History> {
    let span = (until - from).num_minutes().max(1);
    let mut sims = Vec::with_capacity(count);
    let mut queue: BinaryHeap<Reverse<Event>> = BinaryHeap::new();
    let channels = [
        Channel::Email,
        Channel::Email,
        Channel::Sms,
        Channel::Sms,
        Channel::Social(SocialNetwork::Telegram),
        Channel::WebForm,
        Channel::PhoneCall,
    ];
    for i in 0..count {
        let message = rng.below(names::MESSAGES.len());
        let topic = names::MESSAGES.get(message).map_or(Topic::Sales, |m| m.0);
        let customer = 1 + rng.below(cast.customers.len().saturating_sub(1).max(1));
        let channel = *rng.pick(&channels).unwrap_or(&Channel::Email);
        sims.push(Sim {
            topic,
            customer,
            channel,
            message,
            id: None,
            returned: false,
            bounced: false,
        });
        // Customers write between 07:00 and 23:00 Tehran time.
        let mut at = from + Duration::minutes(rng.range(0, span));
        let hour = at.with_timezone(&chrono_tz::Asia::Tehran).hour();
        if !(7..23).contains(&hour) {
            at += Duration::hours(8);
        }
        queue.push(Reverse((at, i as u64, i, Step::Arrive)));
    }
    let mut seq = count as u64;
    let mut stats = History::default();
    let calendar = cast.channels.settings().await?.sla.calendar;
    while let Some(Reverse((at, _, i, step))) = queue.pop() {
        if at > until {
            continue;
        }
        clock.set(at);
        let Some(sim) = sims.get_mut(i) else { continue };
        let next = match play(cast, rng, sim, step, &mut stats, i).await {
            Ok(next) => next,
            // A customer's message changed the request's state meanwhile: leave it as it is.
            Err(e) if e.message.starts_with("cannot ") => None,
            Err(e) => {
                let message = format!("demo history, step {step:?}: {}", e.message);
                return Err(CliError::failure(message));
            }
        };
        if let Some((delay, step)) = next {
            seq += 1;
            let delay = Duration::minutes(delay);
            // Staff work in business hours; the customer rates whenever they like.
            let when = if step == Step::Rate {
                at + delay
            } else {
                calendar.add_business_time(at, delay).unwrap_or(at + delay)
            };
            queue.push(Reverse((when, seq, i, step)));
        }
    }
    Ok(stats)
}

/// Plays one step; returns the next one with its delay in minutes.
async fn play(
    cast: &Cast,
    rng: &mut Rng,
    sim: &mut Sim,
    step: Step,
    stats: &mut History,
    index: usize,
) -> CliResult<Option<(i64, Step)>> {
    if step == Step::Arrive {
        return arrive(cast, rng, sim, stats, index).await;
    }
    let Some(id) = sim.id else { return Ok(None) };
    let r = cast.channels.request(id).await?;
    if r.status == RequestStatus::Reopened && !matches!(step, Step::Take | Step::Work) {
        // The customer wrote again after the reply: back to work.
        return Ok(Some((rng.range(30, 300), Step::Work)));
    }
    let officer = |rng: &mut Rng| -> CliResult<&Session> {
        match r.officer {
            Some(o) => cast.session(o),
            None => cast
                .officers
                .get(rng.below(cast.officers.len()))
                .ok_or_else(|| CliError::failure("demo: no officer")),
        }
    };
    stats.transitions += 1;
    let next = match step {
        Step::Arrive => None,
        Step::Triage => {
            let o = officer(rng)?;
            let right = cast.department_of(sim.topic);
            if !sim.bounced && rng.chance(12) {
                // The classic failure: sent to the wrong department, which sends it back.
                sim.bounced = true;
                let wrong = if right.id == cast.sales.id {
                    &cast.technical
                } else {
                    &cast.sales
                };
                o.refer(
                    r.id,
                    r.version,
                    Holder::Department(wrong.id),
                    "لطفاً بررسی کنید",
                )
                .await?;
                Some((rng.range(60, 600), Step::Take))
            } else {
                o.refer(
                    r.id,
                    r.version,
                    Holder::Department(right.id),
                    "Please handle",
                )
                .await?;
                Some((rng.range(10, 480), Step::Take))
            }
        }
        Step::Take => {
            let agent = match r.holder {
                Holder::Staff(s) => s,
                Holder::Department(d) => {
                    let members = cast.members(d);
                    *rng.pick(&members)
                        .ok_or_else(|| CliError::failure("demo: empty department"))?
                }
                Holder::Officers => return Ok(Some((rng.range(10, 240), Step::Triage))),
            };
            let s = cast.session(agent)?;
            let right = cast.department_of(sim.topic).id;
            if r.department.is_some_and(|d| d != right) {
                // Wrong department: back to the officers, with a note.
                s.refer(
                    r.id,
                    r.version,
                    Holder::Officers,
                    "این درخواست مربوط به ما نیست",
                )
                .await?;
                return Ok(Some((rng.range(30, 300), Step::Triage)));
            }
            s.take(r.id, r.version).await?;
            Some((rng.range(20, 900), Step::Work))
        }
        Step::Work => {
            let Holder::Staff(holder) = r.holder else {
                return Ok(Some((rng.range(10, 60), Step::Take)));
            };
            let s = cast.session(holder)?;
            if r.status == RequestStatus::InProgress && rng.chance(6) {
                s.wait_on_customer(r.id, r.version, "Asked the customer for the order number")
                    .await?;
                return Ok(None);
            }
            let persian = cast.customers.get(sim.customer).is_some_and(|c| {
                c.display_name()
                    .chars()
                    .any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch))
            });
            s.resolve(r.id, r.version, names::answer(sim.topic, persian))
                .await?;
            Some((rng.range(15, 300), Step::Review))
        }
        Step::Review => {
            let o = officer(rng)?;
            if !sim.returned && rng.chance(15) {
                sim.returned = true;
                o.return_answer(r.id, r.version, "لطفاً جزئیات بیشتری بنویسید")
                    .await?;
                Some((rng.range(30, 600), Step::Work))
            } else {
                o.approve(r.id, r.version, "").await?;
                Some((rng.range(5, 120), Step::Reply))
            }
        }
        Step::Reply => {
            let o = officer(rng)?;
            match o.reply(r.id, r.version, None).await {
                Err(crm::Error::Invalid { .. }) => {
                    o.reply(r.id, r.version, Some(Channel::Email)).await?;
                }
                other => {
                    other?;
                }
            }
            stats.replied += 1;
            if rng.chance(60) {
                Some((rng.range(60, 2880), Step::Rate))
            } else {
                Some((rng.range(60, 1440), Step::Close))
            }
        }
        Step::Rate => {
            let rating = if sim.bounced || sim.returned {
                rng.range(1, 4)
            } else {
                rng.range(3, 5)
            };
            cast.survey
                .rate(r.id, r.version, rating as u8, None)
                .await?;
            Some((rng.range(10, 600), Step::Close))
        }
        Step::Close => {
            officer(rng)?.close(r.id, r.version).await?;
            None
        }
    };
    Ok(next)
}

/// A message arrives from the simulated customer on the simulated channel.
async fn arrive(
    cast: &Cast,
    rng: &mut Rng,
    sim: &mut Sim,
    stats: &mut History,
    index: usize,
) -> CliResult<Option<(i64, Step)>> {
    let customer = cast
        .customers
        .get(sim.customer)
        .ok_or_else(|| CliError::failure("demo: no customer"))?;
    let contact = |kind: ContactKind| {
        customer
            .contacts
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| c.value.clone())
    };
    let telegram = ContactKind::Social(SocialNetwork::Telegram);
    if sim.channel == Channel::Social(SocialNetwork::Telegram) && contact(telegram).is_none() {
        sim.channel = Channel::Sms;
    }
    let sender = match sim.channel {
        Channel::Email | Channel::WebForm => Sender {
            email: contact(ContactKind::Email),
            ..Sender::default()
        },
        Channel::Social(n) => Sender {
            handle: contact(telegram).map(|h| (n, h)),
            ..Sender::default()
        },
        _ => Sender {
            phone: contact(ContactKind::Mobile),
            ..Sender::default()
        },
    };
    let (_, subject, body) =
        names::MESSAGES
            .get(sim.message)
            .copied()
            .unwrap_or((Topic::Sales, "Question", "Hello"));
    let external = format!("seed-{index}");
    let mut message = InboundMessage::new(sim.channel, &external, sender, body);
    if matches!(sim.channel, Channel::Email | Channel::WebForm) {
        message.subject = Some(subject.to_owned());
    }
    if sim.channel == Channel::WebForm {
        let topic = match sim.topic {
            Topic::Billing => "billing",
            Topic::Technical => "technical",
            Topic::Sales => "sales",
        };
        message.category = Some(topic.to_owned());
    }
    let outcome = cast.channels.intake(message).await?;
    if outcome.joined || outcome.duplicate_delivery {
        stats.joined += 1;
        return Ok(None);
    }
    stats.opened += 1;
    sim.id = Some(outcome.request.id);
    let next = match outcome.request.holder {
        Holder::Officers => Step::Triage,
        _ => Step::Take,
    };
    Ok(Some((rng.range(5, 240), next)))
}
