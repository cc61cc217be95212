import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LogRecord } from './log';
import type { AuditEvent } from './model';

/** One change record of a DynamoDB stream, as Lambda's event source and the Streams API both give it. */
export interface StreamChange {
  eventName?: string | undefined;
  dynamodb?: { NewImage?: Record<string, unknown> | undefined } | undefined;
}

/**
 * The attribute that marks an audit record in the ledger table (see auditItem): the sealer's event source
 * filter in AWS selects inserts that carry it, and the local feed applies the same rule.
 */
export const AUDIT_MARKER = 'leafHash';

/** The audit records among stream changes: newly inserted items that carry the marker and an event. */
export function auditRecordsOf(changes: readonly StreamChange[]): LogRecord[] {
  const out: LogRecord[] = [];
  for (const change of changes) {
    const image = change.dynamodb?.NewImage;
    if (change.eventName !== 'INSERT' || !image || !(AUDIT_MARKER in image) || !('event' in image)) continue;
    const item = unmarshall(restoreEmptyMaps(image) as Record<string, AttributeValue>);
    out.push({ pk: item.pk as string, sk: item.sk as string, event: item.event as AuditEvent });
  }
  return out;
}

/**
 * The Streams client gives an empty map attribute (`{"M":{}}`) back as `{}`, which unmarshall refuses; every
 * other attribute type has its key, so an empty object can only be an empty map. (A record's bytes must be
 * reproduced exactly: `unitPricesVnd: {}` in an admin record stays `{}`.)
 */
function restoreEmptyMaps(image: Record<string, unknown>): Record<string, unknown> {
  const fix = (value: unknown): unknown => {
    if (!value || typeof value !== 'object') return value;
    const av = value as Record<string, unknown>;
    const keys = Object.keys(av);
    if (!keys.length) return { M: {} };
    if (av.M && typeof av.M === 'object') return { M: restoreEmptyMaps(av.M as Record<string, unknown>) };
    if (Array.isArray(av.L)) return { L: av.L.map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)]));
}
