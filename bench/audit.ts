/**
 * The audit log bench (issue 14, "Measured in the bench"), on a DynamoDB Local of its own (in memory, stopped at
 * the end) with the gateway's table definitions:
 *
 * - appending records through AuditLog.append in stream-sized batches: records/s, item writes per record counted
 *   at the SDK, transactions per record, and the capacity units DynamoDB Local reports for it;
 * - inclusion proof latency at a small and a large tree (10,000 vs 1,000,000 leaves; quick: 1,000 vs 100,000),
 *   each proof verified against its signed checkpoint.
 *
 * The records are synthetic registry-call records of the real shape (as the ledger table's stream delivers them:
 * item key and event); the sealer never reads the records themselves, so they are not written here. The append is
 * measured on the ledger table as deployed (its stream on). The two trees the proofs are timed on are built by the
 * same AuditLog.append, in larger batches, in tables of the same key schema without a stream: DynamoDB Local
 * writes its stream records at about half its write rate, and a stream changes nothing a proof reads.
 */

import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoLocal } from '../local/dynamo-local';
import { progressBar } from '../local/synthetic';
import { auditLogOf, type LogRecord } from '../shared/audit/log';
import type { AuditEvent } from '../shared/audit/model';
import { verifyAuditProof } from '../shared/audit/proof';
import type { SigningKeys } from '../shared/auth/keys';
import { periodOf } from '../shared/ledger/period';
import { createStoreClient } from '../shared/storage/client';
import { ledgerKeys } from '../shared/storage/keys/ledger';
import { ensureTables } from '../shared/storage/provision';
import { tableDefinitions } from '../shared/storage/tables';
import { meterStore } from './capacity';
import { round } from './load';

export interface AuditBenchOptions {
  appendRecords: number;
  batch: number;
  proofLeaves: { small: number; large: number };
  buildBatch: number;
  proofSamples: number;
  keys: Pick<SigningKeys, 'signingKey' | 'jwks'>;
  issuer: string;
  say: (line: string) => void;
}

const AGENCIES = 20;

