// The composition test (run by .ci/run): @apollo/gateway composes the Hub with the
// transit subgraph (IntrospectAndCompose, offline: both run on loopback), checks the
// composed supergraph SDL against supergraph.graphql, and runs queries that cross
// both subgraphs through the gateway, comparing each answer with what the two
// subgraphs say when asked directly.
//
//   node compose.mjs HUB_BASE_URL          check (exit 1 on any difference)
//   node compose.mjs HUB_BASE_URL --write  write supergraph.graphql anew

import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { start as startTransit } from "./transit.mjs";

const hub = process.argv[2].replace(/\/$/, "");
const write = process.argv.includes("--write");
const here = new URL(".", import.meta.url);
const SDL_FILE = new URL("supergraph.graphql", here);
/** The subgraph URLs the checked-in supergraph names (the ones of supergraph.yaml). */
const NAMED = { hub: "http://127.0.0.1:8080/graphql", transit: "http://127.0.0.1:4001/graphql" };

const problems = [];
const fail = (msg) => problems.push(msg);

async function post(url, query, variables = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const transit = await startTransit(hub, 0);
const subgraphs = [
  { name: "hub", url: `${hub}/graphql` },
  { name: "transit", url: transit.url },
];

// Compose, as a router does, and compare with the checked-in supergraph.
const { supergraphSdl, cleanup } = await new IntrospectAndCompose({ subgraphs }).initialize({
  update() {},
  async healthCheck() {},
  getDataSource: ({ url }) => new RemoteGraphQLDataSource({ url }),
});
await cleanup?.();
let named = supergraphSdl;
for (const s of subgraphs) named = named.split(s.url).join(NAMED[s.name]);
if (write) {
  writeFileSync(SDL_FILE, named);
  console.log(`wrote ${SDL_FILE.pathname}`);
} else if (readFileSync(SDL_FILE, "utf8") !== named) {
  writeFileSync("/tmp/supergraph.graphql", named);
  fail(
    "ops/supergraph/supergraph.graphql differs from the composition of today's subgraphs " +
      "(composed: /tmp/supergraph.graphql); regenerate with: node ops/supergraph/compose.mjs HUB_URL --write",
  );
}

const gateway = new ApolloGateway({ supergraphSdl });
const server = new ApolloServer({ gateway });
await server.start();
async function viaGateway(query) {
  const res = await server.executeOperation({ query });
  const single = res.body.singleResult;
  if (single.errors) throw new Error(`gateway: ${JSON.stringify(single.errors)}`);
  // graphql-js builds objects without a prototype: compare plain data.
  return JSON.parse(JSON.stringify(single.data));
}

// 1. Services with their locations' stops.
const crossed = await viaGateway(
  "{ services(first: 40) { nodes { id name locations { nodes { id latitude longitude stops { distanceMetres stop { id name } } } } } } }",
);
const own = await post(`${hub}/graphql`, "{ services(first: 40) { nodes { id name locations { nodes { id latitude longitude } } } } }");
const places = own.services.nodes.flatMap((s) => s.locations.nodes);
const reps = places.map((l) => ({ __typename: "Location", id: l.id, latitude: l.latitude, longitude: l.longitude }));
const theirs = await post(
  transit.url,
  "query($r: [_Any!]!) { _entities(representations: $r) { ... on Location { stops { distanceMetres stop { id name } } } } }",
  { r: reps },
);
let i = 0;
const expected1 = {
  services: {
    nodes: own.services.nodes.map((s) => ({
      ...s,
      locations: { nodes: s.locations.nodes.map((l) => ({ ...l, stops: theirs._entities[i++].stops })) },
    })),
  },
};
if (!isDeepStrictEqual(crossed, expected1)) fail("services with their locations' stops: the gateway's answer differs from the subgraphs'");
const withStops = crossed.services.nodes.flatMap((s) => s.locations.nodes).filter((l) => l.stops.length > 0).length;
if (withStops === 0) fail("no location of the first 40 services has a stop near it: the test proves nothing");

// 2. Stops with the offers near them.
const stops = await viaGateway("{ stops { id name lines offersNearby { id name organisation { name } } } }");
const transitStops = await post(transit.url, "{ stops { id name lines offersNearby { id } } }");
const ids = [...new Set(transitStops.stops.flatMap((s) => s.offersNearby.map((o) => o.id)))];
const services = await post(
  `${hub}/graphql`,
  "query($r: [_Any!]!) { _entities(representations: $r) { ... on Service { id name organisation { name } } } }",
  { r: ids.map((id) => ({ __typename: "Service", id })) },
);
const byId = new Map(services._entities.map((s) => [s.id, s]));
const expected2 = {
  stops: transitStops.stops.map((s) => ({ ...s, offersNearby: s.offersNearby.map((o) => byId.get(o.id)) })),
};
if (!isDeepStrictEqual(stops, expected2)) fail("stops with the offers near them: the gateway's answer differs from the subgraphs'");
const offers = stops.stops.reduce((n, s) => n + s.offersNearby.length, 0);
if (offers === 0) fail("no stop has an offer near it: the test proves nothing");

// 3. There and back: the offers near a stop, at their locations, with those locations' stops.
const round = await viaGateway(
  '{ stop(id: "stop-treptower-park") { name offersNearby { name locations { nodes { stops { stop { id } } } } } } }',
);
const back = round.stop.offersNearby.some((o) =>
  o.locations.nodes.some((l) => l.stops.some((s) => s.stop.id === "stop-treptower-park")),
);
if (!back) fail("an offer near S Treptower Park does not have S Treptower Park among its location's stops");

// 4. The Hub's administration is not part of the supergraph API.
for (const field of ["apiKeys { id }", "hsdsSources { url }", "outboxMessages { totalCount }"]) {
  const res = await server.executeOperation({ query: `{ ${field} }` });
  const errors = res.body.singleResult.errors ?? [];
  if (!errors.some((e) => /Cannot query field/.test(e.message))) {
    fail(`${field.split(" ")[0]} is reachable through the gateway; it is @inaccessible`);
  }
}

await server.stop();
await transit.server.stop();
console.log(
  `composition: ${crossed.services.nodes.length} services (${withStops} locations with stops), ${stops.stops.length} stops with ${offers} offers near them, through @apollo/gateway`,
);
if (problems.length) {
  for (const p of problems) console.log(`FAIL: ${p}`);
  process.exit(1);
}
console.log("the gateway answers what the subgraphs answer");
