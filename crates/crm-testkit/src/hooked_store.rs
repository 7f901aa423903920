//! [`HookedStore`]: a store that passes everything to another and, once, runs a hook right
//! before a chosen commit, to put another session's work between a service's reads and its
//! commit deterministically (a race that threads would hit only by chance).

use async_trait::async_trait;
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::record::RecordKind;
use crm_core::store::{Capabilities, Commit, Hit, Scan, Snapshot, Store, Stored};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

type Trigger = Box<dyn Fn(&Commit) -> bool + Send + Sync>;
type Hook = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A store over `inner` that runs an armed hook before the first commit its trigger picks,
/// then passes that commit on. Everything else goes straight to `inner`.
pub struct HookedStore {
    inner: Arc<dyn Store>,
    armed: tokio::sync::Mutex<Option<(Trigger, Hook)>>,
    fired: AtomicBool,
}

impl HookedStore {
    /// A store passing everything to `inner`, with no hook armed.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            armed: tokio::sync::Mutex::new(None),
            fired: AtomicBool::new(false),
        }
    }

    /// Arms `hook`, run (and awaited) before the first later commit for which `trigger` is
    /// true. The hook should write through another store handle than this one.
    pub async fn arm(
        &self,
        trigger: impl Fn(&Commit) -> bool + Send + Sync + 'static,
        hook: impl Future<Output = ()> + Send + 'static,
    ) {
        *self.armed.lock().await = Some((Box::new(trigger), Box::pin(hook)));
    }

    /// True once the hook has run.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Store for HookedStore {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        let hook = {
            let mut armed = self.armed.lock().await;
            match armed.as_ref() {
                Some((trigger, _)) if trigger(&commit) => armed.take().map(|(_, hook)| hook),
                _ => None,
            }
        };
        if let Some(hook) = hook {
            hook.await;
            self.fired.store(true, Ordering::SeqCst);
        }
        self.inner.commit(ws, commit).await
    }

    async fn snapshot(&self, ws: WorkspaceId) -> Result<Box<dyn Snapshot + '_>> {
        self.inner.snapshot(ws).await
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        self.inner.get(ws, kind, id).await
    }

    async fn holder(&self, ws: WorkspaceId, key: &str) -> Result<Option<Stored>> {
        self.inner.holder(ws, key).await
    }

    async fn scan(&self, ws: WorkspaceId, scan: &Scan) -> Result<Vec<Hit>> {
        self.inner.scan(ws, scan).await
    }

    async fn sync(&self) -> Result<()> {
        self.inner.sync().await
    }
}
