//! How the club's records are stored: their kinds (tags 60 to 67), unique keys, indexes
//! (tags 120 to 131) and SQL columns.

use super::{Card, Hold, HoldStatus, LedgerEntry, Lot, Programme, Referral, Reward, Voucher};
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static PROGRAMME: KindSpec =
    KindSpec::of::<Programme>("club_programme", 60, 1, Some(&PROGRAMME_TABLE));
static CARD: KindSpec = KindSpec::of::<Card>("club_card", 61, 1, Some(&CARD_TABLE));
static ENTRY: KindSpec = KindSpec::of::<LedgerEntry>("club_entry", 62, 1, Some(&ENTRY_TABLE));
static LOT: KindSpec = KindSpec::of::<Lot>("club_lot", 63, 1, Some(&LOT_TABLE));
static HOLD: KindSpec = KindSpec::of::<Hold>("club_hold", 64, 1, Some(&HOLD_TABLE));
static REWARD: KindSpec = KindSpec::of::<Reward>("club_reward", 65, 1, Some(&REWARD_TABLE));
static VOUCHER: KindSpec = KindSpec::of::<Voucher>("club_voucher", 66, 1, Some(&VOUCHER_TABLE));
static REFERRAL: KindSpec = KindSpec::of::<Referral>("club_referral", 67, 1, Some(&REFERRAL_TABLE));

/// Cards by customer.
pub const CARD_BY_CUSTOMER: Index = Index::new(Card::KIND, 120, "club_card_by_customer");
/// Cards by programme and tier: members per tier.
pub const CARD_BY_TIER: Index = Index::new(Card::KIND, 121, "club_card_by_tier");
/// Entries by card and sequence: a card's ledger in order.
pub const ENTRY_BY_CARD: Index = Index::new(LedgerEntry::KIND, 122, "club_entry_by_card");
/// Entries by time: points issued, redeemed and expired per period.
pub const ENTRY_BY_TIME: Index = Index::new(LedgerEntry::KIND, 123, "club_entry_by_time");
/// Lots with points remaining or held, by card in use order (soonest expiry first).
pub const LOT_OPEN_BY_CARD: Index = Index::new(Lot::KIND, 124, "club_lot_open_by_card");
/// Lots with points remaining and an expiry, by expiry: what the worker expires.
pub const LOT_BY_EXPIRY: Index = Index::new(Lot::KIND, 125, "club_lot_by_expiry");
/// Lots with points remaining whose member was not told yet, by expiry: the notices.
pub const LOT_TO_NOTICE: Index = Index::new(Lot::KIND, 126, "club_lot_to_notice");
/// Open holds by expiry: what the worker releases.
pub const HOLD_OPEN_BY_EXPIRY: Index = Index::new(Hold::KIND, 127, "club_hold_open_by_expiry");
/// Holds by card, newest last.
pub const HOLD_BY_CARD: Index = Index::new(Hold::KIND, 128, "club_hold_by_card");
/// Rewards by programme and cost.
pub const REWARD_BY_PROGRAMME: Index = Index::new(Reward::KIND, 129, "club_reward_by_programme");
/// Vouchers by card and issue time.
pub const VOUCHER_BY_CARD: Index = Index::new(Voucher::KIND, 130, "club_voucher_by_card");
/// Referrals by referrer card and time.
pub const REFERRAL_BY_REFERRER: Index =
    Index::new(Referral::KIND, 131, "club_referral_by_referrer");

/// The key of a lot in [`LOT_OPEN_BY_CARD`]: card, then soonest expiry (never last), then
/// oldest.
pub fn lot_use_key(lot: &Lot) -> Key {
    let key = Key::new().id(lot.card.0).bool(lot.expires_at.is_none());
    let key = match lot.expires_at {
        Some(at) => key.time(at),
        None => key.time(lot.earned_at),
    };
    key.time(lot.earned_at)
}

macro_rules! versioned {
    ($t:ty) => {
        fn id(&self) -> Uuid {
            self.id.0
        }
        fn version(&self) -> u64 {
            self.version
        }
    };
}

impl Entity for Programme {
    const KIND: RecordKind = RecordKind::of(&PROGRAMME);
    versioned!(Programme);

    /// Its name ([`Programme::name_key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![Programme::name_key(&self.name)]
    }
}

impl Entity for Card {
    const KIND: RecordKind = RecordKind::of(&CARD);
    versioned!(Card);

    /// Its number, and its customer's membership of its programme.
    fn unique_keys(&self) -> Vec<String> {
        vec![
            self.number.key(),
            Card::member_key(self.programme, self.customer),
        ]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![
            CARD_BY_CUSTOMER.entry(Key::new().id(self.customer.0)),
            CARD_BY_TIER.entry(
                Key::new()
                    .id(self.programme.0)
                    .u8(self.status_rank())
                    .text(&self.tier),
            ),
        ]
    }
}

impl Card {
    /// 0 active, 1 suspended, 2 ended (members per tier count the active).
    fn status_rank(&self) -> u8 {
        match self.status {
            super::MembershipStatus::Active => 0,
            super::MembershipStatus::Suspended => 1,
            super::MembershipStatus::Ended => 2,
        }
    }
}

impl Entity for LedgerEntry {
    const KIND: RecordKind = RecordKind::of(&ENTRY);
    versioned!(LedgerEntry);

    /// Its once-key, if made by one ([`LedgerEntry::once_key`]).
    fn unique_keys(&self) -> Vec<String> {
        self.key
            .iter()
            .map(|k| LedgerEntry::once_key(self.card, k))
            .collect()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![
            ENTRY_BY_CARD.entry(Key::new().id(self.card.0).u64(self.seq)),
            ENTRY_BY_TIME.entry(Key::new().time(self.at)),
        ]
    }
}

