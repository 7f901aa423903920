//! Configuring pipelines: their ordered stages and default probabilities.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::PipelineId;
use crate::limits::{self, MAX_NAME};
use crate::record::{Key, RecordKind, RecordRef};
use crate::sales::{DEAL_OPEN_BY_PIPELINE, Pipeline, Stage};
use crate::store::{Commit, Scan, StoreExt};

pub(super) fn pipeline_ref(id: PipelineId) -> RecordRef {
    RecordRef {
        kind: RecordKind::PIPELINE,
        id: id.0,
    }
}

impl Session {
    /// Creates a pipeline with `stages` in order (administrators).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a blank name or bad stages (see
    /// [`Pipeline::validate_stages`]); [`Error::AlreadyExists`] for a name in use;
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_pipeline", record = tracing::field::Empty))]
    pub async fn create_pipeline(&self, name: &str, stages: Vec<Stage>) -> Result<Pipeline> {
        self.check(Permission::ConfigureSales, None)?;
        limits::required("pipeline.name", name, MAX_NAME)?;
        Pipeline::validate_stages(&stages)?;
        let now = self.now();
        let pipeline = Pipeline {
            id: PipelineId(self.new_id()),
            version: 1,
            name: name.trim().to_owned(),
            stages,
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        commit.put(pipeline.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            pipeline_ref(pipeline.id),
            &pipeline.name,
        );
        self.commit_claiming(commit).await?;
        Ok(pipeline)
    }

    /// Replaces a pipeline's stages (administrators). A stage that open deals are at cannot
    /// be removed (move them first).
    ///
    /// # Errors
    /// [`Error::Invalid`] for bad stages or a removed stage still in use;
    /// [`Error::Conflict`] when the pipeline is no longer at `version`; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_pipeline_stages", record = %id))]
    pub async fn update_pipeline_stages(
        &self,
        id: PipelineId,
        version: u64,
        stages: Vec<Stage>,
    ) -> Result<Pipeline> {
        self.check(Permission::ConfigureSales, None)?;
        Pipeline::validate_stages(&stages)?;
        let mut pipeline = self.store().fetch::<Pipeline>(self.ws, id.0).await?;
        if pipeline.version != version {
            return Err(super::leads::stale(
                RecordKind::PIPELINE,
                id.0,
                version,
                pipeline.version,
            ));
        }
        for old in &pipeline.stages {
            if stages.iter().any(|s| s.key == old.key) {
                continue;
            }
            let scan = Scan::index(DEAL_OPEN_BY_PIPELINE)
                .prefix(&Key::new().id(id.0).text(&old.key))
                .keys_only()
                .limit(1);
            if !self.store().scan(self.ws, &scan).await?.is_empty() {
                return Err(Error::invalid(
                    "stages",
                    format!("open deals are at stage {:?}", old.key),
                ));
            }
        }
        pipeline.stages = stages;
        pipeline.version += 1;
        pipeline.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(pipeline.clone());
        self.audit(
            &mut commit,
            AuditAction::Updated,
            pipeline_ref(id),
            "stages",
        );
        self.commit(commit).await?;
        Ok(pipeline)
    }

    /// The pipeline with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "pipeline", record = %id))]
    pub async fn pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        self.store().fetch::<Pipeline>(self.ws, id.0).await
    }

    /// The pipeline named `name` (any case).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the record does not decode.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "pipeline_named", record = tracing::field::Empty))]
    pub async fn pipeline_named(&self, name: &str) -> Result<Option<Pipeline>> {
        self.store()
            .holder_of::<Pipeline>(self.ws, &Pipeline::name_key(name))
            .await
    }

    /// Every pipeline, by id (creation order).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when a record does not decode.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "pipelines", record = tracing::field::Empty))]
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>> {
        self.store().all::<Pipeline>(self.ws).await
    }
}
