//! Records as SQL tables: which fields of a record kind's body are columns.
//!
//! A store with SQL views (PostgreSQL) makes one view per kind that has a [`Table`], with the
//! columns it lists, read from the record's JSON body by path, and one view per [`Child`]
//! array (a customer's contact points, say) with one row per element. The description lives
//! next to the record's type, so a new kind gets its views without code in any store.

/// The SQL type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// `text`.
    Text,
    /// `uuid`.
    Uuid,
    /// `timestamptz`.
    Timestamp,
    /// `date`.
    Date,
    /// `bigint`.
    BigInt,
    /// `numeric` (money and other decimals kept as text in JSON).
    Numeric,
    /// `boolean`.
    Boolean,
    /// `jsonb`: a nested part kept whole.
    Json,
    /// `text[]` from a JSON array of strings.
    TextArray,
    /// `uuid[]` from a JSON array of ids.
    UuidArray,
}

/// A column: its name, where its value is in the JSON body, and its type. A missing value
/// (an absent optional field) is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name.
    pub name: &'static str,
    /// The path of object keys from the body (or from the element, in a [`Child`]).
    pub path: &'static [&'static str],
    /// The SQL type.
    pub ty: ColumnType,
}

impl Column {
    /// A column `name` of type `ty` at `path`.
    pub const fn new(name: &'static str, ty: ColumnType, path: &'static [&'static str]) -> Self {
        Self { name, path, ty }
    }
}

/// The rows of an array inside each record: one row per element, with the record's id (as
/// `parent_column`), the element's position (`ordinal`, from 0) and the given columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child {
    /// The view's name.
    pub name: &'static str,
    /// The column that holds the record's id.
    pub parent_column: &'static str,
    /// The path of the array in the body.
    pub array: &'static [&'static str],
    /// The element's columns.
    pub columns: &'static [Column],
}

/// A record kind as SQL: the view's name and columns (besides `workspace_id`, always first),
/// and its child arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The view's name (plural, snake_case).
    pub name: &'static str,
    /// The columns.
    pub columns: &'static [Column],
    /// Arrays inside the record with views of their own.
    pub children: &'static [Child],
}
