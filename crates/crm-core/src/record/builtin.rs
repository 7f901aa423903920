//! crm-core's own record kinds and indexes.

use super::{Index, RecordKind};
use crate::activity::{AssignmentFence, Greeting, Reminder, Succession, Task};
use crate::audit::AuditEntry;
use crate::club::{Card, Hold, LedgerEntry, Lot, Programme, Referral, Reward, Voucher};
use crate::counter::Counter;
use crate::customer::Customer;
use crate::interaction::Interaction;
use crate::outbox::OutboxMessage;
use crate::record::Entity;
use crate::request::{Request, RoutingRule};
use crate::sales::{Deal, ForecastSnapshot, Goal, Lead, Order, Pipeline, PriceList, Product};
use crate::staff::{Department, Staff};
use crate::template::MessageTemplate;
use crate::workspace::Workspace;

impl RecordKind {
    /// [`Workspace`].
    pub const WORKSPACE: RecordKind = Workspace::KIND;
    /// [`Customer`].
    pub const CUSTOMER: RecordKind = Customer::KIND;
    /// [`Interaction`].
    pub const INTERACTION: RecordKind = Interaction::KIND;
    /// [`Staff`].
    pub const STAFF: RecordKind = Staff::KIND;
    /// [`Department`].
    pub const DEPARTMENT: RecordKind = Department::KIND;
    /// [`AuditEntry`].
    pub const AUDIT: RecordKind = AuditEntry::KIND;
    /// [`OutboxMessage`].
    pub const OUTBOX: RecordKind = OutboxMessage::KIND;
    /// [`Request`].
    pub const REQUEST: RecordKind = Request::KIND;
    /// [`RoutingRule`].
    pub const ROUTING_RULE: RecordKind = RoutingRule::KIND;
    /// [`Counter`].
    pub const COUNTER: RecordKind = Counter::KIND;
    /// [`MessageTemplate`].
    pub const MESSAGE_TEMPLATE: RecordKind = MessageTemplate::KIND;
    /// [`Lead`].
    pub const LEAD: RecordKind = Lead::KIND;
    /// [`Product`].
    pub const PRODUCT: RecordKind = Product::KIND;
    /// [`PriceList`].
    pub const PRICE_LIST: RecordKind = PriceList::KIND;
    /// [`Pipeline`].
    pub const PIPELINE: RecordKind = Pipeline::KIND;
    /// [`Deal`].
    pub const DEAL: RecordKind = Deal::KIND;
    /// [`Order`].
    pub const ORDER: RecordKind = Order::KIND;
    /// [`Goal`].
    pub const GOAL: RecordKind = Goal::KIND;
    /// [`ForecastSnapshot`].
    pub const FORECAST_SNAPSHOT: RecordKind = ForecastSnapshot::KIND;
    /// [`Task`].
    pub const TASK: RecordKind = Task::KIND;
    /// [`Reminder`].
    pub const REMINDER: RecordKind = Reminder::KIND;
    /// [`Greeting`].
    pub const GREETING: RecordKind = Greeting::KIND;
    /// [`Succession`].
    pub const SUCCESSION: RecordKind = Succession::KIND;
    /// [`AssignmentFence`].
    pub const ASSIGNMENT_FENCE: RecordKind = AssignmentFence::KIND;
    /// [`Programme`].
    pub const CLUB_PROGRAMME: RecordKind = Programme::KIND;
    /// [`Card`].
    pub const CLUB_CARD: RecordKind = Card::KIND;
    /// [`LedgerEntry`].
    pub const CLUB_ENTRY: RecordKind = LedgerEntry::KIND;
    /// [`Lot`].
    pub const CLUB_LOT: RecordKind = Lot::KIND;
    /// [`Hold`].
    pub const CLUB_HOLD: RecordKind = Hold::KIND;
    /// [`Reward`].
    pub const CLUB_REWARD: RecordKind = Reward::KIND;
    /// [`Voucher`].
    pub const CLUB_VOUCHER: RecordKind = Voucher::KIND;
    /// [`Referral`].
    pub const CLUB_REFERRAL: RecordKind = Referral::KIND;

