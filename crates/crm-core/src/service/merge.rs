//! Merging two records of the same customer.

use super::Session;
use super::customers::customer_ref;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::customer::{Customer, LifecycleStage, Party};
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::limits::{self, MAX_CONTACTS};
use crate::outbox::Recipient;
use crate::store::{Commit, MAX_PAGE, PageRequest, StoreExt};

impl Session {
    /// Merges `loser` into `winner`: the loser's contact points, tags, custom fields the winner
    /// lacks, occasions, consent answers and whole interaction history move to the winner; the
    /// loser stays as a tombstone pointing to the winner. Both owners (other than the actor)
    /// are notified. One commit, audited on both customers.
    ///
    /// The winner keeps its stage unless it is a lead, then it takes the loser's.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the two are the same, already merged, or a person and an
    /// organisation; [`Error::Conflict`] when either changed since `*_version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "merge_customers", record = %winner))]
    pub async fn merge_customers(
        &self,
        winner: CustomerId,
        winner_version: u64,
        loser: CustomerId,
        loser_version: u64,
    ) -> Result<Customer> {
        self.check(Permission::MergeCustomers, None)?;
        if winner == loser {
            return Err(Error::invalid(
                "merge",
                "a customer cannot be merged into itself",
            ));
        }
        let mut win = self.live_customer(winner, Some(winner_version)).await?;
        let mut lose = self.live_customer(loser, Some(loser_version)).await?;
        let same_party = matches!(
            (&win.party, &lose.party),
            (Party::Person { .. }, Party::Person { .. })
                | (Party::Organisation { .. }, Party::Organisation { .. })
        );
        if !same_party {
            return Err(Error::invalid(
                "merge",
                "cannot merge a person with an organisation",
            ));
        }
        let now = self.now();
        absorb(&mut win, &mut lose);
        limits::count("contacts", win.contacts.len(), MAX_CONTACTS)?;
        limits::count("tags", win.tags.len(), limits::MAX_TAGS)?;
        limits::count("fields", win.fields.len(), limits::MAX_FIELDS)?;
        limits::count("occasions", win.occasions.len(), limits::MAX_OCCASIONS)?;
        win.version += 1;
        win.updated_at = now;
        lose.version += 1;
        lose.merged_into = Some(winner);
        lose.updated_at = now;

        let mut commit = Commit::new();
        // The tombstone first: it releases the contact keys the winner then claims.
        commit.put(lose.clone()).put(win.clone());
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let history = crate::interaction::history(self.store(), self.ws, loser, &page).await?;
            for mut interaction in history.items {
                interaction.customer = winner;
                interaction.version += 1;
                commit.put(interaction);
            }
            match history.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => break,
            }
        }
        for mut request in self
            .all_in(&crate::request::RequestView::Customer(loser))
            .await?
        {
            request.customer = Some(winner);
            request.version += 1;
            commit.put(request);
        }
        self.audit(
            &mut commit,
            AuditAction::Merged,
            customer_ref(winner),
            &loser.to_string(),
        );
        self.audit(
            &mut commit,
            AuditAction::MergedInto,
            customer_ref(loser),
            &winner.to_string(),
        );
        self.notify_owners(&mut commit, &win, &lose).await?;
        self.emit(
            &mut commit,
            "customer.merged",
            customer_ref(winner),
            &serde_json::json!({ "customer": &win, "merged": &lose }),
        );
        self.commit(commit).await?;
        Ok(win)
    }

    async fn notify_owners(
        &self,
        commit: &mut Commit,
        win: &Customer,
        lose: &Customer,
    ) -> Result<()> {
        let mut owners: Vec<_> = [win.owner, lose.owner].into_iter().flatten().collect();
        owners.dedup();
        for owner in owners
            .into_iter()
            .filter(|o| Some(*o) != self.principal.staff_id())
        {
            if self
                .store()
                .load::<crate::staff::Staff>(self.ws, owner.0)
                .await?
                .is_none()
            {
                continue;
            }
            let context = serde_json::json!({
                "customer_name": lose.display_name(),
                "into_name": win.display_name(),
                "actor": self.actor_name(),
                "at": self.now().to_rfc3339(),
                "workspace": self.workspace_name.as_ref(),
                "tz": self.tz.name(),
            });
            let rendered = self
                .render("customer.merged", self.language, &context)
                .await;
            let mut notification =
                rendered.notification(Recipient::Staff { staff: owner }, "customer.merged");
            notification.record = Some(customer_ref(win.id));
            self.queue(commit, notification);
        }
        Ok(())
    }
}

/// Moves what the loser has into the winner and empties the loser's contacts.
fn absorb(win: &mut Customer, lose: &mut Customer) {
    for point in std::mem::take(&mut lose.contacts) {
        if !win.contacts.iter().any(|c| c.key == point.key) {
            win.contacts.push(point);
        }
    }
    win.tags.extend(lose.tags.iter().cloned());
    for (name, value) in &lose.fields {
        win.fields
            .entry(name.clone())
            .or_insert_with(|| value.clone());
    }
    for occasion in &lose.occasions {
        if !win.occasions.contains(occasion) {
            win.occasions.push(occasion.clone());
        }
    }
    for (channel, consent) in &lose.consent {
        let newer = win.consent.get(channel).is_none_or(|c| c.at < consent.at);
        if newer {
            win.consent.insert(*channel, consent.clone());
        }
    }
    if win.owner.is_none() {
        win.owner = lose.owner;
    }
    if win.stage == LifecycleStage::Lead {
        win.stage = lose.stage;
    }
}
