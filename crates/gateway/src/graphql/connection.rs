//! Cursor connections (`edges`, `nodes`, `pageInfo`, `totalCount`) with opaque cursors.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;

use super::error::{ApiResult, Code, coded};

/// Largest page a client may ask for.
pub const MAX_PAGE: usize = 100;
/// Page size when `first` is not given.
pub const DEFAULT_PAGE: usize = 20;

/// An opaque cursor: the position in the ordered list.
#[derive(Debug, Clone, Copy)]
pub struct Cursor(pub usize);

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "invalid cursor".to_owned())?;
        let text = String::from_utf8(bytes).map_err(|_| "invalid cursor".to_owned())?;
        text.strip_prefix("pos:")
            .and_then(|n| n.parse().ok())
            .map(Cursor)
            .ok_or_else(|| "invalid cursor".to_owned())
    }

    fn encode_cursor(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("pos:{}", self.0))
    }
}

/// The extra field every connection carries.
#[derive(SimpleObject)]
pub struct Totals {
    /// Number of all items matching the filter, on every page.
    pub total_count: i64,
}

/// A connection of `N` nodes.
pub type Page<N> = Connection<Cursor, N, Totals>;

/// No list pages beyond this position (a forged cursor cannot overflow an offset).
const MAX_OFFSET: usize = 1_000_000;

/// The slice a client asked for: offset and limit, checked.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Items to skip.
    pub offset: usize,
    /// Items to return.
    pub limit: usize,
}

/// Reads `first` and `after`, rejecting bad values with a `VALIDATION` error naming them.
pub fn window(first: Option<i32>, after: Option<String>) -> ApiResult<Window> {
    let limit = match first {
        None => DEFAULT_PAGE,
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => n as usize,
        Some(n) => {
            return Err(super::error::validation(
                &netzwerk_domain::ValidationError::new(
                    "first",
                    "range",
                    format!("must be between 0 and {MAX_PAGE}, got {n}"),
                ),
            ));
        }
    };
    let offset = match after {
        None => 0,
        Some(c) => Cursor::decode_cursor(&c)
            .ok()
            .filter(|p| p.0 < MAX_OFFSET)
            .map(|p| p.0 + 1)
            .ok_or_else(|| {
                coded(
                    Code::Validation,
                    format!("after: {c:?} is not a cursor of this list"),
                )
            })?,
    };
    Ok(Window { offset, limit })
}

/// Builds a connection from one page of nodes and the total.
pub fn page<N: OutputType>(w: Window, total: i64, nodes: Vec<N>) -> Page<N> {
    let total_usize = usize::try_from(total).unwrap_or(0);
    let has_next = w.offset.saturating_add(nodes.len()) < total_usize;
    let mut conn =
        Connection::with_additional_fields(w.offset > 0, has_next, Totals { total_count: total });
    conn.edges.extend(
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| Edge::new(Cursor(w.offset + i), n)),
    );
    conn
}

/// A connection over a list already in memory (relations loaded by a DataLoader).
pub fn page_of_all<N: OutputType>(w: Window, all: Vec<N>) -> Page<N> {
    let total = all.len() as i64;
    let nodes: Vec<N> = all.into_iter().skip(w.offset).take(w.limit).collect();
    page(w, total, nodes)
}
