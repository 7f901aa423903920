//! Tiers: upgrades at once when a member earns, downgrades only at the periodic review (one
//! step, after the grace period), and floors granted by hand until an end date.

use super::{RetryOn, Session, retry_on_conflict};
use crate::audit::AuditAction;
use crate::calendar::JalaliDate;
use crate::club::{Card, CardId, Programme, TierChange, TierFloor, TierReason, qualifying_total};
use crate::error::{Error, Result};
use crate::record::RecordRef;
use crate::store::{Commit, StoreExt};
use chrono::{DateTime, Duration, Utc};

impl Session {
    /// The lowest tier position `card` may hold now: its manual floor while in force.
    fn floor_position(card: &Card, programme: &Programme, now: DateTime<Utc>) -> usize {
        card.tier_floor
            .as_ref()
            .filter(|f| f.until > now)
            .and_then(|f| programme.tiers.position(&f.tier))
            .unwrap_or(0)
    }

    /// Moves `card` up to the tier its qualifying total reaches, if higher (at once, as it
    /// earns). Returns the new tier's name when it moved.
    pub(super) fn upgrade_if_due(&self, card: &mut Card, programme: &Programme) -> Option<String> {
        let now = self.now();
        let today = JalaliDate::from_instant(now, self.tz);
        let earned =
            programme
                .tiers
                .earned(qualifying_total(&programme.tiers, &card.qualifying, today));
        let current = programme.tiers.position(&card.tier).unwrap_or(0);
        if earned > current {
            let to = programme.tiers.tiers[earned].name.clone();
            set_tier(card, to.clone(), TierReason::Upgraded, now);
            card.below_since = None;
            Some(to)
        } else {
            None
        }
    }

    /// The periodic review of one card: a member qualifying below their tier since longer
    /// than the grace period moves down one step (never below a manual floor in force); one
    /// qualifying for it again leaves the grace period. Returns the card.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "review_tier", record = %card))]
    pub async fn review_tier(&self, card: CardId) -> Result<Card> {
        self.check(crate::access::Permission::RecordOrders, None)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let (mut card, programme) = self.card_and_programme(card).await?;
            let now = self.now();
            let today = JalaliDate::from_instant(now, self.tz);
            let earned =
                programme
                    .tiers
                    .earned(qualifying_total(&programme.tiers, &card.qualifying, today));
            let current = programme.tiers.position(&card.tier).unwrap_or(0);
            let floor = Self::floor_position(&card, &programme, now);
            let before = card.clone();
            if earned > current {
                self.upgrade_if_due(&mut card, &programme);
            } else if earned == current || current <= floor {
                card.below_since = None;
            } else {
                let since = *card.below_since.get_or_insert(now);
                let grace = Duration::days(i64::from(programme.tiers.grace_days));
                if now - since >= grace {
                    let to = programme.tiers.tiers[current - 1].name.clone();
                    set_tier(&mut card, to, TierReason::Downgraded, now);
                    card.below_since = if earned < current - 1 {
                        Some(now)
                    } else {
                        None
                    };
                }
            }
            if card == before {
                return Ok(card);
            }
            card.bump(now);
            let mut commit = Commit::new();
            commit.put(card.clone());
            if card.tier != before.tier {
                self.audit(
                    &mut commit,
                    AuditAction::Updated,
                    RecordRef::to::<Card>(card.id.0),
                    &format!("tier {}", card.tier),
                );
                self.club_notice(
                    &mut commit,
                    &card,
                    "club.tier_changed",
                    &format!("Your tier is now {}", card.tier),
                    &format!("سطح شما اکنون {} است", card.tier),
                )
                .await;
            }
            self.commit(commit).await?;
            Ok(card)
        })
        .await
    }

    /// Grants `card` the tier `tier` by hand until `until`: a floor it will not be moved
    /// below before then (and its tier at once, if higher).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown tier, an end in the past or an empty note;
    /// [`Error::Unauthorized`] unless a manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "grant_tier", record = %card))]
    pub async fn grant_tier(
        &self,
        card: CardId,
        tier: &str,
        until: DateTime<Utc>,
        note: &str,
    ) -> Result<Card> {
        self.require_manager("grant tiers")?;
        crate::limits::required("note", note, crate::limits::MAX_SUBJECT)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let (mut card, programme) = self.card_and_programme(card).await?;
            let now = self.now();
            let Some(position) = programme.tiers.position(tier) else {
                return Err(Error::invalid("tier", "no such tier"));
            };
            if until <= now {
                return Err(Error::invalid("until", "must be in the future"));
            }
            card.tier_floor = Some(TierFloor {
                tier: tier.to_owned(),
                until,
            });
            if position > programme.tiers.position(&card.tier).unwrap_or(0) {
                set_tier(&mut card, tier.to_owned(), TierReason::Granted, now);
                card.below_since = None;
            }
            card.bump(now);
            let mut commit = Commit::new();
            commit.put(card.clone());
            self.audit(
                &mut commit,
                AuditAction::Updated,
                RecordRef::to::<Card>(card.id.0),
                &format!("tier {tier} granted until {until}: {}", note.trim()),
            );
            self.commit(commit).await?;
            Ok(card)
        })
        .await
    }

    /// Reviews every card of `programme` (the periodic review). Returns how many changed
    /// tier.
    ///
    /// # Errors
    /// As [`Session::review_tier`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "review_tiers"))]
    pub async fn review_tiers(&self, programme: crate::club::ProgrammeId) -> Result<usize> {
        self.check(crate::access::Permission::RecordOrders, None)?;
        let mut changed = 0;
        for card in self.store().all::<Card>(self.ws).await? {
            if card.programme != programme {
                continue;
            }
            let after = self.review_tier(card.id).await?;
            changed += usize::from(after.tier != card.tier);
        }
        Ok(changed)
    }
}

fn set_tier(card: &mut Card, to: String, reason: TierReason, at: DateTime<Utc>) {
    card.tier_history.push(TierChange {
        from: Some(card.tier.clone()),
        to: to.clone(),
        reason,
        at,
    });
    card.tier = to;
}
