//! Fuzzes GraphQL requests: any bytes, read as a document, a request body, a query
//! string and an `Accept` header, give an answer or a clean error, never a panic; a
//! document within the limits runs against the schema to an answer in time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    netzwerk_gateway::fuzzing::graphql_input(data);
});
