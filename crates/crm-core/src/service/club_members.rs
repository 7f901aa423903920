//! Club programmes and memberships: joining, finding a card by number, customer or contact
//! point, suspending, resuming and ending.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::club::{
    CARD_BY_CUSTOMER, Card, CardId, CardNumber, EarningRule, EntryId, EntryKind, EntrySource,
    ExpiryPolicy, LotId, MembershipStatus, Programme, ProgrammeId, ReferralTerms, RefundPolicy,
    TierChange, TierReason, TierRules, ledger,
};
use crate::customer::{ContactKind, canonical_key};
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::record::{Key, RecordRef};
use crate::staff::Role;
use crate::store::{Commit, PageRequest, Scan, StoreExt};

/// A programme to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    /// Its name.
    pub name: String,
    /// The first four digits of its card numbers.
    pub card_prefix: u16,
    /// How points are earned.
    pub rules: Vec<EarningRule>,
    /// When they expire.
    pub expiry: ExpiryPolicy,
    /// Days before expiry members are told (0: never).
    pub notice_days: u32,
    /// What refunds of spent points do.
    pub refund_policy: RefundPolicy,
    /// Seconds a hold lives.
    pub hold_seconds: u32,
    /// Tiers.
    pub tiers: TierRules,
    /// Referral terms.
    pub referrals: ReferralTerms,
}

impl NewProgramme {
    /// A programme named `name` with no rules, points that never expire, debt on refunds,
    /// 15-minute holds, one tier and no referral rewards.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            card_prefix: 6037,
            rules: Vec::new(),
            expiry: ExpiryPolicy::Never,
            notice_days: 0,
            refund_policy: RefundPolicy::AllowDebt,
            hold_seconds: 900,
            tiers: TierRules::single(),
            referrals: ReferralTerms::default(),
        }
    }
}

/// A card's points, read from the card alone (no entries are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Balance {
    /// The sum of the entries.
    pub balance: i64,
    /// Reserved by open holds.
    pub held: i64,
    /// May be held or redeemed now.
    pub available: i64,
    /// Owed after refunds of spent points.
    pub debt: i64,
}

impl Session {
    /// Creates a club programme.
    ///
    /// # Errors
    /// [`Error::Invalid`] for bad settings; [`Error::AlreadyExists`] for a taken name;
    /// [`Error::Unauthorized`] unless an administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_programme"))]
    pub async fn create_programme(&self, new: NewProgramme) -> Result<Programme> {
        self.check(Permission::ConfigureSales, None)?;
        let now = self.now();
        let programme = Programme {
            id: ProgrammeId(self.new_id()),
            version: 1,
            name: new.name.trim().to_owned(),
            card_prefix: new.card_prefix,
            rules: new.rules,
            expiry: new.expiry,
            notice_days: new.notice_days,
            refund_policy: new.refund_policy,
            hold_seconds: new.hold_seconds,
            tiers: new.tiers,
            referrals: new.referrals,
            created_at: now,
            updated_at: now,
        };
        programme.validate()?;
        let mut commit = Commit::new();
        commit.put(programme.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef::to::<Programme>(programme.id.0),
            &programme.name,
        );
        self.commit_claiming(commit).await?;
        Ok(programme)
    }

