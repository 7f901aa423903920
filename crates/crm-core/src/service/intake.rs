//! Omnichannel intake: a message from any channel becomes (part of) a request.

use super::assignment_fence::refused_as_inactive;
use super::contacts::ContactInput;
use super::customers::customer_ref;
use super::transition::request_ref;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::channel::{Channel, SocialNetwork};
use crate::clock::truncate;
use crate::counter::Counter;
use crate::customer::{ContactKind, Customer, LifecycleStage, Party, canonical_key};
use crate::error::{Conflict, Error, Result};
use crate::id::{CustomerId, InteractionId, RequestId};
use crate::interaction::{Attachment, Direction, Interaction};
use crate::limits::{self, MAX_ATTACHMENTS, MAX_BODY, MAX_EXTERNAL_ID, MAX_NAME, MAX_SUBJECT};
use crate::normalize::normalize_text;
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::request::RequestView;
use crate::request::{
    Holder, PendingMessage, Priority, Request, RequestAction, RequestStatus, ServiceLevel,
    SupportLine, message_key, thread_key,
};
use crate::store::{Commit, PageRequest, StoreExt};
use crate::workspace::WorkspaceSettings;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// How many times one intake takes a new request number after losing the race for one to
/// a concurrent intake, before it starts over (see `retry_on_conflict`).
const NUMBER_TRIES: u32 = 100;

/// How many times one intake routes again after the person it was routed to was deactivated
/// before its commit (each time the routing sees them inactive and routes around them).
const REROUTES: u32 = 3;

/// Who sent a message, as the channel knows them. At least one contact point is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sender {
    /// Email address, any spelling.
    pub email: Option<String>,
    /// Phone number, any spelling (Persian digits welcome).
    pub phone: Option<String>,
    /// A handle on a social network (for WhatsApp, the phone number).
    pub handle: Option<(SocialNetwork, String)>,
    /// The name the sender gave.
    pub name: Option<String>,
}

/// A message arriving on a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The channel.
    pub channel: Channel,
    /// The channel's own id of the message: the same id twice is one message.
    pub external_id: String,
    /// The conversation it belongs to (email thread root, chat id), if the channel has one.
    pub thread: Option<String>,
    /// The sender.
    pub sender: Sender,
    /// Subject line.
    pub subject: Option<String>,
    /// Text.
    pub body: String,
    /// When it arrived (default: now).
    pub received_at: Option<DateTime<Utc>>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// A category the channel already knows (a web form's topic, say).
    pub category: Option<String>,
}

impl InboundMessage {
    /// A message on `channel` with id `external_id` from `sender` saying `body`.
    pub fn new(channel: Channel, external_id: &str, sender: Sender, body: &str) -> Self {
        Self {
            channel,
            external_id: external_id.to_owned(),
            thread: None,
            sender,
            subject: None,
            body: body.to_owned(),
            received_at: None,
            attachments: Vec::new(),
            category: None,
        }
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Sets the thread.
    pub fn thread(mut self, thread: &str) -> Self {
        self.thread = Some(thread.to_owned());
        self
    }

    /// Sets the arrival time.
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.received_at = Some(at);
        self
    }
}

/// What intake did with a message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IntakeOutcome {
    /// The request the message is now part of.
    pub request: Request,
    /// The customer, when the sender resolved to exactly one.
    pub customer: Option<Customer>,
    /// The customer was created from this message (stage lead).
    pub new_customer: bool,
    /// The message had been taken in before: nothing changed.
    pub duplicate_delivery: bool,
    /// The message joined an existing request (same thread, or within the window).
    pub joined: bool,
    /// Joining reopened a replied or closed request.
    pub reopened: bool,
    /// The customer's other requests, newest first (up to 10).
    pub earlier_requests: Vec<Request>,
    /// The message was an opt-out (STOP by SMS): the customer's consent to SMS was withdrawn
    /// in the same commit.
    pub unsubscribed: bool,
}

/// The sender's contact points, validated.
struct SenderKeys {
    contacts: Vec<ContactInput>,
    keys: Vec<String>,
}

