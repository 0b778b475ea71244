// PostGraphile 4 reads ./.postgraphilerc.js from the directory it starts in (ops/bench).
// connectionFilterRelations lets filters reach through relations (query A: services
// with a language and a location in a locality); it cannot be set as a CLI flag.
module.exports = {
  options: {
    connection: process.env.PEER_DATABASE_URL,
    schema: ["public"],
    host: "127.0.0.1",
    port: Number(process.env.PEER_PORT || 5099),
    appendPlugins: [
      "postgraphile-plugin-connection-filter",
      "@graphile-contrib/pg-simplify-inflector",
    ],
    disableDefaultMutations: true,
    disableQueryLog: true,
    disableGraphiql: true,
    graphileBuildOptions: {
      connectionFilterRelations: true,
    },
  },
};
