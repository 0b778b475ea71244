// Netzwerk Hub: starts GraphiQL on the page served at GET /graphql.
//
// A file of its own rather than an inline script, so that the page's
// Content-Security-Policy can forbid inline scripts. The GraphQL endpoint is
// read from the `data-endpoint` attribute of the element GraphiQL renders into.
//
// Served at /graphiql/init-1.js with a year-long immutable cache and an
// integrity hash in the page: when changing this file, rename it (init-2.js,
// ...) and update crates/gateway/src/graphiql.rs and README.md.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  if (!root) {
    return;
  }
  // Set here rather than in a style element or attribute: the page has none.
  document.body.style.margin = "0";
  document.body.style.overflow = "hidden";
  root.style.height = "100vh";
  var endpoint = root.getAttribute("data-endpoint") || "/graphql";
  var fetcher = GraphiQL.createFetcher({
    url: new URL(endpoint, window.location.href).toString()
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true
    })
  );
})();
