//! Customer requests (tickets) and their life in the electronic cartable.
//!
//! A request is opened by intake from any channel, lands in a cartable (a staff member's, a
//! department's queue, or the officers'), is referred between staff with notes, resolved with
//! an answer, reviewed by an officer (maker-checker), and the approved answer is replied to
//! the customer. [`RequestStatus::allows`] is the state machine.

mod indexes;
pub mod routing;
mod sla;
mod status;
mod views;

pub use indexes::{
    AWAITING_REVIEW, BY_CREATED, BY_CUSTOMER, BY_DUE, BY_FOLLOWER, BY_HOLDER, POSSIBLE_DUPLICATES,
    holder_key, rank_key,
};
pub use routing::{Assignment, RoutingActions, RoutingConditions, RoutingRule};
pub use sla::{ServiceLevel, SlaPolicy, SlaTarget};
pub use status::{RequestAction, RequestStatus};
pub use views::{RequestView, view};

use crate::audit::Actor;
use crate::channel::Channel;
use crate::id::{CustomerId, DepartmentId, InteractionId, RequestId, StaffId};
use crate::interaction::Attachment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How urgent a request is. Cartables sort by priority (urgent first), then due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever there is time.
    Low,
    /// The default.
    Normal,
    /// Before the normal ones.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// Sort rank: 0 for urgent, 3 for low.
    pub fn rank(self) -> u8 {
        match self {
            Self::Urgent => 0,
            Self::High => 1,
            Self::Normal => 2,
            Self::Low => 3,
        }
    }

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = crate::channel::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| crate::channel::UnknownName(s.to_owned()))
    }
}

/// First-line support answers the common questions; second-line the specialist ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportLine {
    /// First line.
    First,
    /// Second line.
    Second,
}

/// Whose cartable a request is in.
///
/// Serialised adjacently tagged (`{"type": "staff", "id": "..."}`, `{"type": "officers"}`);
/// read back also from the positional form, where `officers` is one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Holder {
    /// The customer-relations officers' shared cartable.
    Officers,
    /// A department's queue.
    Department(DepartmentId),
    /// One staff member.
    Staff(StaffId),
}

impl<'de> Deserialize<'de> for Holder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Tagged {
            #[serde(rename = "type")]
            tag: String,
            #[serde(default)]
            id: Option<uuid::Uuid>,
        }
        let Tagged { tag, id } = Tagged::deserialize(deserializer)?;
        match (tag.as_str(), id) {
            ("officers", _) => Ok(Self::Officers),
            ("department", Some(id)) => Ok(Self::Department(DepartmentId(id))),
            ("staff", Some(id)) => Ok(Self::Staff(StaffId(id))),
            ("department" | "staff", None) => Err(serde::de::Error::missing_field("id")),
            (other, _) => Err(serde::de::Error::unknown_variant(
                other,
                &["officers", "department", "staff"],
            )),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Officers => f.write_str("officers"),
            Holder::Department(d) => write!(f, "department:{d}"),
            Holder::Staff(s) => write!(f, "staff:{s}"),
        }
    }
}

/// One hop of a request from one cartable to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Where it was.
    pub from: Holder,
    /// Where it went.
    pub to: Holder,
    /// The note that went with it.
    pub note: String,
    /// Who referred it (a person, or the system when escalating).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// True when `to` had held the request before (ping-pong).
    pub ping_pong: bool,
}

/// The answer a holder resolved the request with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The text for the customer.
    pub text: String,
    /// Who wrote it.
    pub by: StaffId,
    /// When.
    pub at: DateTime<Utc>,
}

/// An officer's review of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Approved (true) or returned (false).
    pub approved: bool,
    /// The reviewer's note.
    pub note: String,
    /// Who reviewed.
    pub by: StaffId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The reply sent to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The channel it went out on.
    pub channel: Channel,
    /// The outbound interaction recording it.
    pub interaction: InteractionId,
    /// The officer who sent it.
    pub by: StaffId,
    /// When.
    pub at: DateTime<Utc>,
}

/// The customer's rating after the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// 1 (bad) to 5 (excellent).
    pub rating: u8,
    /// What the customer said.
    #[serde(default)]
    pub comment: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A message kept on a request whose sender matched several customers: it becomes an
