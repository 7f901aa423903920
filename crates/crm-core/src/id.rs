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
    /// A notification in the outbox.
    OutboxId
);

/// Makes UUID v7 ids from the service clock's time and a random generator.
///
/// Ids made from later times sort after ids made from earlier ones. With
/// [`IdGenerator::seeded`] the sequence is reproducible for a given sequence of times, which
/// lets tests run the same operations on two stores and compare the results exactly.
#[derive(Debug)]
pub struct IdGenerator {
    rng: Mutex<StdRng>,
}

impl IdGenerator {
    /// A generator seeded from the operating system.
    pub fn random() -> Self {
        Self {
            rng: Mutex::new(StdRng::from_os_rng()),
        }
    }

    /// A reproducible generator.
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// A new UUID v7 whose timestamp is `at`.
    pub fn next(&self, at: DateTime<Utc>) -> Uuid {
        let mut random = [0u8; 10];
        // A poisoned lock only means another thread panicked mid-draw; the RNG state is fine.
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.fill_bytes(&mut random);
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::random()
    }
}