    /// The programme with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "programme"))]
    pub async fn programme(&self, id: ProgrammeId) -> Result<Programme> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Programme>(self.ws, id.0).await
    }

    /// Every programme of the workspace.
    ///
    /// # Errors
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "programmes"))]
    pub async fn programmes(&self) -> Result<Vec<Programme>> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().all::<Programme>(self.ws).await
    }

    /// Makes `customer` a member of `programme` with a new card (and its joining bonus, in
    /// the same commit). A customer is a member once: joining again returns their card.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown programme or customer; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "join_club", record = %customer))]
    pub async fn join_club(&self, programme: ProgrammeId, customer: CustomerId) -> Result<Card> {
        self.check(Permission::RecordOrders, None)?;
        let programme = self
            .store()
            .fetch::<Programme>(self.ws, programme.0)
            .await?;
        let customer = self.customer(customer).await?.id;
        for _ in 0..8 {
            if let Some(card) = self
                .store()
                .holder_of::<Card>(self.ws, &Card::member_key(programme.id, customer))
                .await?
            {
                return Ok(card);
            }
            let (card, commit) = self.new_card(&programme, customer)?;
            match self.commit(commit).await {
                Ok(()) => return Ok(card),
                // A number taken (try another) or a racing join (found above).
                Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::invalid(
            "card.number",
            "no free card number found; try again",
        ))
    }

    fn new_card(&self, programme: &Programme, customer: CustomerId) -> Result<(Card, Commit)> {
        let now = self.now();
        let random = u64::from_le_bytes(
            self.new_id().as_bytes()[8..16]
                .try_into()
                .unwrap_or_default(),
        );
        let body = u64::from(programme.card_prefix) * 10_000_000 + random % 10_000_000;
        let first = programme
            .tiers
            .tiers
            .first()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let mut card = Card {
            id: CardId(self.new_id()),
            version: 1,
            programme: programme.id,
            customer,
            number: CardNumber::from_body(body)?,
            status: MembershipStatus::Active,
            balance: 0,
            held: 0,
            debt: 0,
            entries: 0,
            tier: first.clone(),
            tier_floor: None,
            below_since: None,
            tier_history: vec![TierChange {
                from: None,
                to: first,
                reason: TierReason::Joined,
                at: now,
            }],
            qualifying: Vec::new(),
            paid_orders: 0,
            referral_rewards: 0,
            joined_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        let bonus = programme.joining_bonus();
        if bonus > 0 {
            let entry = EntryId(self.new_id());
            let expires = programme.expiry.expires_at(now, self.tz);
            let (lot, allocations, debt) =
                ledger::new_lot(&card, LotId(self.new_id()), entry, bonus, now, expires);
            let draft = ledger::Draft {
                kind: EntryKind::Earn,
                points: bonus,
                allocations,
                debt,
                reason: "joining bonus".into(),
                source: EntrySource::Bonus,
            };
            let entry = ledger::post(
                &mut card,
                draft,
                entry,
                self.principal.actor(),
                now,
                Some("joining".into()),
            );
            commit.put(lot).put(entry);
        }
        commit.put(card.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef::to::<Card>(card.id.0),
            card.number.as_str(),
        );
        Ok((card, commit))
    }

    /// The card with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "card"))]
    pub async fn card(&self, id: CardId) -> Result<Card> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Card>(self.ws, id.0).await
    }

    /// The card with the typed `number` (Persian digits and spaces accepted).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed number or wrong check digit; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "card_by_number"))]
    pub async fn card_by_number(&self, number: &str) -> Result<Card> {
        self.check(Permission::ReadCustomers, None)?;
        let number = CardNumber::parse(number)?;
        self.store()
            .holder_of::<Card>(self.ws, &number.key())
            .await?
            .ok_or_else(|| Error::invalid("card.number", "no card has this number"))
    }

    /// Every card of `customer` (one per programme they joined).
    ///
    /// # Errors
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer_cards"))]
    pub async fn customer_cards(&self, customer: CustomerId) -> Result<Vec<Card>> {
        self.check(Permission::ReadCustomers, None)?;
        let scan = Scan::index(CARD_BY_CUSTOMER).prefix(&Key::new().id(customer.0));
        Ok(self
            .store()
            .page::<Card>(self.ws, scan, &PageRequest::first(crate::store::MAX_PAGE))
            .await?
            .items)
    }

    /// The cards of the customer holding a contact point (identity resolution: the same
    /// phone or email finds the same member).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed contact; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "cards_by_contact"))]
    pub async fn cards_by_contact(&self, kind: ContactKind, value: &str) -> Result<Vec<Card>> {
        self.check(Permission::ReadCustomers, None)?;
        let key = canonical_key(kind, value, self.region)?;
        match self.store().customer_by_contact(self.ws, &key).await? {
            Some(customer) => self.customer_cards(customer.id).await,
            None => Ok(Vec::new()),
        }
    }

    /// A card's balance, from the card record alone: constant time however long its ledger.
    ///
    /// # Errors
    /// As [`Session::card`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "club_balance"))]
    pub async fn club_balance(&self, card: CardId) -> Result<Balance> {
        let card = self.card(card).await?;
        Ok(Balance {
            balance: card.balance,
            held: card.held,
            available: card.available(),
            debt: card.debt,
        })
    }

    /// Suspends, resumes (`Active`) or ends a membership. An ended membership stays ended.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an ended membership; [`Error::Unauthorized`] unless a manager
    /// or administrator; as [`Session::card`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_membership", record = %card))]
    pub async fn set_membership(&self, card: CardId, status: MembershipStatus) -> Result<Card> {
        self.require_manager("change memberships")?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut card = self.card(card).await?;
            if card.status == MembershipStatus::Ended {
                return Err(Error::invalid("card.status", "the membership has ended"));
            }
            if card.status == status {
                return Ok(card);
            }
            card.status = status;
            card.bump(self.now());
            let mut commit = Commit::new();
            commit.put(card.clone());
            self.audit(
                &mut commit,
                AuditAction::Updated,
                RecordRef::to::<Card>(card.id.0),
                status.as_str(),
            );
            self.commit(commit).await?;
            Ok(card)
        })
        .await
    }

    /// Refuses anyone but a manager or an administrator.
    pub(super) fn require_manager(&self, what: &str) -> Result<()> {
        let allowed = matches!(&self.principal, crate::access::Principal::Staff(s)
            if s.active && (s.has_role(Role::Manager) || s.has_role(Role::Admin)));
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(None, format!("only a manager may {what}")))
        }
    }
}
