// A "transit" subgraph written for the composition test: public-transport stops of
// Treptow-Köpenick (fictional line lists, real-ish places). It extends the Hub's
// `Location` by its key with the stops near it (from the location's coordinates,
// which it @requires from the Hub), and owns `Stop`, which points back at the Hub's
// `Service`s offered near it. Which offers are where it learns once, at start, from
// the Hub's HSDS API (`/hsds/service_at_locations?full=true&format=ndjson`).
//
//   node transit.mjs HUB_BASE_URL PORT

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

export const STOPS = [
  { id: "stop-treptower-park", name: "S Treptower Park", lines: ["S8", "S9", "S41", "S42", "194"], latitude: 52.4934, longitude: 13.4614 },
  { id: "stop-plaenterwald", name: "S Plänterwald", lines: ["S8", "S9", "265"], latitude: 52.4779, longitude: 13.4733 },
  { id: "stop-baumschulenweg", name: "S Baumschulenweg", lines: ["S45", "S46", "S47", "S8", "S9", "170"], latitude: 52.4677, longitude: 13.4893 },
  { id: "stop-schoeneweide", name: "S Schöneweide", lines: ["S45", "S46", "S47", "S8", "S9", "M17", "21"], latitude: 52.4551, longitude: 13.51 },
  { id: "stop-adlershof", name: "S Adlershof", lines: ["S45", "S46", "S8", "S9", "61", "63"], latitude: 52.4349, longitude: 13.5413 },
  { id: "stop-koepenick", name: "S Köpenick", lines: ["S3", "X69", "164"], latitude: 52.4585, longitude: 13.5812 },
  { id: "stop-rathaus-koepenick", name: "Rathaus Köpenick", lines: ["27", "60", "61", "62", "68"], latitude: 52.4446, longitude: 13.5747 },
  { id: "stop-alt-treptow", name: "Elsenstraße / Kiefholzstraße", lines: ["194", "M43"], latitude: 52.4889, longitude: 13.4589 },
];

/** Stops within this many metres count as near. */
export const NEAR_METRES = 1500;

export function metres(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const dp = rad(b.latitude - a.latitude);
  const dl = rad(b.longitude - a.longitude);
  const h = Math.sin(dp / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dl / 2) ** 2;
  return Math.round(2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h))));
}

/** The stops near a point, nearest first. */
export function stopsNear(point) {
  return STOPS.map((stop) => ({ stop, distanceMetres: metres(point, stop) }))
    .filter((s) => s.distanceMetres <= NEAR_METRES)
    .sort((a, b) => a.distanceMetres - b.distanceMetres || a.stop.id.localeCompare(b.stop.id));
}

const typeDefs = parse(`
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])

  "A public-transport stop."
  type Stop @key(fields: "id") {
    id: ID!
    name: String!
    "Lines calling here."
    lines: [String!]!
    latitude: Float!
    longitude: Float!
    "The Hub's offers at a location near this stop, nearest first."
    offersNearby: [Service!]!
  }

  "A stop near a place, and how far it is."
  type NearbyStop {
    stop: Stop!
    distanceMetres: Int!
  }

  "The Hub's location, with the stops near it."
  type Location @key(fields: "id") {
    id: ID!
    latitude: Float @external
    longitude: Float @external
    "Stops within walking distance, nearest first (none without coordinates)."
    stops: [NearbyStop!]! @requires(fields: "latitude longitude")
  }

  "The Hub's service (offer), referenced by its key."
  type Service @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Query {
    "Every stop."
    stops: [Stop!]!
    "A stop by id."
    stop(id: ID!): Stop
  }
`);

/** Which offers are where, read from the Hub's HSDS API. */
async function offersByPlace(hub) {
  const res = await fetch(`${hub}/hsds/service_at_locations?full=true&format=ndjson`);
  if (!res.ok) throw new Error(`the Hub's HSDS API answered ${res.status}`);
  return (await res.text())
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((sal) => typeof sal.location?.latitude === "number")
    .map((sal) => ({ service: sal.service_id, latitude: sal.location.latitude, longitude: sal.location.longitude }));
}

/** The ids of the offers near a stop, nearest first, each once. */
export function offersNear(stop, places) {
  const seen = new Set();
  return places
    .map((p) => ({ id: p.service, d: metres(stop, p) }))
    .filter((p) => p.d <= NEAR_METRES)
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .filter((p) => !seen.has(p.id) && seen.add(p.id))
    .map((p) => p.id);
}

export async function start(hub, port) {
  const places = await offersByPlace(hub);
  const stop = (s) => ({ ...s, offersNearby: offersNear(s, places).map((id) => ({ __typename: "Service", id })) });
  const resolvers = {
    Query: {
      stops: () => STOPS.map(stop),
      stop: (_, { id }) => {
        const s = STOPS.find((x) => x.id === id);
        return s ? stop(s) : null;
      },
    },
    Stop: {
      __resolveReference: ({ id }) => {
        const s = STOPS.find((x) => x.id === id);
        return s ? stop(s) : null;
      },
    },
    Location: {
      stops: (loc) =>
        typeof loc.latitude === "number" && typeof loc.longitude === "number"
          ? stopsNear(loc).map((n) => ({ stop: stop(n.stop), distanceMetres: n.distanceMetres }))
          : [],
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port } });
  return { server, url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [hub, port] = process.argv.slice(2);
  const { url } = await start(hub.replace(/\/$/, ""), Number(port ?? 4001));
  console.log(`transit subgraph at ${url}`);
}
