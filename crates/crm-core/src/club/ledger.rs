//! The ledger's arithmetic, in memory: how each operation moves points between a card, its
//! lots and a new entry. The services load the records, call these and commit every record
//! they changed in one versioned commit; nothing here touches a store.
//!
//! Each function keeps the invariants of [`Card`], [`Lot`] and [`LedgerEntry`]: the balance
//! is the sum of the entries, `balance + debt` is the sum of the lots' remaining and held
//! points, no lot goes negative, and an entry's allocations account for its points.

use super::card::Card;
use super::entry::{Allocation, EntryKind, EntrySource, LedgerEntry};
use super::hold::Hold;
use super::lot::Lot;
use super::programme::RefundPolicy;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::id::{EntryId, LotId};
use chrono::{DateTime, Utc};

/// The parts of an entry its operation decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// What it does.
    pub kind: EntryKind,
    /// Points, positive in.
    pub points: i64,
    /// Lots moved.
    pub allocations: Vec<Allocation>,
    /// Debt change.
    pub debt: i64,
    /// Why.
    pub reason: String,
    /// From what.
    pub source: EntrySource,
}

/// Appends `draft` to `card`'s ledger as entry `id` by `actor` at `at`, made once by `key`:
/// the card's balance, debt and entry count move with it.
pub fn post(
    card: &mut Card,
    draft: Draft,
    id: EntryId,
    actor: Actor,
    at: DateTime<Utc>,
    key: Option<String>,
) -> LedgerEntry {
    card.balance += draft.points;
    card.debt += draft.debt;
    let entry = LedgerEntry {
        id,
        version: 1,
        card: card.id,
        seq: card.entries,
        kind: draft.kind,
        points: draft.points,
        allocations: draft.allocations,
        debt: draft.debt,
        balance: card.balance,
        reason: draft.reason,
        source: draft.source,
        actor,
        at,
        key,
    };
    card.entries += 1;
    entry
}