/// interaction once an officer decides whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMessage {
    /// The channel.
    pub channel: Channel,
    /// The channel's message id.
    pub external_id: String,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// Text.
    pub body: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Attachment metadata.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A customer request (ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Request {
    /// The id.
    pub id: RequestId,
    /// Optimistic version.
    pub version: u64,
    /// Human-readable number, unique per workspace (shown as `#123`).
    pub number: u64,
    /// The customer; `None` while a possible duplicate awaits an officer's decision.
    pub customer: Option<CustomerId>,
    /// The customers the sender matched, when more than one (a possible duplicate).
    #[serde(default)]
    pub candidates: Vec<CustomerId>,
    /// The channel it came in on.
    pub channel: Channel,
    /// The channel's thread id (email References/In-Reply-To root, chat id), if any.
    #[serde(default)]
    pub thread: Option<String>,
    /// Subject.
    pub subject: String,
    /// Category (normalised), set by routing or staff.
    #[serde(default)]
    pub category: Option<String>,
    /// Priority.
    pub priority: Priority,
    /// Support line.
    pub line: SupportLine,
    /// Status.
    pub status: RequestStatus,
    /// Whose cartable it is in.
    pub holder: Holder,
    /// The department responsible, if any.
    #[serde(default)]
    pub department: Option<DepartmentId>,
    /// The officer who reviews the answer (the first officer who handled it); any officer
    /// when `None`.
    #[serde(default)]
    pub officer: Option<StaffId>,
    /// Staff members notified of every transition.
    #[serde(default)]
    pub followers: BTreeSet<StaffId>,
    /// Every hop, oldest first.
    #[serde(default)]
    pub referrals: Vec<Referral>,
    /// Escalated to a manager after too many hops.
    #[serde(default)]
    pub escalated: bool,
    /// The current answer.
    #[serde(default)]
    pub answer: Option<Answer>,
    /// Every review, oldest first.
    #[serde(default)]
    pub reviews: Vec<Review>,
    /// The reply sent.
    #[serde(default)]
    pub reply: Option<Reply>,
    /// The customer's rating.
    #[serde(default)]
    pub satisfaction: Option<Satisfaction>,
    /// Inbound and outbound interactions of this request, oldest first.
    #[serde(default)]
    pub messages: Vec<InteractionId>,
    /// `msg:<channel>:<external id>` of every message taken in: a message is taken in once.
    #[serde(default)]
    pub message_keys: BTreeSet<String>,
    /// Messages waiting for an officer to decide whose they are.
    #[serde(default)]
    pub pending: Vec<PendingMessage>,
    /// Service-level clock.
    pub sla: ServiceLevel,
    /// When the first message arrived.
    pub received_at: DateTime<Utc>,
    /// When the latest message arrived.
    pub last_message_at: DateTime<Utc>,
    /// Times it was reopened by the customer writing again.
    #[serde(default)]
    pub reopened: u32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// When closed.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
}

impl Request {
    /// A new request `id` numbered `number`, on `channel` about `subject`, received at `at`
    /// with the service level `sla`: version 1, status new, in the officers' cartable, normal
    /// priority, first line, with no customer, messages, referrals or answer. Intake creates
    /// requests; this is for stores' tests and imports of stored records.
    pub fn new(
        id: RequestId,
        number: u64,
        channel: Channel,
        subject: &str,
        sla: ServiceLevel,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            version: 1,
            number,
            customer: None,
            candidates: Vec::new(),
            channel,
            thread: None,
            subject: subject.to_owned(),
            category: None,
            priority: Priority::Normal,
            line: SupportLine::First,
            status: RequestStatus::New,
            holder: Holder::Officers,
            department: None,
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
            received_at: at,
            last_message_at: at,
            reopened: 0,
            created_at: at,
            updated_at: at,
            closed_at: None,
        }
    }

    /// Hops so far.
    pub fn hops(&self) -> usize {
        self.referrals.len()
    }

    /// Hops that went back to an earlier holder.
    pub fn ping_pongs(&self) -> usize {
        self.referrals.iter().filter(|r| r.ping_pong).count()
    }

    /// Bounced: three or more hops, or a ping-pong.
    pub fn bounced(&self) -> bool {
        self.hops() >= 3 || self.ping_pongs() > 0
    }

    /// In someone's cartable: not yet replied or closed.
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }

    /// A possible duplicate waiting for an officer.
    pub fn is_possible_duplicate(&self) -> bool {
        self.customer.is_none() && !self.candidates.is_empty()
    }

    /// The deadline it is working against now (see [`ServiceLevel::current_due`]).
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.sla.current_due()
    }

    /// The due time cartables sort by: [`Request::due_at`], or 9999-12-31 when there is none.
    pub fn sort_due(&self) -> DateTime<Utc> {
        self.due_at().unwrap_or_else(far_future)
    }

    /// Every holder it has had, first to current (a holder taking a request from a queue
    /// counts), without consecutive repeats.
    pub fn holders(&self) -> Vec<Holder> {
        let mut holders: Vec<Holder> = Vec::new();
        let hops = self.referrals.iter().flat_map(|r| [r.from, r.to]);
        for h in hops.chain([self.holder]) {
            if holders.last() != Some(&h) {
                holders.push(h);
            }
        }
        holders
    }

    /// The unique keys the request claims: its number, its messages and its thread.
    pub fn unique_keys(&self) -> Vec<String> {
        let mut keys = vec![number_key(self.number)];
        keys.extend(self.message_keys.iter().cloned());
        if let Some(thread) = &self.thread {
            keys.push(thread_key(self.channel, thread));
        }
        keys
    }
}

/// 9999-12-31T23:59:59Z: the sort time of "no deadline".
pub fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The unique key of request number `n`.
pub fn number_key(n: u64) -> String {
    format!("request-no:{n}")
}

/// The unique key of a message taken in.
pub fn message_key(channel: Channel, external_id: &str) -> String {
    format!("msg:{channel}:{external_id}")
}

/// The unique key of a conversation thread.
pub fn thread_key(channel: Channel, thread: &str) -> String {
    format!("thread:{channel}:{thread}")
}
