#!/usr/bin/env node
// Runs the graphql-http server audits (GraphQL over HTTP spec conformance)
// against a running GraphQL endpoint.
//
// Usage: node audit.mjs URL        e.g. node audit.mjs http://127.0.0.1:8080/graphql
//
// Prints one line per audit, then a summary line:
//   graphql-http audit: P of T passed (N MUST), M MUST failed, K SHOULD/MAY not met
// Exit code: 1 if any audit failed or was not met (MUST, SHOULD or MAY), 2 on usage
// errors, 0 when every audit passed.

import { serverAudits } from 'graphql-http';

const BODY_PREVIEW_CHARS = 300;

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') usage();
const url = args[0];
try {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    usage(`not an http(s) URL: ${url}`);
  }
} catch {
  usage(`invalid URL: ${url}`);
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > BODY_PREVIEW_CHARS
    ? `${flat.slice(0, BODY_PREVIEW_CHARS)}... (${flat.length} chars)`
    : flat;
}

// Summarise a failed audit's Response: status, content-type and a body preview.
// The body may already have been read by the audit (e.g. the utf-8 check),
// in which case it cannot be read again.
async function describeResponse(response) {
  if (!response || typeof response !== 'object') return '';
  const parts = [];
  if ('status' in response) {
    parts.push(`status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const contentType = response.headers?.get?.('content-type');
  parts.push(`content-type ${contentType ?? '(none)'}`);
  let body;
  if (response.bodyUsed) {
    body = '(body already consumed)';
  } else {
    try {
      const text = await response.text();
      body = text === '' ? '(empty body)' : `body: ${oneLine(text)}`;
    } catch (err) {
      body = `(body unreadable: ${err?.message ?? err})`;
    }
  }
  parts.push(body);
  return parts.join('; ');
}

function levelOf(name) {
  return String(name).split(' ', 1)[0]; // 'MUST' | 'SHOULD' | 'MAY'
}

const audits = serverAudits({ url, fetchFn: fetch });

let passed = 0;
let mustPassed = 0;
let mustFailed = 0;
let optionalNotMet = 0;

// Sequential on purpose: deterministic output order and a gentle load on the server.
for (const { id, name, fn } of audits) {
  const isMust = levelOf(name) === 'MUST';
  let result;
  try {
    result = await fn();
  } catch (err) {
    // graphql-http only throws for fatal problems (e.g. connection refused).
    const cause = err?.cause?.message ?? err?.cause?.code;
    result = {
      id,
      name,
      status: isMust ? 'error' : 'warn',
      reason: `fatal: ${err?.message ?? err}${cause ? ` (${cause})` : ''}`,
      response: undefined,
    };
  }

  if (result.status === 'ok') {
    passed++;
    if (isMust) mustPassed++;
    console.log(`ok     ${id} ${name}`);
    continue;
  }

  if (isMust) mustFailed++;
  else optionalNotMet++;
  // graphql-http reports failed MUSTs as 'error', SHOULDs as 'warn' and MAYs as
  // 'notice'; only MUSTs are errors here, everything else not met is a 'warn'.
  const status = isMust ? 'error' : 'warn';
  const summary = await describeResponse(result.response);
  console.log(
    `${status.padEnd(6)} ${id} ${name}: ${result.reason}${summary ? ` [${summary}]` : ''}`,
  );
}

console.log(
  `graphql-http audit: ${passed} of ${audits.length} passed (${mustPassed} MUST), ${mustFailed} MUST failed, ${optionalNotMet} SHOULD/MAY not met`,
);
// Every audit counts: a SHOULD or MAY not met fails the run as a failed MUST does.
process.exit(mustFailed > 0 || optionalNotMet > 0 || passed !== audits.length ? 1 : 0);
