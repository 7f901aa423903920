//! A DNS resolver for reqwest that hands over only the addresses the guard allows.

use super::Guard;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;

/// Resolves with the system resolver, then drops every address the [`Guard`] refuses; a
/// name left with no address fails to resolve, naming why.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    guard: Arc<Guard>,
}

impl GuardedResolver {
    pub(crate) fn new(guard: Arc<Guard>) -> Self {
        Self { guard }
    }
}

/// The addresses `host` resolves to that `guard` allows, or why there are none.
pub(crate) async fn resolve_allowed(
    guard: &Guard,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| ResolveError::Lookup(format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut allowed = Vec::new();
    let mut refused = None;
    for address in found {
        match guard.check_ip(address.ip()) {
            Ok(()) => allowed.push(address),
            Err(e) => refused = Some(e),
        }
    }
    match (allowed.is_empty(), refused) {
        (false, _) => Ok(allowed),
        (true, Some(e)) => Err(ResolveError::Refused(format!("{host} resolves to {e}"))),
        (true, None) => Err(ResolveError::Lookup(format!("{host} has no address"))),
    }
}

/// Why a host has no address to connect to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResolveError {
    /// The name does not resolve (now): worth trying later.
    #[error("{0}")]
    Lookup(String),
    /// Every address it resolves to is refused by the guard.
    #[error("{0}")]
    Refused(String),
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let addresses = resolve_allowed(&guard, name.as_str(), 0).await?;
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}
