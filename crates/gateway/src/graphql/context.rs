//! What a resolver takes from the request: the application, the viewer (actor and
//! languages), the DataLoader; and the small parsing helpers every resolver uses.

use std::sync::Arc;

use async_graphql::{Context, ID};
use netzwerk_domain::access::Actor;

use super::error::{ApiResult, validation};
use super::{Loader, Viewer};

/// The application every use case is called on.
pub(crate) fn hub<'a>(ctx: &'a Context<'_>) -> &'a netzwerk_app::Hub {
    ctx.data_unchecked::<netzwerk_app::Hub>()
}

/// Who is asking.
pub(crate) fn viewer<'a>(ctx: &'a Context<'_>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}

/// The party behind the request.
pub(crate) fn actor(ctx: &Context<'_>) -> Actor {
    viewer(ctx).actor
}

/// The request's DataLoader.
pub(crate) fn loader<'a>(ctx: &'a Context<'_>) -> &'a Loader {
    ctx.data_unchecked::<Loader>()
}

/// The request's language preference.
pub(crate) fn prefs(ctx: &Context<'_>) -> Arc<netzwerk_domain::language::LanguagePreference> {
    viewer(ctx).languages.clone()
}

/// Parses an id argument, naming the argument when it is not an id.
pub(crate) fn parse_id<T>(
    arg: &str,
    id: &ID,
    parse: fn(&str) -> Result<T, netzwerk_domain::ValidationError>,
) -> ApiResult<T> {
    parse(id.as_str()).map_err(|e| validation(&e.within(arg)))
}
