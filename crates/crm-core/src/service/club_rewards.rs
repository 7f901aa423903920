//! The rewards catalogue: rewards bought with points (a hold captured at once), and voucher
//! codes, unique and single-use.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::club::{
    CardId, Hold, HoldStatus, ProgrammeId, REWARD_BY_PROGRAMME, Reward, RewardId, RewardKind,
    Voucher, VoucherId,
};
use crate::error::{Error, Result};
use crate::record::{Key, RecordRef};
use crate::store::{Commit, PageRequest, Scan, StoreExt};

impl Session {
    /// Adds a reward to `programme`'s catalogue.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name or cost; [`Error::NotFound`] for an unknown
    /// programme; [`Error::Unauthorized`] unless an administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "add_reward"))]
    pub async fn add_reward(
        &self,
        programme: ProgrammeId,
        name: &str,
        cost: i64,
        kind: RewardKind,
    ) -> Result<Reward> {
        self.check(Permission::ConfigureSales, None)?;
        self.programme(programme).await?;
        let reward = Reward {
            id: RewardId(self.new_id()),
            version: 1,
            programme,
            name: name.trim().to_owned(),
            cost,
            kind,
            active: true,
        };
        reward.validate()?;
        let mut commit = Commit::new();
        commit.put(reward.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef::to::<Reward>(reward.id.0),
            &reward.name,
        );
        self.commit(commit).await?;
        Ok(reward)
    }

    /// `programme`'s active rewards, cheapest first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "rewards"))]
    pub async fn rewards(&self, programme: ProgrammeId) -> Result<Vec<Reward>> {
        self.check(Permission::ReadCustomers, None)?;
        let scan = Scan::index(REWARD_BY_PROGRAMME).prefix(&Key::new().id(programme.0));
        let page = self
            .store()
            .page::<Reward>(self.ws, scan, &PageRequest::first(crate::store::MAX_PAGE))
            .await?;
        Ok(page.items.into_iter().filter(|r| r.active).collect())
    }

    /// Buys `reward` with `card`'s points under the caller's `key`: a hold of its cost,
    /// captured at once, and for a voucher reward a new unique code. Repeating the key
    /// returns the first result.
    ///
    /// # Errors
    /// As [`Session::hold_points`] and [`Session::capture_hold`]; [`Error::Invalid`] for a
    /// reward of another programme or withdrawn.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "redeem_reward", record = %card))]
    pub async fn redeem_reward(
        &self,
        card: CardId,
        reward: RewardId,
        key: &str,
    ) -> Result<(Hold, Option<Voucher>)> {
        let reward = self.store().fetch::<Reward>(self.ws, reward.0).await?;
        let owner = self.card(card).await?;
        if reward.programme != owner.programme || !reward.active {
            return Err(Error::invalid("reward", "not in this card's catalogue"));
        }
        let hold = self
            .hold_points(card, reward.cost, key, &format!("reward: {}", reward.name))
            .await?;
        let hold = if hold.status == HoldStatus::Held {
            self.capture_hold(hold.id).await?
        } else {
            hold
        };
        if reward.kind != RewardKind::Voucher || hold.status != HoldStatus::Captured {
            return Ok((hold, None));
        }
        let voucher = retry_on_conflict(RetryOn::AnyConflict, || async {
            let id = VoucherId(hold.id.0);
            if let Some(v) = self.store().load::<Voucher>(self.ws, id.0).await? {
                return Ok(v);
            }
            let voucher = Voucher {
                id,
                version: 1,
                code: Voucher::code_from(
                    self.new_id().as_u128() ^ u128::from(rand::random::<u64>()),
                ),
                reward: reward.id,
                card,
                hold: hold.id,
                issued_at: self.now(),
                used_at: None,
            };
            let mut commit = Commit::new();
            commit.put(voucher.clone());
            self.audit(
                &mut commit,
                AuditAction::Created,
                RecordRef::to::<Voucher>(voucher.id.0),
                &reward.name,
            );
            self.commit(commit).await?;
            Ok(voucher)
        })
        .await?;
        Ok((hold, Some(voucher)))
    }

    /// Uses the voucher with the typed `code`, once.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed, unknown or used code; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "use_voucher"))]
    pub async fn use_voucher(&self, code: &str) -> Result<Voucher> {
        self.check(Permission::RecordOrders, None)?;
        let code = Voucher::parse_code(code)?;
        let mut voucher = self
            .store()
            .holder_of::<Voucher>(self.ws, &Voucher::code_key(&code))
            .await?
            .ok_or_else(|| Error::invalid("voucher.code", "no such voucher"))?;
        if voucher.used_at.is_some() {
            return Err(Error::invalid("voucher.code", "used already"));
        }
        voucher.used_at = Some(self.now());
        voucher.version += 1;
        let mut commit = Commit::new();
        commit.put(voucher.clone());
        self.audit(
            &mut commit,
            AuditAction::Updated,
            RecordRef::to::<Voucher>(voucher.id.0),
            "used",
        );
        match self.commit(commit).await {
            Err(Error::Conflict(_)) => Err(Error::invalid("voucher.code", "used already")),
            other => other.map(|()| voucher),
        }
    }
}
