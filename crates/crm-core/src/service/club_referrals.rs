//! Referrals: the first valid code a customer gives wins; the referrer earns when the
//! referred customer's first order is paid, up to the programme's cap; referring oneself
//! (the same customer, or the same phone or email) is refused.

use super::Session;
use super::club_ledger::Earning;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::club::{Card, EntrySource, Programme, Referral, ReferralId, ReferralStatus};
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::record::RecordRef;
use crate::store::{Commit, StoreExt};

impl Session {
    /// Records that `customer` was referred by the member whose card number is `code`. The
    /// first valid code wins: a customer referred already keeps their referrer.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed or unknown code, a customer referring themselves
    /// (also through a shared phone or email), or one referred already by another member;
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "refer_customer", record = %customer))]
    pub async fn refer_customer(&self, customer: CustomerId, code: &str) -> Result<Referral> {
        self.check(Permission::RecordOrders, None)?;
        let referrer = self.card_by_number(code).await?;
        let referred = self.customer(customer).await?;
        let referrer_customer = self.customer(referrer.customer).await?;
        if same_person(&referred, &referrer_customer) {
            return Err(Error::invalid(
                "referral.code",
                "a customer may not refer themselves",
            ));
        }
        if let Some(first) = self
            .store()
            .holder_of::<Referral>(self.ws, &Referral::referred_key(referred.id))
            .await?
        {
            return if first.referrer == referrer.id {
                Ok(first)
            } else {
                Err(Error::invalid(
                    "referral.code",
                    "referred already by another member",
                ))
            };
        }
        let referral = Referral {
            id: ReferralId(self.new_id()),
            version: 1,
            referrer: referrer.id,
            referred: referred.id,
            status: ReferralStatus::Pending,
            created_at: self.now(),
            settled_at: None,
        };
        let mut commit = Commit::new();
        commit.put(referral.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef::to::<Referral>(referral.id.0),
            referrer.number.as_str(),
        );
        match self.commit(commit).await {
            Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => Err(Error::invalid(
                "referral.code",
                "referred already by another member",
            )),
            other => other.map(|()| referral),
        }
    }

    /// Adds to `commit` the settlement of `customer`'s pending referral in `programme` (on
    /// their first paid order, in that order's commit): the referral marked, and unless the
    /// referrer is capped, their points, counted against the cap on their card. One commit,
    /// so a crash cannot lose the reward and racing settlements cannot pass the cap (the
    /// card's and the referral's versions decide).
    pub(super) async fn settle_referral(
        &self,
        customer: CustomerId,
        programme: &Programme,
        commit: &mut Commit,
    ) -> Result<()> {
        let Some(mut referral) = self
            .store()
            .holder_of::<Referral>(self.ws, &Referral::referred_key(customer))
            .await?
        else {
            return Ok(());
        };
        let referrer = self
            .store()
            .fetch::<Card>(self.ws, referral.referrer.0)
            .await?;
        if referral.status != ReferralStatus::Pending
            || referrer.programme != programme.id
            || programme.referrals.points == 0
        {
            return Ok(());
        }
        let capped = referrer.referral_rewards >= programme.referrals.cap;
        referral.status = if capped {
            ReferralStatus::Capped
        } else {
            ReferralStatus::Rewarded
        };
        referral.settled_at = Some(self.now());
        referral.version += 1;
        if !capped {
            let earning = Earning {
                points: programme.referrals.points,
                reason: "referral",
                source: EntrySource::Referral { customer },
                key: format!("referral:{customer}"),
                order: None,
                referral_reward: true,
            };
            commit
                .writes
                .extend(self.earn_commit(referrer.id, earning).await?.0.writes);
        }
        commit.put(referral);
        Ok(())
    }
}

/// True when two customers are one person: the same record, or sharing an identifying
/// contact point (the same phone or email, canonicalised).
fn same_person(a: &Customer, b: &Customer) -> bool {
    a.id == b.id || a.unique_keys().any(|k| b.unique_keys().any(|l| l == k))
}