impl Session {
    /// Takes in a message: resolves the sender (creating a lead when unknown, flagging a
    /// possible duplicate when the sender matches several customers), joins it to the open
    /// request of the same thread or channel window (reopening a closed one), or opens a new
    /// request routed by the workspace's rules. Taking in the same (channel, external id)
    /// twice returns the first outcome and changes nothing. One commit; retried on conflict,
    /// so concurrent messages from one new sender end with one customer.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a message without a usable sender or over the limits.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "intake", record = tracing::field::Empty))]
    pub async fn intake(&self, message: InboundMessage) -> Result<IntakeOutcome> {
        self.check(Permission::Intake, None)?;
        let sender = self.validate_message(&message)?;
        let message = &message;
        let sender = &sender;
        let mut reroutes = 0;
        let outcome = loop {
            let tried = retry_on_conflict(RetryOn::AnyConflict, move || async move {
                self.intake_once(message, sender).await
            })
            .await;
            match tried {
                // The person a routing rule named was deactivated between routing and the
                // commit (their assignment fence moved on): route again, around them.
                Err(e) if refused_as_inactive(&e) && reroutes < REROUTES => reroutes += 1,
                other => break other?,
            }
        };
        tracing::Span::current().record("record", tracing::field::display(outcome.request.id));
        Ok(outcome)
    }

