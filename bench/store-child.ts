/**
 * The conflict-faithful store (local/service-store.ts) in its own process, so that its CPU is not counted as
 * the gateway's and its timers do not share the gateway's event loop (in AWS the store is not on the gateway's
 * CPU at all). Started by bench/contention.ts with fork(); answers `stats`, `reset` and `stop` over IPC and
 * exits when its parent goes away.
 *
 *   tsx bench/store-child.ts --target URL [--no-conflicts] [--transact-ms 25] [--item-ms 7]
 */
import { parseArgs } from 'node:util';
import { startServiceStore } from '../local/service-store';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    'no-conflicts': { type: 'boolean', default: false },
    'transact-ms': { type: 'string', default: '25' },
    'item-ms': { type: 'string', default: '7' },
  },
});
if (!values.target || !process.send) {
  process.stderr.write('store-child: needs --target and an IPC channel (start it with fork)\n');
  process.exit(2);
}

const store = await startServiceStore({
  target: values.target,
  conflicts: !values['no-conflicts'],
  transactMs: Number(values['transact-ms']),
  itemMs: Number(values['item-ms']),
});

const stop = async () => {
  await store.stop();
  process.exit(0);
};
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', stats: store.stats() });
  if (message.type === 'reset') {
    store.resetStats();
    process.send?.({ type: 'reset' });
  }
  if (message.type === 'stop') void stop();
});
process.send({ type: 'ready', endpoint: store.endpoint });
