//! Typed ids (UUID v7) and the generator that makes them.

use chrono::{DateTime, Utc};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use std::sync::Mutex;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A workspace: one organisation's independent slice of a store.
    WorkspaceId
);
typed_id!(
    /// A customer (person or organisation).
    CustomerId
);
typed_id!(
    /// An interaction (one contact with a customer).
    InteractionId
);
typed_id!(
    /// A staff member.
    StaffId
);
typed_id!(
    /// A department.
    DepartmentId
);
typed_id!(
    /// An audit trail entry.
    AuditId
);
typed_id!(
    /// A customer request (ticket).
    RequestId
);
typed_id!(
    /// A routing rule.
    RoutingRuleId
);
typed_id!(
    /// A notification in the outbox.
    OutboxId
);
typed_id!(
    /// A workspace's own message template.
    TemplateId
);
typed_id!(
    /// A sales lead.
    LeadId
);
typed_id!(
    /// A product.
    ProductId
);
typed_id!(
    /// A price list.
    PriceListId
);
typed_id!(
    /// A sales pipeline.
    PipelineId
);
typed_id!(
    /// A deal (an opportunity in a pipeline).
    DealId
);
typed_id!(
    /// An order (a purchase).
    OrderId
);
typed_id!(
    /// A sales goal.
    GoalId
);
typed_id!(
    /// A frozen forecast snapshot.
    ForecastSnapshotId
);
typed_id!(
    /// A task (to-do, call, meeting).
    TaskId
);
typed_id!(
    /// A planned reminder of a task.
    ReminderId
);
typed_id!(
    /// A greeting sent to a customer on an occasion.
    GreetingId
);
typed_id!(
    /// A club programme.
    ProgrammeId
);
typed_id!(
    /// A membership and its card.
    CardId
);
typed_id!(
    /// A ledger entry.
    EntryId
);
typed_id!(
    /// A lot of earned points.
    LotId
);
typed_id!(
    /// A hold (a reservation of points).
    HoldId
);
typed_id!(
    /// A reward of the catalogue.
    RewardId
);
typed_id!(
    /// A voucher code issued for a reward.
    VoucherId
);
typed_id!(
    /// A referral of one customer by another.
    ReferralId
);

/// Makes UUID v7 ids from the service clock's time and a random generator.
///
/// Ids from one generator strictly increase: within one millisecond (or when the clock steps
/// back) the 74 random bits are incremented instead of drawn anew (RFC 9562, method 2), so
/// ordering records by id orders them by creation. With [`IdGenerator::seeded`] the sequence
/// is reproducible for a given sequence of times, which lets tests run the same operations on
/// two stores and compare the results exactly.
#[derive(Debug)]
pub struct IdGenerator {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rng: StdRng,
    last_millis: u64,
    last_random: u128,
}

const RANDOM_BITS: u32 = 74;

impl IdGenerator {
    /// A generator seeded from the operating system.
    pub fn random() -> Self {
        Self::with_rng(StdRng::from_os_rng())
    }

    /// A reproducible generator.
    pub fn seeded(seed: u64) -> Self {
        Self::with_rng(StdRng::seed_from_u64(seed))
    }

    fn with_rng(rng: StdRng) -> Self {
        Self {
            state: Mutex::new(State {
                rng,
                last_millis: 0,
                last_random: 0,
            }),
        }
    }

    /// A new UUID v7 for time `at`, greater than every id this generator made before.
    pub fn next(&self, at: DateTime<Utc>) -> Uuid {
        // A poisoned lock only means another thread panicked mid-draw; the state is fine.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        let (millis, random) = if millis > state.last_millis {
            // Fresh random bits with the top one clear, leaving room to count up.
            let drawn = (u128::from(state.rng.next_u64()) << 64) | u128::from(state.rng.next_u64());
            (millis, drawn & ((1 << (RANDOM_BITS - 1)) - 1))
        } else {
            let next = state.last_random + 1;
            if next >> RANDOM_BITS == 0 {
                (state.last_millis, next)
            } else {
                (state.last_millis + 1, 0)
            }
        };
        state.last_millis = millis;
        state.last_random = random;
        let rand_a = (random >> 62) & 0xfff;
        let rand_b = random & ((1 << 62) - 1);
        let value = (u128::from(millis & 0xffff_ffff_ffff) << 80)
            | (0x7 << 76)
            | (rand_a << 64)
            | (0b10 << 62)
            | rand_b;
        Uuid::from_u128(value)
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_within_a_millisecond_and_when_time_steps_back() {
        let ids = IdGenerator::seeded(1);
        let t = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let mut last = ids.next(t);
        for step in [0, 0, -5, 0, 1, 1, 0] {
            let id = ids.next(t + chrono::Duration::milliseconds(step));
            assert!(id > last, "{id} > {last}");
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            last = id;
        }
    }

    #[test]
    fn seeded_generators_repeat_themselves() {
        let t = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let (a, b) = (IdGenerator::seeded(9), IdGenerator::seeded(9));
        assert_eq!((a.next(t), a.next(t)), (b.next(t), b.next(t)));
    }
}