/** Record i of a deterministic stream of served registry calls, spread over a few agencies and one day. */
function syntheticRecord(i: number, at: Date): LogRecord {
  const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const { period, day } = periodOf(at);
  const agencyId = `ag_bench${String(i % AGENCIES).padStart(2, '0')}`;
  const event: AuditEvent = {
    id,
    at: new Date(at.getTime() + (i % 86_400) * 1000).toISOString(),
    kind: 'registry-call',
    actor: { clientId: `ndgc_${agencyId}_0001`, agencyId },
    action: 'citizen:read',
    subject: String(1_000_000_000 + ((i * 7919) % 899_999_999)).padStart(12, '0'),
    purpose: '1.001',
    outcome: 'served',
    status: 200,
    ledger: { period, day, plan: 'STANDARD', planVersion: 1, billable: true },
  };
  return { ...ledgerKeys.entry(agencyId, period, id), event };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function runAuditBench(options: AuditBenchOptions) {
  const { say } = options;
  say('Audit log: starting a DynamoDB Local of its own (in memory)...');
  const dynamo = await startDynamoLocal();
  const store = createStoreClient({ region: 'local', endpoint: dynamo.endpoint });
  try {
    const tables = {
      control: 'audit-bench-control',
      registry: 'audit-bench-registry',
      ledger: 'audit-bench-ledger',
    };
    await ensureTables(store, tables);
    const meter = meterStore(store, 'auditBenchMeter');
    const logIn = (table: string) =>
      auditLogOf({
        store,
        tables: { ...tables, ledger: table },
        config: { TOKEN_ISSUER: options.issuer },
        keys: options.keys,
        now: () => new Date(),
      });
    const withoutStream = async (name: string) => {
      const { partitionKey, sortKey } = tableDefinitions.ledger;
      await store.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: partitionKey, AttributeType: 'S' },
            { AttributeName: sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: partitionKey, KeyType: 'HASH' },
            { AttributeName: sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
      return logIn(name);
    };
    // The small tree is built first (it also warms the JVM, so the measured append runs at its steady rate).
    const smallLog = await withoutStream(`${tables.ledger}-small`);
    const largeLog = await withoutStream(`${tables.ledger}-large`);
    const log = logIn(tables.ledger);
    const jwks = await options.keys.jwks();
    const at = new Date();
    const appendUpTo = async (
      target: ReturnType<typeof logIn>,
      from: number,
      size: number,
      batch: number,
      onBatch?: (done: number) => void,
    ) => {
      for (let next = from; next < size; ) {
        const count = Math.min(batch, size - next);
        const records = Array.from({ length: count }, (_, k) => syntheticRecord(next + k, at));
        const { treeSize } = await target.append(records);
        next += count;
        if (treeSize !== next) throw new Error(`the audit log has ${treeSize} leaves after ${next} appended`);
        onBatch?.(next);
      }
    };

    /** p50/p99 of inclusion proofs of random leaves of a log of `leaves` leaves, one of them verified. */
    const proofs = async (target: ReturnType<typeof logIn>, leaves: number) => {
      const sample = () => syntheticRecord(Math.floor(Math.random() * leaves), at).event.id;
      const first = await target.inclusionProof(sample());
      if (!first) throw new Error('no inclusion proof for a sealed record');
      const verified = await verifyAuditProof(first, jwks);
      if (verified.treeSize !== leaves) throw new Error(`the proof is against ${verified.treeSize} leaves`);
      for (let i = 0; i < 50; i++) await target.inclusionProof(sample());
      const times: number[] = [];
      let pathLength = 0;
      for (let i = 0; i < options.proofSamples; i++) {
        const t = performance.now();
        const proof = await target.inclusionProof(sample());
        times.push(performance.now() - t);
        pathLength = Math.max(pathLength, proof?.auditPath.length ?? 0);
      }
      times.sort((a, b) => a - b);
      return {
        leaves,
        p50Ms: round(percentile(times, 0.5)),
        p99Ms: round(percentile(times, 0.99)),
        samples: times.length,
        auditPathLength: pathLength,
      };
    };

    say(
      `Audit log: a log of ${options.proofLeaves.small.toLocaleString('en-US')} leaves for the small proof...`,
    );
    await appendUpTo(smallLog, 0, options.proofLeaves.small, options.batch);
    // The measured log's first checkpoint (of the empty tree), so the timed appends are all ordinary ones.
    await log.append([]);

    say(
      `Audit log: appending ${options.appendRecords.toLocaleString('en-US')} records in batches of ${options.batch.toLocaleString('en-US')}...`,
    );
    meter.reset();
    Object.assign(meter.state, { counting: true, capacity: true });
    const bar = progressBar('  appended');
    const cpu = process.cpuUsage();
    const started = performance.now();
    await appendUpTo(log, 0, options.appendRecords, options.batch, (done) =>
      bar.update(done, options.appendRecords),
    );
    const appendMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    bar.finish(options.appendRecords);
    Object.assign(meter.state, { counting: false, capacity: false });
    const totals = meter.totals();
    const records = options.appendRecords;
    const sumUnits = (units: Record<string, number>) => Object.values(units).reduce((s, v) => s + v, 0);
    const append = {
      records,
      batch: options.batch,
      recordsPerSecond: round(records / Math.max(0.001, appendMs / 1000), 0),
      writesPerRecord: round(totals.itemWrites / records, 4),
      transactionsPerRecord: round(totals.transactions / records, 5),
      itemWrites: totals.itemWrites,
      transactions: totals.transactions,
      requests: totals.requests,
      wcuPerRecord: round(sumUnits(totals.write) / records, 4),
      rcuPerRecord: round(sumUnits(totals.read) / records, 4),
      cpuMsPerRecord: round((used.user + used.system) / 1000 / records, 4),
      seconds: round(appendMs / 1000, 1),
    };
    if (append.transactionsPerRecord >= 1) {
      throw new Error(`the audit log appended with ${append.transactionsPerRecord} transactions per record`);
    }
    say(
      `  ${append.recordsPerSecond} records/s, ${append.writesPerRecord} item writes and ${append.transactionsPerRecord} transactions per record, ${append.wcuPerRecord} WCU per record`,
    );

    say(
      `Audit log: a log of ${options.proofLeaves.large.toLocaleString('en-US')} leaves for the large proof, by the same append in batches of ${options.buildBatch.toLocaleString('en-US')}...`,
    );
    const built = performance.now();
    const buildBar = progressBar('  built');
    await appendUpTo(largeLog, 0, options.proofLeaves.large, options.buildBatch, (done) =>
      buildBar.update(done, options.proofLeaves.large),
    );
    buildBar.finish(options.proofLeaves.large);
    const buildSeconds = (performance.now() - built) / 1000;
    const build = {
      leaves: options.proofLeaves.large,
      batch: options.buildBatch,
      seconds: round(buildSeconds, 1),
      recordsPerSecond: round(options.proofLeaves.large / Math.max(0.001, buildSeconds), 0),
      stream: false,
    };
    const small = await proofs(smallLog, options.proofLeaves.small);
    const large = await proofs(largeLog, options.proofLeaves.large);
    const proof = { small, large, ratio: round(large.p50Ms / Math.max(0.001, small.p50Ms)) };
    say(
      `  inclusion proof p50 ${small.p50Ms} ms at ${small.leaves.toLocaleString('en-US')} leaves, ${large.p50Ms} ms at ${large.leaves.toLocaleString('en-US')} (ratio ${proof.ratio}); building it took ${build.seconds} s`,
    );
    return { append, proof, build };
  } finally {
    store.destroy();
    await dynamo.stop();
  }
}