    /// Every kind crm-core declares.
    pub const BUILTIN: &'static [RecordKind] = &[
        Self::WORKSPACE,
        Self::CUSTOMER,
        Self::INTERACTION,
        Self::STAFF,
        Self::DEPARTMENT,
        Self::AUDIT,
        Self::OUTBOX,
        Self::REQUEST,
        Self::ROUTING_RULE,
        Self::COUNTER,
        Self::MESSAGE_TEMPLATE,
        Self::LEAD,
        Self::PRODUCT,
        Self::PRICE_LIST,
        Self::PIPELINE,
        Self::DEAL,
        Self::ORDER,
        Self::GOAL,
        Self::FORECAST_SNAPSHOT,
        Self::TASK,
        Self::REMINDER,
        Self::GREETING,
        Self::SUCCESSION,
        Self::ASSIGNMENT_FENCE,
        Self::CLUB_PROGRAMME,
        Self::CLUB_CARD,
        Self::CLUB_ENTRY,
        Self::CLUB_LOT,
        Self::CLUB_HOLD,
        Self::CLUB_REWARD,
        Self::CLUB_VOUCHER,
        Self::CLUB_REFERRAL,
    ];
}

/// Every index crm-core declares.
pub const BUILTIN_INDEXES: &[Index] = &[
    crate::customer::BY_TOKEN,
    crate::customer::BY_STAGE,
    crate::customer::BY_OWNER,
    crate::customer::BY_TAG,
    crate::interaction::BY_CUSTOMER,
    crate::audit::BY_RECORD,
    crate::outbox::BY_STATUS,
    crate::outbox::DUE,
    crate::request::BY_HOLDER,
    crate::request::AWAITING_REVIEW,
    crate::request::BY_FOLLOWER,
    crate::request::BY_DUE,
    crate::request::POSSIBLE_DUPLICATES,
    crate::request::BY_CUSTOMER,
    crate::request::BY_CREATED,
    crate::sales::LEAD_BY_STATUS,
    crate::sales::LEAD_BY_OWNER,
    crate::sales::LEAD_BY_QUALIFIED,
    crate::sales::DEAL_OPEN_BY_OWNER,
    crate::sales::DEAL_OPEN_BY_DEPARTMENT,
    crate::sales::DEAL_OPEN_BY_PIPELINE,
    crate::sales::DEAL_CLOSED,
    crate::sales::DEAL_BY_CUSTOMER,
    crate::sales::DEAL_OPEN_BY_CLOSE,
    crate::sales::ORDER_BY_CUSTOMER,
    crate::sales::ORDER_BY_TIME,
    crate::sales::SNAPSHOT_BY_PERIOD,
    crate::sales::GOAL_BY_PERIOD,
    crate::activity::TASK_OPEN_BY_ASSIGNEE,
    crate::activity::TASK_OPEN_BY_DUE,
    crate::activity::TASK_BY_LINK,
    crate::activity::TASK_BY_FOLLOWER,
    crate::activity::TASK_BY_SERIES,
    crate::activity::REMINDER_PLANNED,
    crate::activity::REMINDER_BY_TASK,
    crate::activity::CUSTOMER_BY_OCCASION,
    crate::activity::GREETING_BY_CUSTOMER,
    crate::club::CARD_BY_CUSTOMER,
    crate::club::CARD_BY_TIER,
    crate::club::ENTRY_BY_CARD,
    crate::club::ENTRY_BY_TIME,
    crate::club::LOT_OPEN_BY_CARD,
    crate::club::LOT_BY_EXPIRY,
    crate::club::LOT_TO_NOTICE,
    crate::club::HOLD_OPEN_BY_EXPIRY,
    crate::club::HOLD_BY_CARD,
    crate::club::REWARD_BY_PROGRAMME,
    crate::club::VOUCHER_BY_CARD,
    crate::club::REFERRAL_BY_REFERRER,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tags_and_names_are_unique_and_names_round_trip() {
        let tags: HashSet<u16> = RecordKind::BUILTIN.iter().map(|k| k.tag()).collect();
        assert_eq!(tags.len(), RecordKind::BUILTIN.len());
        for kind in RecordKind::BUILTIN {
            assert_eq!(RecordKind::named(kind.as_str()), Some(*kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
            let back: RecordKind = serde_json::from_value(json).unwrap();
            assert_eq!(back, *kind);
        }
        let index_tags: HashSet<u16> = BUILTIN_INDEXES.iter().map(|i| i.tag()).collect();
        assert_eq!(index_tags.len(), BUILTIN_INDEXES.len());
        assert!(serde_json::from_str::<RecordKind>("\"no_such_kind\"").is_err());
    }
}