/// A new lot of `points` for `card` (earned by entry `entry`), paying the card's debt first.
/// Returns the lot and the draft's allocation and debt change.
pub fn new_lot(
    card: &Card,
    id: LotId,
    entry: EntryId,
    points: i64,
    earned_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> (Lot, Vec<Allocation>, i64) {
    let repaid = card.debt.min(points).max(0);
    let lot = Lot {
        id,
        version: 1,
        card: card.id,
        entry,
        order: None,
        earned: points,
        remaining: points - repaid,
        held: 0,
        taken: 0,
        expired: 0,
        reversed: 0,
        repaid,
        order_reversed: 0,
        earned_at,
        expires_at,
        noticed: false,
    };
    (
        lot,
        vec![Allocation {
            lot: id,
            points: points - repaid,
        }],
        -repaid,
    )
}

/// Takes up to `points` from the remaining points of `lots` in use order (soonest expiry
/// first), calling `to` with each lot and the points taken from it. Returns the allocations
/// (negative: out of the lots) and the points still missing.
fn take(lots: &mut [&mut Lot], points: i64, to: fn(&mut Lot, i64)) -> (Vec<Allocation>, i64) {
    lots.sort_by_key(|l| l.use_order());
    let mut left = points;
    let mut allocations = Vec::new();
    for lot in lots.iter_mut() {
        if left == 0 {
            break;
        }
        let n = lot.remaining.min(left);
        if n <= 0 {
            continue;
        }
        lot.remaining -= n;
        to(lot, n);
        left -= n;
        allocations.push(Allocation {
            lot: lot.id,
            points: -n,
        });
    }
    (allocations, left)
}

/// Why `card` may not spend `points` now, if it may not.
///
/// # Errors
/// [`Error::Invalid`] for points not positive, a card in debt under
/// [`RefundPolicy::BlockRedemption`], or fewer available points.
pub fn check_spend(card: &Card, points: i64, policy: RefundPolicy) -> Result<()> {
    if points <= 0 {
        return Err(Error::invalid("points", "must be positive"));
    }
    if card.debt > 0 && policy == RefundPolicy::BlockRedemption {
        return Err(Error::invalid(
            "points",
            format!(
                "redemption is blocked until a debt of {} points is paid",
                card.debt
            ),
        ));
    }
    if card.available() < points {
        return Err(Error::invalid(
            "points",
            format!("{} points available, {points} asked", card.available()),
        ));
    }
    Ok(())
}

/// Reserves `points` of `lots` for a hold: remaining becomes held, soonest expiry first.
///
/// # Errors
/// As [`check_spend`]; [`Error::Corrupted`] when the lots hold less than the card says.
pub fn hold(
    card: &mut Card,
    lots: &mut [&mut Lot],
    points: i64,
    policy: RefundPolicy,
) -> Result<Vec<Allocation>> {
    check_spend(card, points, policy)?;
    let (allocations, missing) = take(lots, points, |lot, n| lot.held += n);
    if missing != 0 {
        return Err(corrupted(
            card,
            "its lots hold fewer points than its balance",
        ));
    }
    card.held += points;
    Ok(allocations)
}

/// Spends a hold's points: held becomes taken; the draft of the redeem entry.
///
/// # Errors
/// [`Error::Corrupted`] when a lot of the hold is missing or holds less.
pub fn capture(card: &mut Card, lots: &mut [&mut Lot], hold: &Hold) -> Result<Draft> {
    move_held(card, lots, hold, |lot, n| lot.taken += n)?;
    Ok(Draft {
        kind: EntryKind::Redeem,
        points: -hold.points,
        allocations: hold.allocations.clone(),
        debt: 0,
        reason: hold.reason.clone(),
        source: EntrySource::Hold { hold: hold.id },
    })
}

/// Gives a hold's points back: held becomes remaining.
///
/// # Errors
/// As [`capture`].
pub fn release(card: &mut Card, lots: &mut [&mut Lot], hold: &Hold) -> Result<()> {
    move_held(card, lots, hold, |lot, n| lot.remaining += n)
}

fn move_held(
    card: &mut Card,
    lots: &mut [&mut Lot],
    hold: &Hold,
    to: fn(&mut Lot, i64),
) -> Result<()> {
    for a in &hold.allocations {
        let n = -a.points;
        let lot = lots
            .iter_mut()
            .find(|l| l.id == a.lot)
            .ok_or_else(|| corrupted(card, "a lot of a hold is missing"))?;
        if lot.held < n {
            return Err(corrupted(card, "a lot holds less than its hold"));
        }
        lot.held -= n;
        to(lot, n);
    }
    card.held -= hold.points;
    Ok(())
}

/// Gives a refunded redemption's points back to the lots they came from, with their
/// original expiry: taken becomes remaining. The draft of the reverse entry.
///
/// # Errors
/// As [`capture`].
pub fn restore(card: &Card, lots: &mut [&mut Lot], hold: &Hold) -> Result<Draft> {
    let mut allocations = Vec::new();
    for a in &hold.allocations {
        let n = -a.points;
        let lot = lots
            .iter_mut()
            .find(|l| l.id == a.lot)
            .ok_or_else(|| corrupted(card, "a lot of a redemption is missing"))?;
        if lot.taken < n {
            return Err(corrupted(card, "a lot gave less than its redemption"));
        }
        lot.taken -= n;
        lot.remaining += n;
        allocations.push(Allocation {
            lot: lot.id,
            points: n,
        });
    }
    Ok(Draft {
        kind: EntryKind::Reverse,
        points: hold.points,
        allocations,
        debt: 0,
        reason: format!("refund of {}", hold.reason),
        source: EntrySource::Hold { hold: hold.id },
    })
}

/// Expires the remaining points of `lot`; `None` when nothing remains.
pub fn expire(lot: &mut Lot) -> Option<Draft> {
    let n = lot.remaining;
    if n <= 0 {
        return None;
    }
    lot.remaining = 0;
    lot.expired += n;
    Some(Draft {
        kind: EntryKind::Expire,
        points: -n,
        allocations: vec![Allocation {
            lot: lot.id,
            points: -n,
        }],
        debt: 0,
        reason: "expired".into(),
        source: EntrySource::Expiry,
    })
}

/// Takes `points` from the lots for a negative adjustment (soonest expiry first).
///
/// # Errors
/// [`Error::Invalid`] when fewer points are available.
pub fn take_adjustment(
    card: &Card,
    lots: &mut [&mut Lot],
    points: i64,
    note: &str,
) -> Result<Draft> {
    if card.available() < points {
        return Err(Error::invalid(
            "points",
            format!("{} points available, {points} to take", card.available()),
        ));
    }
    let (allocations, missing) = take(lots, points, |lot, n| lot.taken += n);
    if missing != 0 {
        return Err(corrupted(
            card,
            "its lots hold fewer points than its balance",
        ));
    }
    Ok(Draft {
        kind: EntryKind::Adjust,
        points: -points,
        allocations,
        debt: 0,
        reason: note.to_owned(),
        source: EntrySource::Adjustment,
    })
}

/// Reverses `points` earned on the order of `own` (a refund): from `own` first, then, under
/// [`RefundPolicy::AllowDebt`], from `others` soonest expiry first; what is missing becomes
/// debt. `own` is not among `others`.
pub fn reverse_order(
    own: &mut Lot,
    others: &mut [&mut Lot],
    points: i64,
    policy: RefundPolicy,
    source: EntrySource,
) -> Draft {
    let mut allocations = Vec::new();
    let from_own = own.remaining.min(points).max(0);
    if from_own > 0 {
        own.remaining -= from_own;
        own.reversed += from_own;
        allocations.push(Allocation {
            lot: own.id,
            points: -from_own,
        });
    }
    own.order_reversed += points;
    let mut missing = points - from_own;
    if policy == RefundPolicy::AllowDebt && missing > 0 {
        let (more, left) = take(others, missing, |lot, n| lot.reversed += n);
        allocations.extend(more);
        missing = left;
    }
    Draft {
        kind: EntryKind::Reverse,
        points: -points,
        allocations,
        debt: missing,
        reason: "order refunded".into(),
        source,
    }
}

fn corrupted(card: &Card, why: &str) -> Error {
    Error::Corrupted {
        key: format!("club card {}", card.id),
        source: why.into(),
    }
}
