//! The typed ids of the club's records.

use uuid::Uuid;

macro_rules! club_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

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

club_id!(
    /// A club programme.
    ProgrammeId
);
club_id!(
    /// A membership and its card.
    CardId
);
club_id!(
    /// A ledger entry.
    EntryId
);
club_id!(
    /// A lot of earned points.
    LotId
);
club_id!(
    /// A hold (a reservation of points).
    HoldId
);
club_id!(
    /// A reward of the catalogue.
    RewardId
);
club_id!(
    /// A voucher code issued for a reward.
    VoucherId
);
club_id!(
    /// A referral of one customer by another.
    ReferralId
);
