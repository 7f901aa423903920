//! A workspace's own message templates, and rendering messages with them.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::id::TemplateId;
use crate::record::{RecordKind, RecordRef};
use crate::store::{Commit, StoreExt};
use crate::template::{self, Language, MessageTemplate, Rendered};
use uuid::Uuid;

impl Session {
    /// Sets the workspace's own template for `event` in `language` (administrators): creates
    /// it, or replaces the one there is (same id, next version). The sources are minijinja
    /// (see [`crate::template`]); `html` `None` makes the HTML from the rendered text.
    ///
    /// The template is checked first ([`template::validate`]): one that does not compile is
    /// refused and nothing is stored. Audited as created or updated, naming its key.
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`] unless an administrator; [`crate::Error::Invalid`] for
    /// a bad event name, a source too long or that does not compile.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_template", record = tracing::field::Empty))]
    pub async fn set_template(
        &self,
        event: &str,
        language: Language,
        subject: &str,
        text: &str,
        html: Option<&str>,
    ) -> Result<MessageTemplate> {
        self.check(Permission::ManageTemplates, None)?;
        let draft = MessageTemplate {
            id: TemplateId(Uuid::nil()),
            version: 1,
            event: event.to_owned(),
            language,
            subject: subject.to_owned(),
            text: text.to_owned(),
            html: html.map(str::to_owned),
            updated_at: self.now(),
        };
        template::validate(&draft)?;
        let draft = &draft;
        // A racing first set claims the key: read again and replace it.
        retry_on_conflict(RetryOn::AnyConflict, move || async move {
            let key = MessageTemplate::key_for(&draft.event, draft.language);
            let stored = self
                .store()
                .holder_of::<MessageTemplate>(self.ws, &key)
                .await?;
            let (id, version, action) = match stored {
                Some(old) => (old.id, old.version + 1, AuditAction::Updated),
                None => (TemplateId(self.new_id()), 1, AuditAction::Created),
            };
            let template = MessageTemplate {
                id,
                version,
                updated_at: self.now(),
                ..draft.clone()
            };
            let mut commit = Commit::new();
            commit.put(template.clone());
            self.audit(&mut commit, action, template_ref(id), &key);
            self.commit(commit).await?;
            Ok(template)
        })
        .await
    }

    /// The workspace's own template for `event` in `language`, if it has one (any actor).
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "template", record = tracing::field::Empty))]
    pub async fn template(
        &self,
        event: &str,
        language: Language,
    ) -> Result<Option<MessageTemplate>> {
        let key = MessageTemplate::key_for(event, language);
        self.store().holder_of(self.ws, &key).await
    }

    /// Every template of the workspace's own, by event then language (any actor).
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "templates", record = tracing::field::Empty))]
    pub async fn templates(&self) -> Result<Vec<MessageTemplate>> {
        let mut all: Vec<MessageTemplate> = self.store().all(self.ws).await?;
        all.sort_by(|a, b| (&a.event, a.language).cmp(&(&b.event, b.language)));
        Ok(all)
    }

    /// Removes the workspace's own template for `event` in `language` (administrators), so
    /// the shipped one is used again. `false` when there was none. Audited as deleted.
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`] unless an administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "remove_template", record = tracing::field::Empty))]
    pub async fn remove_template(&self, event: &str, language: Language) -> Result<bool> {
        self.check(Permission::ManageTemplates, None)?;
        // A racing replace raises the version: read again and remove the new one.
        retry_on_conflict(RetryOn::StaleVersion, move || async move {
            let Some(stored) = self.template(event, language).await? else {
                return Ok(false);
            };
            let mut commit = Commit::new();
            commit.delete_of::<MessageTemplate>(stored.id.0, stored.version);
            let key = MessageTemplate::key_for(event, language);
            self.audit(
                &mut commit,
                AuditAction::Deleted,
                template_ref(stored.id),
                &key,
            );
            self.commit(commit).await?;
            Ok(true)
        })
        .await
    }

    /// Renders `event` in `language` with `context` (a JSON object) (any actor), with the
    /// first template found along the fallback chain of [`template::render`] (the event, its
    /// family's default, `default`), where at each step the workspace's own template comes
    /// before the shipped one: a workspace's `request.default` is used for
    /// `request.referred`, but the shipped `request.reply` still wins over it for
    /// `request.reply`.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] when the context is not an object or the template fails to
    /// render; storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "render_message", record = tracing::field::Empty))]
    pub async fn render_message(
        &self,
        event: &str,
        language: Language,
        context: &serde_json::Value,
    ) -> Result<Rendered> {
        for candidate in template::fallback_chain(event) {
            if let Some(own) = self.template(&candidate, language).await? {
                return template::render(&candidate, language, context, Some(&own));
            }
            if template::is_shipped(&candidate, language) {
                return template::render(&candidate, language, context, None);
            }
        }
        // `default` is shipped in every language: not reached.
        template::render(event, language, context, None)
    }
}

fn template_ref(id: TemplateId) -> RecordRef {
    RecordRef {
        kind: RecordKind::MESSAGE_TEMPLATE,
        id: id.0,
    }
}
