//! Fixed pieces of SQL as typed expressions. diesel sends a query that holds a
//! `sql()` literal unprepared, so PostgreSQL parses and plans it on every execution;
//! these expressions have a fixed text, so the statement that holds them is prepared
//! once per connection like any other.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::schema::services;

/// Defines a unit expression whose SQL is a constant; with `on services`, diesel
/// accepts it only in queries whose `FROM` holds the (unaliased) services table that
/// its SQL names.
macro_rules! fixed_sql {
    ($(#[$doc:meta])* $name:ident: $sql_type:ty = $sql:expr) => {
        fixed_sql!(@define $(#[$doc])* $name: $sql_type = $sql);
        impl<QS> AppearsOnTable<QS> for $name {}
        impl<QS> SelectableExpression<QS> for $name {}
    };
    ($(#[$doc:meta])* $name:ident on services: $sql_type:ty = $sql:expr) => {
        fixed_sql!(@define $(#[$doc])* $name: $sql_type = $sql);
        impl<QS> AppearsOnTable<QS> for $name where services::id: AppearsOnTable<QS> {}
        impl<QS> SelectableExpression<QS> for $name where services::id: SelectableExpression<QS> {}
    };
    (@define $(#[$doc:meta])* $name:ident: $sql_type:ty = $sql:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, QueryId)]
        pub(crate) struct $name;

        impl Expression for $name {
            type SqlType = $sql_type;
        }

        impl<DB: Backend> QueryFragment<DB> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }

        // Neither an aggregate of the outer query nor a plain column of it.
        impl<G> ValidGrouping<G> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    };
}

fixed_sql! {
    /// The number of rows the query matches, on every row of its page.
    WindowTotal: BigInt = "COUNT(*) OVER ()"
}

fixed_sql! {
    /// The sum of the hourly counts of live occurrences selected (0 for none); alone
    /// in its select.
    LiveOccurrences: BigInt = "CAST(COALESCE(SUM(live), 0) AS BIGINT)"
}

fixed_sql! {
    /// A service's weekly hours in order, as `weekday/opens/closes` separated by
    /// spaces (minutes of the day); null without hours. Valid on both backends
    /// (SQLite has `string_agg` with `ORDER BY` since 3.44).
    HoursOfService on services: Nullable<Text> = "(SELECT string_agg(CAST(h.weekday AS TEXT) || '/' || \
        CAST(h.opens AS TEXT) || '/' || CAST(h.closes AS TEXT), ' ' ORDER BY h.position) \
        FROM opening_hours h WHERE h.service_id = services.id)"
}

fixed_sql! {
    /// The ids of a service's locations in link order, separated by spaces; null
    /// without locations.
    LocationIdsOfService on services: Nullable<Text> = "(SELECT string_agg(l.location_id, ' ' \
        ORDER BY l.position) FROM service_locations l WHERE l.service_id = services.id)"
}

/// Whether a service's facets hold every facet of a space-separated list: the same
/// expression as PostgreSQL's GIN index `services_facets`, so the index answers it.
#[derive(Debug, Clone)]
pub(crate) struct FacetsContain(pub String);

impl QueryId for FacetsContain {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Expression for FacetsContain {
    type SqlType = Bool;
}

impl<DB> QueryFragment<DB> for FacetsContain
where
    DB: Backend,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql("string_to_array(services.facets, ' ') @> string_to_array(");
        out.push_bind_param::<Text, String>(&self.0)?;
        out.push_sql(", ' ')");
        Ok(())
    }
}

impl<QS> AppearsOnTable<QS> for FacetsContain where services::id: AppearsOnTable<QS> {}
impl<QS> SelectableExpression<QS> for FacetsContain where services::id: SelectableExpression<QS> {}

impl<G> ValidGrouping<G> for FacetsContain {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

/// Narrows a boxed query to the rows whose `column` holds one of `ids` (a slice of
/// `String`): `column = $1` for a single id, `column = ANY($1)` (SQLite: `IN`, and
/// no rows for an empty slice) otherwise. PostgreSQL costs the generic plan of
/// `= ANY($1)` for an array of ten, so for one id it keeps planning the statement
/// anew on every execution; for `= $1` it settles on a generic plan after its first
/// five executions on a connection.
macro_rules! filter_ids {
    ($query:expr, $column:expr, $ids:expr) => {
        match $ids {
            [one] => $query.filter($column.eq(one)),
            many => $query.filter($column.eq_any(many)),
        }
    };
}

pub(crate) use filter_ids;
