// The GraphQL-over-HTTP audit of graphql-http (its own `auditServer`) against
// a running Tandem: `node http-audit.mjs <url> [token]`. With a token every
// request carries `Authorization: Bearer <token>`. Prints one line per check
// and a tally per level (MUST, SHOULD, MAY); exits 1 when any MUST or SHOULD
// check is not ok, so that a regression fails the run.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node http-audit.mjs <url> [token]');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  if (!token) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const tally = {};
let failed = 0;
for (const result of results) {
  const level = result.name.split(' ')[0];
  tally[level] ??= { ok: 0, total: 0 };
  tally[level].total += 1;
  if (result.status === 'ok') {
    tally[level].ok += 1;
  } else {
    const reason = result.reason ?? '';
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${reason}`);
    if (level !== 'MAY') failed += 1;
  }
}
const summary = Object.entries(tally)
  .map(([level, { ok, total }]) => `${level} ${ok}/${total}`)
  .join(', ');
console.log(`${token ? 'with a credential' : 'without a credential'}: ${summary}`);
process.exit(failed ? 1 : 0);