    fn validate_message(&self, m: &InboundMessage) -> Result<SenderKeys> {
        limits::required("external_id", &m.external_id, MAX_EXTERNAL_ID)?;
        if let Some(thread) = &m.thread {
            limits::required("thread", thread, MAX_EXTERNAL_ID)?;
        }
        if let Some(subject) = &m.subject {
            limits::line("subject", subject, MAX_SUBJECT)?;
        }
        limits::text("body", &m.body, MAX_BODY)?;
        if let Some(category) = &m.category {
            limits::line("category", category, limits::MAX_LABEL)?;
        }
        limits::count("attachments", m.attachments.len(), MAX_ATTACHMENTS)?;
        for a in &m.attachments {
            limits::required("attachment.name", &a.name, 255)?;
            limits::required("attachment.media_type", &a.media_type, 255)?;
        }
        if let Some(name) = &m.sender.name {
            limits::line("sender.name", name, MAX_NAME)?;
        }
        let mut contacts = Vec::new();
        if let Some(email) = &m.sender.email {
            contacts.push(ContactInput::new(ContactKind::Email, email));
        }
        if let Some(phone) = &m.sender.phone {
            contacts.push(ContactInput::new(ContactKind::Mobile, phone));
        }
        if let Some((network, handle)) = &m.sender.handle {
            contacts.push(ContactInput::new(ContactKind::Social(*network), handle));
        }
        if contacts.is_empty() {
            return Err(Error::invalid(
                "sender",
                "an email, a phone number or a handle is needed",
            ));
        }
        let mut keys = Vec::new();
        for c in &contacts {
            limits::required(
                &format!("sender.{}", c.kind),
                &c.value,
                limits::MAX_CONTACT_VALUE,
            )?;
            let key = canonical_key(c.kind, &c.value, self.region)?;
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if let Some((SocialNetwork::WhatsApp, handle)) = &m.sender.handle {
            // A WhatsApp sender is a phone number: the customer may be known by it.
            let tel = canonical_key(ContactKind::Mobile, handle, self.region)?;
            if !keys.contains(&tel) {
                keys.push(tel);
            }
        }
        Ok(SenderKeys { contacts, keys })
    }

    async fn intake_once(&self, m: &InboundMessage, sender: &SenderKeys) -> Result<IntakeOutcome> {
        let msg_key = message_key(m.channel, &m.external_id);
        if let Some(request) = self
            .store()
            .holder_of::<crate::request::Request>(self.ws, &msg_key)
            .await?
        {
            let (customer, earlier) = match request.customer {
                Some(id) => {
                    let customer = self.customer(id).await?;
                    let earlier = self.recent_requests(customer.id).await?;
                    (Some(customer), earlier)
                }
                None => (None, Vec::new()),
            };
            let mut done = outcome(request, customer, false, true, false, false);
            done.earlier_requests = earlier_than(earlier, &done.request);
            return Ok(done);
        }
        let settings = self.settings().await?;
        let now = self.now();
        let received_at = m.received_at.map_or(now, truncate);
        let mut matched = std::collections::BTreeMap::new();
        for key in &sender.keys {
            if let Some(c) = self
                .store()
                .holder_of::<crate::customer::Customer>(self.ws, key)
                .await?
            {
                matched.insert(c.id, c);
            }
        }
        let mut commit = Commit::new();
        let candidates: BTreeSet<CustomerId> = matched.keys().copied().collect();
        let (customer, new_customer) = match matched.len() {
            0 => (Some(self.lead_from(m, sender, now, &mut commit)?), true),
            1 => (matched.into_values().next(), false),
            _ => (None, false),
        };
        let (customer, unsubscribed) = match customer {
            Some(c) if !new_customer => self.opt_out(m, c, now, &mut commit),
            other => (other, false),
        };
        let recent = match (&customer, new_customer) {
            (Some(c), false) => self.recent_requests(c.id).await?,
            _ => Vec::new(),
        };
        let interaction = customer.as_ref().map(|c| Interaction {
            id: InteractionId(self.new_id()),
            version: 1,
            customer: c.id,
            channel: m.channel,
            direction: Direction::Inbound,
            occurred_at: received_at,
            subject: m.subject.clone(),
            body: m.body.clone(),
            staff: None,
            external_id: Some(m.external_id.clone()),
            attachments: m.attachments.clone(),
            recorded_at: now,
        });
        let existing = self.joinable(m, &recent, received_at, &settings).await?;
        let (mut request, joined, reopened) = match existing {
            Some(mut request) => {
                let reopened = self.join(
                    &mut request,
                    m,
                    interaction.as_ref(),
                    received_at,
                    &settings,
                )?;
                request.message_keys.insert(msg_key);
                if reopened {
                    request.holder = self
                        .holder_on_return(&mut commit, request.holder, request.department)
                        .await?;
                }
                (request, true, reopened)
            }
            None => {
                let mut request = self
                    .open_request(
                        m,
                        customer.as_ref(),
                        candidates,
                        received_at,
                        &settings,
                        &mut commit,
                    )
                    .await?;
                request.message_keys.insert(msg_key);
                if let Some(i) = &interaction {
                    request.messages.push(i.id);
                } else {
                    request.pending.push(pending(m, received_at));
                }
                (request, false, false)
            }
        };
        let action = match (joined, reopened) {
            (false, _) => AuditAction::Created,
            (true, true) => AuditAction::Reopened,
            (true, false) => AuditAction::MessageAdded,
        };
        // What carries the request's number is written last, right after the number is
        // taken: concurrent intakes race for the counter only for that short while, and a
        // lost race takes the next number at once instead of doing the whole intake again.
        let mut tries = 0;
        loop {
            let mut numbered = commit.clone();
            if !joined {
                request.number = self.take_number(&mut numbered).await?;
            }
            self.finish_intake(&mut numbered, m, &request, interaction.as_ref(), action)
                .await?;
            match self.commit(numbered).await {
                Ok(()) => break,
                Err(Error::Conflict(Conflict::StaleVersion { kind, .. }))
                    if kind == RecordKind::COUNTER && !joined && tries < NUMBER_TRIES =>
                {
                    tries += 1
                }
                Err(e) => return Err(e),
            }
        }
        let mut done = outcome(request, customer, new_customer, false, joined, reopened);
        done.earlier_requests = earlier_than(recent, &done.request);
        done.unsubscribed = unsubscribed;
        Ok(done)
    }

    /// When `m` is an SMS opt-out ([`crate::customer::is_opt_out`]) from a customer whose
    /// consent to SMS is not already withdrawn, withdraws it in `commit`, audited.
    fn opt_out(
        &self,
        m: &InboundMessage,
        mut customer: Customer,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> (Option<Customer>, bool) {
        let withdrawn = customer
            .consent
            .get(&Channel::Sms)
            .is_some_and(|c| !c.granted);
        if m.channel != Channel::Sms || withdrawn || !crate::customer::is_opt_out(&m.body) {
            return (Some(customer), false);
        }
        customer.consent.insert(
            Channel::Sms,
            crate::customer::Consent {
                granted: false,
                at: now,
            },
        );
        customer.version += 1;
        customer.updated_at = now;
        commit.put(customer.clone());
        self.audit(
            commit,
            AuditAction::Updated,
            customer_ref(customer.id),
            "consent to sms withdrawn: the customer texted an opt-out",
        );
        (Some(customer), true)
    }

    /// Takes the next request number: the counter's next value, its update put in `commit`.
    async fn take_number(&self, commit: &mut Commit) -> Result<u64> {
        let mut counter = self
            .store()
            .load::<Counter>(self.ws, Counter::REQUEST_NUMBERS)
            .await?
            .unwrap_or(Counter {
                id: Counter::REQUEST_NUMBERS,
                version: 0,
                value: 0,
            });
        counter.version += 1;
        counter.value += 1;
        let number = counter.value;
        commit.put(counter);
        Ok(number)
    }

    /// Adds what names the request by number to `commit`: the message's interaction and its
    /// audit entry, the request's audit entry, the notifications, the request itself.
    async fn finish_intake(
        &self,
        commit: &mut Commit,
        m: &InboundMessage,
        request: &Request,
        interaction: Option<&Interaction>,
        action: AuditAction,
    ) -> Result<()> {
        if let Some(i) = interaction {
            let record = RecordRef {
                kind: RecordKind::INTERACTION,
                id: i.id.0,
            };
            self.audit(
                commit,
                AuditAction::InteractionRecorded,
                record,
                &format!("request #{}", request.number),
            );
            commit.put(i.clone());
        }
        self.audit(
            commit,
            action,
            request_ref(request.id),
            &format!("{} {}", m.channel, m.external_id),
        );
        let event = match action {
            AuditAction::Created => "request.assigned",
            AuditAction::Reopened => "request.reopened",
            _ => "request.customer_wrote",
        };
        self.notify_request(commit, request, event, &[]).await?;
        let public = match action {
            AuditAction::Created => "request.created",
            AuditAction::Reopened => "request.reopened",
            _ => "request.message_added",
        };
        self.emit(commit, public, request_ref(request.id), request);
        commit.put(request.clone());
        Ok(())
    }

    /// A new lead from the sender's contact points and name.
    fn lead_from(
        &self,
        m: &InboundMessage,
        sender: &SenderKeys,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<Customer> {
        let name = m
            .sender
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let (given, family) = match name {
            Some(n) => match n.rsplit_once(' ') {
                Some((g, f)) => (g.trim().to_owned(), f.to_owned()),
                None => (n.to_owned(), String::new()),
            },
            None => (fallback_name(m), String::new()),
        };
        let customer = Customer {
            id: CustomerId(self.new_id()),
            version: 1,
            party: Party::Person {
                given_name: given,
                family_name: family,
                organisation: None,
            },
            stage: LifecycleStage::Lead,
            owner: None,
            tags: BTreeSet::new(),
            fields: Default::default(),
            occasions: Vec::new(),
            consent: Default::default(),
            contacts: super::contacts::parse_contacts(&sender.contacts, self.region)?,
            merged_into: None,
            created_at: now,
            updated_at: now,
        };
        commit.put(customer.clone());
        self.audit(
            commit,
            AuditAction::Created,
            customer_ref(customer.id),
            &format!("from {} intake", m.channel),
        );
        self.emit(
            commit,
            "customer.created",
            customer_ref(customer.id),
            &customer,
        );
        Ok(customer)
    }

    /// The customer's latest requests, newest first (enough for joining and for the outcome's
    /// earlier requests).
    async fn recent_requests(&self, customer: CustomerId) -> Result<Vec<Request>> {
        let page = PageRequest::first(11);
        let view = RequestView::Customer(customer);
        Ok(crate::request::view(self.store(), self.ws, &view, &page)
            .await?
            .items)
    }

    /// The request this message continues: the thread's, or the customer's latest (of
    /// `recent`) on the same channel within the window.
    async fn joinable(
        &self,
        m: &InboundMessage,
        recent: &[Request],
        received_at: DateTime<Utc>,
        settings: &WorkspaceSettings,
    ) -> Result<Option<Request>> {
        if let Some(thread) = &m.thread
            && let Some(r) = self
                .store()
                .holder_of::<Request>(self.ws, &thread_key(m.channel, thread))
                .await?
        {
            return Ok(Some(r));
        }
        let window = Duration::minutes(i64::from(settings.intake_window_minutes));
        // The latest request on this channel continues when the message is within the window,
        // or when that request is waiting for exactly this: the customer's answer.
        Ok(recent
            .iter()
            .filter(|r| r.channel == m.channel && r.thread.is_none())
            .take(1)
            .find(|r| {
                received_at - r.last_message_at <= window
                    || r.status == RequestStatus::WaitingOnCustomer
            })
            .cloned())
    }

    /// Adds a message to an existing request; returns whether it reopened it.
    fn join(
        &self,
        request: &mut Request,
        m: &InboundMessage,
        interaction: Option<&Interaction>,
        received_at: DateTime<Utc>,
        settings: &WorkspaceSettings,
    ) -> Result<bool> {
        let before = request.status;
        let after = before
            .allows(RequestAction::CustomerWrote)
            .unwrap_or(before);
        if before == RequestStatus::WaitingOnCustomer {
            request.sla.resume(
                &settings.sla,
                request.priority,
                request.received_at,
                self.now(),
            )?;
        }
        request.status = after;
        request.version += 1;
        request.updated_at = self.now();
        request.last_message_at = request.last_message_at.max(received_at);
        match interaction {
            Some(i) => request.messages.push(i.id),
            None => request.pending.push(pending(m, received_at)),
        }
        let reopened = after == RequestStatus::Reopened && before != RequestStatus::Reopened;
        if reopened {
            // A fresh resolution deadline from now; the original first response stands.
            let target = settings.sla.target(request.priority);
            let minutes = Duration::minutes(i64::from(target.resolution_minutes));
            request.sla.resolution_due = settings
                .sla
                .calendar
                .add_business_time(self.now(), minutes)
                .map_err(|e| Error::invalid("sla.calendar", e.to_string()))?;
            request.sla.resolved_at = None;
            request.sla.warned = false;
            request.reopened += 1;
            request.closed_at = None;
        }
        Ok(reopened)
    }

    /// A new request for the message, routed (numbered later, see `intake_once`).
    async fn open_request(
        &self,
        m: &InboundMessage,
        customer: Option<&Customer>,
        candidates: BTreeSet<CustomerId>,
        received_at: DateTime<Utc>,
        settings: &WorkspaceSettings,
        commit: &mut Commit,
    ) -> Result<Request> {
        let now = self.now();
        let text = format!("{}\n{}", m.subject.as_deref().unwrap_or(""), m.body);
        let route = self
            .route(m.channel, m.category.as_deref(), &text, customer, commit)
            .await?;
        let priority = route.priority.unwrap_or(Priority::Normal);
        let sla = ServiceLevel::start(&settings.sla, priority, received_at)?;
        let subject = m
            .subject
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| summary(&m.body));
        Ok(Request {
            id: RequestId(self.new_id()),
            version: 1,
            // Taken right before the commit (see `intake_once`).
            number: 0,
            customer: customer.map(|c| c.id),
            candidates: if customer.is_none() {
                candidates.into_iter().collect()
            } else {
                Vec::new()
            },
            channel: m.channel,
            thread: m.thread.clone(),
            subject,
            category: route
                .category
                .or_else(|| m.category.as_deref().map(normalize_text)),
            priority,
            line: route.line.unwrap_or(SupportLine::First),
            status: RequestStatus::New,
            holder: route.holder.unwrap_or(Holder::Officers),
            department: route.department,
            officer: None,
            followers: BTreeSet::new(),
            referrals: Vec::new(),
            escalated: false,
            answer: None,
            reviews: Vec::new(),
            reply: None,
            satisfaction: None,
            messages: Vec::new(),
            message_keys: BTreeSet::new(),
            pending: Vec::new(),
            sla,
            received_at,
            last_message_at: received_at,
            reopened: 0,
            created_at: now,
            updated_at: now,
            closed_at: None,
        })
    }
}

/// The customer's requests other than `request`, newest first, at most 10.
fn earlier_than(recent: Vec<Request>, request: &Request) -> Vec<Request> {
    recent
        .into_iter()
        .filter(|r| r.id != request.id)
        .take(10)
        .collect()
}

fn outcome(
    request: Request,
    customer: Option<Customer>,
    new_customer: bool,
    duplicate_delivery: bool,
    joined: bool,
    reopened: bool,
) -> IntakeOutcome {
    IntakeOutcome {
        request,
        customer,
        new_customer,
        duplicate_delivery,
        joined,
        reopened,
        earlier_requests: Vec::new(),
        unsubscribed: false,
    }
}

fn pending(m: &InboundMessage, received_at: DateTime<Utc>) -> PendingMessage {
    PendingMessage {
        channel: m.channel,
        external_id: m.external_id.clone(),
        subject: m.subject.clone(),
        body: m.body.clone(),
        received_at,
        attachments: m.attachments.clone(),
    }
}

/// A name for a sender who gave none: the email's local part, else the handle or number.
fn fallback_name(m: &InboundMessage) -> String {
    let s = &m.sender;
    s.email
        .as_deref()
        .and_then(|e| e.trim().split('@').next())
        .map(str::to_owned)
        .or_else(|| {
            s.handle
                .as_ref()
                .map(|(_, h)| h.trim().trim_start_matches('@').to_owned())
        })
        .or_else(|| s.phone.as_ref().map(|p| p.trim().to_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Unknown".to_owned())
}

/// The first words of a body, as a subject for channels without one.
fn summary(body: &str) -> String {
    let line = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut s: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        s.push('…');
    }
    if s.is_empty() {
        "(no subject)".to_owned()
    } else {
        s
    }
}