impl Entity for Lot {
    const KIND: RecordKind = RecordKind::of(&LOT);
    versioned!(Lot);

    /// The order it was earned on ([`Lot::order_key`]).
    fn unique_keys(&self) -> Vec<String> {
        self.order.map(Lot::order_key).into_iter().collect()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = Vec::new();
        if self.is_open() {
            entries.push(LOT_OPEN_BY_CARD.entry(lot_use_key(self)));
        }
        if let Some(at) = self.expires_at
            && self.remaining > 0
        {
            entries.push(LOT_BY_EXPIRY.entry(Key::new().time(at)));
            if !self.noticed {
                entries.push(LOT_TO_NOTICE.entry(Key::new().time(at)));
            }
        }
        entries
    }
}

impl Entity for Hold {
    const KIND: RecordKind = RecordKind::of(&HOLD);
    versioned!(Hold);

    /// Its key on its card ([`Hold::key_of`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![Hold::key_of(self.card, &self.key)]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries =
            vec![HOLD_BY_CARD.entry(Key::new().id(self.card.0).time(self.created_at))];
        if self.status == HoldStatus::Held {
            entries.push(HOLD_OPEN_BY_EXPIRY.entry(Key::new().time(self.expires_at)));
        }
        entries
    }
}

impl Entity for Reward {
    const KIND: RecordKind = RecordKind::of(&REWARD);
    versioned!(Reward);

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![REWARD_BY_PROGRAMME.entry(Key::new().id(self.programme.0).i64(self.cost))]
    }
}

impl Entity for Voucher {
    const KIND: RecordKind = RecordKind::of(&VOUCHER);
    versioned!(Voucher);

    /// Its code ([`Voucher::code_key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![Voucher::code_key(&self.code)]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![VOUCHER_BY_CARD.entry(Key::new().id(self.card.0).time(self.issued_at))]
    }
}

impl Entity for Referral {
    const KIND: RecordKind = RecordKind::of(&REFERRAL);
    versioned!(Referral);

    /// Its referred customer ([`Referral::referred_key`]): the first code wins.
    fn unique_keys(&self) -> Vec<String> {
        vec![Referral::referred_key(self.referred)]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![REFERRAL_BY_REFERRER.entry(Key::new().id(self.referrer.0).time(self.created_at))]
    }
}

static PROGRAMME_TABLE: Table = Table {
    name: "club_programmes",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("rules", T::Json, &["rules"]),
        Column::new("expiry", T::Json, &["expiry"]),
        Column::new("refund_policy", T::Text, &["refund_policy"]),
        Column::new("tiers", T::Json, &["tiers"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static CARD_TABLE: Table = Table {
    name: "club_cards",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("programme_id", T::Uuid, &["programme"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("number", T::Text, &["number"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("balance", T::BigInt, &["balance"]),
        Column::new("held", T::BigInt, &["held"]),
        Column::new("debt", T::BigInt, &["debt"]),
        Column::new("tier", T::Text, &["tier"]),
        Column::new("joined_at", T::Timestamp, &["joined_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static ENTRY_TABLE: Table = Table {
    name: "club_entries",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("card_id", T::Uuid, &["card"]),
        Column::new("seq", T::BigInt, &["seq"]),
        Column::new("kind", T::Text, &["kind"]),
        Column::new("points", T::BigInt, &["points"]),
        Column::new("debt", T::BigInt, &["debt"]),
        Column::new("balance", T::BigInt, &["balance"]),
        Column::new("reason", T::Text, &["reason"]),
        Column::new("source", T::Json, &["source"]),
        Column::new("actor", T::Json, &["actor"]),
        Column::new("at", T::Timestamp, &["at"]),
    ],
    children: &[],
};

static LOT_TABLE: Table = Table {
    name: "club_lots",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("card_id", T::Uuid, &["card"]),
        Column::new("order_id", T::Uuid, &["order"]),
        Column::new("earned", T::BigInt, &["earned"]),
        Column::new("remaining", T::BigInt, &["remaining"]),
        Column::new("held", T::BigInt, &["held"]),
        Column::new("taken", T::BigInt, &["taken"]),
        Column::new("expired", T::BigInt, &["expired"]),
        Column::new("reversed", T::BigInt, &["reversed"]),
        Column::new("earned_at", T::Timestamp, &["earned_at"]),
        Column::new("expires_at", T::Timestamp, &["expires_at"]),
    ],
    children: &[],
};

static HOLD_TABLE: Table = Table {
    name: "club_holds",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("card_id", T::Uuid, &["card"]),
        Column::new("points", T::BigInt, &["points"]),
        Column::new("key", T::Text, &["key"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("expires_at", T::Timestamp, &["expires_at"]),
    ],
    children: &[],
};

static REWARD_TABLE: Table = Table {
    name: "club_rewards",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("programme_id", T::Uuid, &["programme"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("cost", T::BigInt, &["cost"]),
        Column::new("kind", T::Json, &["kind"]),
        Column::new("active", T::Boolean, &["active"]),
    ],
    children: &[],
};

static VOUCHER_TABLE: Table = Table {
    name: "club_vouchers",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("code", T::Text, &["code"]),
        Column::new("reward_id", T::Uuid, &["reward"]),
        Column::new("card_id", T::Uuid, &["card"]),
        Column::new("issued_at", T::Timestamp, &["issued_at"]),
        Column::new("used_at", T::Timestamp, &["used_at"]),
    ],
    children: &[],
};

static REFERRAL_TABLE: Table = Table {
    name: "club_referrals",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("referrer_card_id", T::Uuid, &["referrer"]),
        Column::new("referred_id", T::Uuid, &["referred"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
    ],
    children: &[],
};
