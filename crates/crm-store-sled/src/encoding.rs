//! How a record is kept in the `records` tree.
//!
//! A value is one format byte followed by the record's own struct (a
//! [`crm_core::customer::Customer`], not the [`Record`] enum: the key already holds the kind).
//!
//! - Format [`FORMAT_MSGPACK_NAMED`] (1): MessagePack with named fields
//!   (`rmp_serde`'s `to_vec_named`). Field names cost some bytes, but make the encoding
//!   self-describing: a field added to a struct later (with `#[serde(default)]`, as crm-core
//!   does for every optional field) decodes from records written before it existed, and a
//!   field removed later is skipped. Positional MessagePack or bincode would misread both.
//! - The format byte lets a later version change the encoding record by record, without
//!   rewriting the store.
//!
//! The codec works for every [`RecordKind`], present and future, without a list of kinds:
//! [`Record`] serialises as the map `{kind: <name>, record: <struct>}`; [`encode`] writes the
//! `<struct>` part, and [`decode`] puts the map's head (rebuilt from the kind of the key)
//! back in front of it and lets serde pick the variant.
//!
//! Bytes that do not decode, or an unknown format byte, are [`Error::Corrupted`], never a
//! panic.

use crm_core::store::{Record, RecordKind};
use crm_core::{BoxError, Error, Result};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Format byte: MessagePack with named fields.
pub const FORMAT_MSGPACK_NAMED: u8 = 1;

/// The stored bytes of `record`.
///
/// # Errors
/// [`Error::Storage`] when the record cannot be encoded.
pub fn encode(record: &Record) -> Result<Vec<u8>> {
    let whole = rmp_serde::to_vec_named(record).map_err(Error::storage)?;
    let head = envelope_head(record.kind()).map_err(Error::storage)?;
    let body = whole.strip_prefix(&*head).ok_or_else(|| {
        Error::storage(format!(
            "{} records do not serialise as {{kind, record}}",
            record.kind()
        ))
    })?;
    let mut bytes = Vec::with_capacity(1 + body.len());
    bytes.push(FORMAT_MSGPACK_NAMED);
    bytes.extend_from_slice(body);
    Ok(bytes)
}

/// The record of `kind` stored as `bytes`; `location` names the bytes in an error.
///
/// # Errors
/// [`Error::Corrupted`] for an unknown format byte or bytes that do not decode as a record
/// of `kind`.
pub fn decode(kind: RecordKind, bytes: &[u8], location: &str) -> Result<Record> {
    decode_at(kind, bytes, || location.to_owned())
}

/// [`decode`], naming the bytes only when they do not decode.
pub(crate) fn decode_at(
    kind: RecordKind,
    bytes: &[u8],
    location: impl Fn() -> String,
) -> Result<Record> {
    let corrupted = |source: BoxError| Error::Corrupted {
        key: location(),
        source,
    };
    let Some((&format, body)) = bytes.split_first() else {
        return Err(corrupted("empty value".into()));
    };
    if format != FORMAT_MSGPACK_NAMED {
        return Err(corrupted(format!("unknown format byte {format}").into()));
    }
    let head = envelope_head(kind).map_err(corrupted)?;
    let mut whole = Vec::with_capacity(head.len() + body.len());
    whole.extend_from_slice(&head);
    whole.extend_from_slice(body);
    let record: Record = rmp_serde::from_slice(&whole).map_err(|e| corrupted(Box::new(e)))?;
    if record.kind() != kind {
        return Err(corrupted(
            format!("holds a {} record, not a {kind}", record.kind()).into(),
        ));
    }
    Ok(record)
}

/// The MessagePack of `{kind: <kind>, record: ` : a map of two, its first entry, the second
/// key (made once per kind).
fn envelope_head(kind: RecordKind) -> Result<Cow<'static, [u8]>, BoxError> {
    static HEADS: OnceLock<Vec<(RecordKind, Vec<u8>)>> = OnceLock::new();
    let heads = HEADS.get_or_init(|| {
        RecordKind::ALL
            .into_iter()
            .filter_map(|k| make_envelope_head(k).ok().map(|head| (k, head)))
            .collect()
    });
    match heads.iter().find(|(k, _)| *k == kind) {
        Some((_, head)) => Ok(Cow::Borrowed(head)),
        None => make_envelope_head(kind).map(Cow::Owned),
    }
}

fn make_envelope_head(kind: RecordKind) -> Result<Vec<u8>, BoxError> {
    const FIXMAP_OF_TWO: u8 = 0x82;
    let mut head = vec![FIXMAP_OF_TWO];
    for text in ["kind", kind.as_str(), "record"] {
        head.extend(rmp_serde::to_vec(text)?);
    }
    Ok(head)
}
