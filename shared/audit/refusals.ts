import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '../log';
import { refusalKeys } from '../storage/keys/ledger';
import { type AuditEvent, recordLeafHash } from './model';
import { AuditTrail } from './trail';

/**
 * Refused registry attempts of one credential recorded one by one in a minute; the rest of that minute's
 * refusals are counted, and one summary record in the trail says so. A flood of refusals therefore writes at
 * most this many records (and tree leaves) per credential per minute, plus one 1-WCU counter update each.
 */
export const REFUSALS_RECORDED_PER_MINUTE = 20;

/** The action of the record that stands for a minute's refusals beyond the recorded ones. */
export const REFUSALS_SUMMARY_ACTION = 'refusals-beyond-limit';

/** A registry attempt refused before anything was served: who, what, about whom, why claimed, why refused. */
export interface RefusedAttempt {
  requestId: string;
  at: Date;
  clientId: string;
  agencyId: string;
  /** The registry operation the call asked for. */
  operation: string;
  subject?: string | undefined;
  target?: string | undefined;
  purpose?: string | undefined;
  officerId?: string | undefined;
  caseId?: string | undefined;
  status: number;
  /** The problem type slug and its detail: why it was refused. */
  reason: string;
}

/** The minute an instant falls in, as the ISO string of its start. */
const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();

/**
 * Records refused registry attempts in the audit trail (and so in the Merkle log: each record carries its leaf
 * hash like any other). Not metered, not billed. One UpdateItem numbers the attempt within its credential's
 * minute (a plain update, never a transaction: concurrent refusals of one credential queue on the item rather
 * than cancel each other); the first REFUSALS_RECORDED_PER_MINUTE numbers are written as records, the next one
 * writes the summary record, and the rest are only counted.
 */
export class RefusalRecorder {
  private readonly trail: AuditTrail;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly logger?: Logger,
  ) {
    this.trail = new AuditTrail(client, tableName);
  }

  /** Returns the leaf hash of the record written, if this attempt got one. Never throws: a refusal stands. */
  async record(attempt: RefusedAttempt): Promise<string | undefined> {
    try {
      return await this.write(attempt);
    } catch (error) {
      // The caller is refused whatever happens here; what could not be recorded is logged for the operators.
      this.logger?.error('refused attempt not recorded', {
        requestId: attempt.requestId,
        agencyId: attempt.agencyId,
        clientId: attempt.clientId,
        status: attempt.status,
        error: (error as Error).name,
      });
      return undefined;
    }
  }

  private async write(attempt: RefusedAttempt): Promise<string | undefined> {
    const minute = minuteOf(attempt.at);
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: refusalKeys.counter(attempt.clientId, minute),
        UpdateExpression: 'SET agencyId = :agency, #minute = :minute ADD refused :one',
        ExpressionAttributeNames: { '#minute': 'minute' },
        ExpressionAttributeValues: { ':agency': attempt.agencyId, ':minute': minute, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const n = Number(Attributes?.refused ?? 0);
    if (n > REFUSALS_RECORDED_PER_MINUTE + 1) return undefined;
    const event: AuditEvent =
      n <= REFUSALS_RECORDED_PER_MINUTE
        ? {
            id: attempt.requestId,
            at: attempt.at.toISOString(),
            kind: 'registry-call',
            actor: { clientId: attempt.clientId, agencyId: attempt.agencyId },
            action: attempt.operation,
            subject: attempt.subject,
            target: attempt.target,
            purpose: attempt.purpose,
            officerId: attempt.officerId,
            caseId: attempt.caseId,
            outcome: 'refused',
            status: attempt.status,
            reason: attempt.reason,
          }
        : {
            id: attempt.requestId,
            at: attempt.at.toISOString(),
            kind: 'registry-call',
            actor: { clientId: attempt.clientId, agencyId: attempt.agencyId },
            action: REFUSALS_SUMMARY_ACTION,
            target: `credential:${attempt.clientId}`,
            outcome: 'refused',
            status: attempt.status,
            reason: `More than ${REFUSALS_RECORDED_PER_MINUTE} registry attempts of this credential were refused in the minute from ${minute}; each one after them is counted (GET /audit/events gives the count), not recorded.`,
            refusals: { minute, recorded: REFUSALS_RECORDED_PER_MINUTE },
          };
    // Written once whatever a resend does (AuditTrail ignores its own record already there).
    await this.trail.record(event);
    return recordLeafHash(event);
  }
}
