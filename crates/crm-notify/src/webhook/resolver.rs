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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
        let refused = resolve_allowed(&Guard::new(), "localhost", 80).await;
        assert!(
            matches!(&refused, Err(ResolveError::Refused(e)) if e.contains("loopback")),
            "{refused:?}"
        );
        let allowed = resolve_allowed(&Guard::new().allow_loopback(), "localhost", 80)
            .await
            .unwrap();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()));
        let missing = resolve_allowed(&Guard::new(), "no-such-host.invalid", 80).await;
        assert!(
            matches!(missing, Err(ResolveError::Lookup(_))),
            "{missing:?}"
        );
    }

    /// The client connects only to addresses its resolver let through: even a request that
    /// skipped the notifier's own check (a name re-pointed after it) cannot reach loopback.
    #[tokio::test]
    async fn the_client_connects_only_through_the_guard() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = tokio::spawn(async move {
            let mut accepted = 0;
            while let Ok(Ok((mut stream, _))) =
                tokio::time::timeout(std::time::Duration::from_secs(3), listener.accept()).await
            {
                accepted += 1;
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
            accepted
        });
        let client = |guard: Guard| {
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(Arc::new(GuardedResolver::new(Arc::new(guard))))
                .build()
                .unwrap()
        };
        let url = format!("http://localhost:{port}/");
        let refused = client(Guard::new()).get(&url).send().await;
        assert!(refused.is_err(), "{refused:?}");
        let allowed = client(Guard::new().allow_loopback()).get(&url).send().await;
        assert_eq!(allowed.unwrap().status().as_u16(), 204);
        assert_eq!(
            served.await.unwrap(),
            1,
            "only the allowed request connected"
        );
    }
}
