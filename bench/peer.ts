/**
 * The peer for `npm run bench`: the gateway a team would otherwise assemble from parts. fast-gateway 5 with
 * API-key auth, express-rate-limit and a proxy to the bench's bare record-read route, in its own process (as
 * our gateway is measured in its own). It knows nothing of purposes, entitlements, quotas per plan, metering or
 * audit: the difference in throughput is what those cost.
 *
 *   node --import tsx bench/peer.ts --upstream http://127.0.0.1:PORT --key KEY
 * Prints `listening <port>` on stdout when ready.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { rateLimit } from 'express-rate-limit';
import gateway from 'fast-gateway';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, key: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream || !values.key) {
  process.stderr.write('usage: bench/peer.ts --upstream URL --key KEY [--port N]\n');
  process.exit(2);
}
const apiKey = values.key;

type Next = (error?: unknown) => void;
type Request = IncomingMessage & { ip?: string };

/** Key auth as such gateways do it: one shared key per consumer in a header. */
function keyAuth(req: Request, res: ServerResponse, next: Next) {
  if (req.headers['x-api-key'] !== apiKey) {
    res.statusCode = 401;
    res.setHeader('Content-Type', 'application/json');
    res.end('{"message":"Unauthorized"}');
    return;
  }
  next();
}

const limiter = rateLimit({
  windowMs: 1000,
  limit: 1_000_000,
  // Per consumer, as our gateway limits per agency (restana's request has no req.ip for the default key).
  keyGenerator: (req) => String(req.headers['x-api-key']),
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  validate: false,
});

const server = gateway({
  middlewares: [keyAuth, limiter as unknown as (req: Request, res: ServerResponse, next: Next) => void],
  routes: [{ prefix: '/v1', target: values.upstream, prefixRewrite: '/bare' }],
});

const listening = await server.start(Number(values.port));
const address = (listening as { address(): { port: number } }).address();
process.stdout.write(`listening ${address.port}\n`);
