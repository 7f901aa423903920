//! Watching service levels: warn before a deadline, flag and notify when it passes.

use super::Session;
use super::transition::request_ref;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::request::{Request, RequestView};
use crate::store::{Commit, MAX_PAGE, PageRequest};
use chrono::Duration;

/// What one service-level check did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceLevelReport {
    /// Requests newly flagged as breached.
    pub breached: usize,
    /// Requests whose holder was warned of a coming deadline.
    pub warned: usize,
}

impl Session {
    /// Flags active requests whose current deadline has passed (first response or
    /// resolution) and notifies their people, once per deadline; warns of deadlines within
    /// the policy's warning time. Run it every few minutes (a system session will do).
    ///
    /// # Errors
    /// Storage errors; a request that changed meanwhile is skipped and caught next time.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "check_service_levels", record = tracing::field::Empty))]
    pub async fn check_service_levels(&self) -> Result<ServiceLevelReport> {
        if self.principal.staff_id().is_some() {
            self.check(Permission::ReviewRequests, None)?;
        }
        let settings = self.settings().await?;
        let now = self.now();
        let horizon = now + Duration::minutes(i64::from(settings.sla.warn_before_minutes));
        let mut report = ServiceLevelReport::default();
        for request in self.all_in(&RequestView::Overdue(horizon)).await? {
            let Some(due) = request.due_at() else {
                continue;
            };
            let responding = request.sla.first_response_at.is_none();
            let mut r = request.clone();
            let (action, event) = if due <= now {
                let already = if responding {
                    r.sla.response_breached
                } else {
                    r.sla.resolution_breached
                };
                if already {
                    continue;
                }
                if responding {
                    r.sla.response_breached = true;
                } else {
                    r.sla.resolution_breached = true;
                }
                report.breached += 1;
                (AuditAction::ServiceLevelBreached, "request.sla_breached")
            } else {
                if r.sla.warned {
                    continue;
                }
                r.sla.warned = true;
                report.warned += 1;
                (AuditAction::ServiceLevelWarned, "request.sla_warning")
            };
            r.version += 1;
            let mut commit = Commit::new();
            let what = if responding {
                "first response"
            } else {
                "resolution"
            };
            self.audit(
                &mut commit,
                action,
                request_ref(r.id),
                &format!("{what} due {due}"),
            );
            self.notify_request(&mut commit, &r, event, &[]).await?;
            if due <= now && !responding {
                // Service recovery: a follow-up for the manager, in the same commit.
                let title = format!(
                    "Follow up: request #{} breached its resolution target",
                    r.number
                );
                self.recovery_task_into(&mut commit, &r, "breach", title)
                    .await?;
            }
            commit.put(r);
            match self.commit(commit).await {
                Err(e) if e.is_conflict() => {}
                other => other?,
            }
        }
        Ok(report)
    }

    /// Every request in `view`, all pages.
    pub(super) async fn all_in(&self, view: &RequestView) -> Result<Vec<Request>> {
        let mut out = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let got = crate::request::view(self.store(), self.ws, view, &page).await?;
            out.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => return Ok(out),
            }
        }
    }
}
