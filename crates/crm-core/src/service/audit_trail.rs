//! Reading the audit trail.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditEntry;
use crate::error::Result;
use crate::store::{Page, PageRequest};
use uuid::Uuid;

impl Session {
    /// Audit entries, oldest first; only those about `record` when given.
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`] unless the actor is a manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "audit_trail", record = tracing::field::Empty))]
    pub async fn audit_trail(
        &self,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        self.check(Permission::ReadAudit, None)?;
        crate::audit::trail(self.store(), self.ws, record, page).await
    }
}
