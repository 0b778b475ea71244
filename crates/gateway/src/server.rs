//! Serving the API: the schema and the routes over the application, bound to the
//! configured address until `shutdown` resolves. The command line's `serve` starts the
//! background jobs beside it.

use std::future::Future;

use anyhow::Context as _;
use netzwerk_app::Hub;

use crate::config::Settings;
use crate::graphql::{SchemaSettings, Schemas, build_schema};
use crate::http::router;

/// Serves the API of `hub` until `shutdown` resolves; finishes the requests in flight.
pub async fn serve(
    hub: &Hub,
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = settings.listen_addr()?;
    let schemas = Schemas::build(
        hub,
        SchemaSettings {
            introspection: settings.server.introspection,
            max_complexity: settings.server.max_complexity,
            suggestions: true,
        },
        settings.production(),
    );
    let app = router(schemas, hub.clone(), settings.http_settings()?);
    if settings.server.response_cache_entries > 0 {
        // The change watcher starts now, so that the first answers can be kept.
        let _ = hub.data_generation();
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("while binding {addr}"))?;
    let local = listener.local_addr()?;
    println!("Netzwerk Hub listening on http://{local}/graphql");
    tracing::info!(%local, "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("while serving")
}

/// The Hub's own API for the application layer, outside a server (the command line's
/// digests).
pub fn own_api(hub: &Hub) -> crate::graphql::OwnApiOf {
    crate::graphql::OwnApiOf {
        schema: build_schema(hub, SchemaSettings::default()),
        hub: hub.clone(),
    }
}
