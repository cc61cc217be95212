import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';
import { isConditionFailure } from './errors';

/** One item of a TransactWriteItems call: admin writes carry their audit record in the same transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Runs a transaction; a failed condition (someone else changed or created the item) becomes a 409 saying
 * `conflict`. A conflict with another transaction or a throttled item is transient and thrown as it is (503).
 */
export async function transactOrConflict(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  conflict: string,
): Promise<void> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError(conflict);
    throw error;
  }
}

/** A cancelled transaction's reasons, read by the names its items were given (see namedItems). */
export interface NamedReasons<N extends string> {
  /** The named item's cancellation code: `None` where it did not cancel the transaction, or was not sent. */
  code(name: N): string;
  /** Whether the named item's condition failed. */
  failed(name: N): boolean;
  /** The item as it was stored when its condition failed (where it asked for ReturnValuesOnConditionCheckFailure). */
  item(name: N): Record<string, AttributeValue> | undefined;
}

/**
 * A transaction's items, each named for what it checks: sent in the order they are named (those left undefined
 * are not sent), then the unnamed `also` (an audit record). DynamoDB answers a cancellation's reasons in item
 * order; `reasonsOf` reads them back by name. Names are words: an integer-like key would be ordered first.
 */
export function namedItems<N extends string>(
  named: { [K in N]?: TransactItem | undefined },
  also: TransactItem[] = [],
): { items: TransactItem[]; reasonsOf: (reasons: CancellationReason[] | undefined) => NamedReasons<N> } {
  const sent = (Object.entries(named) as [N, TransactItem | undefined][]).filter(
    (entry): entry is [N, TransactItem] => entry[1] !== undefined,
  );
  const position = new Map(sent.map(([name], i) => [name, i]));
  return {
    items: [...sent.map(([, item]) => item), ...also],
    reasonsOf: (reasons = []) => {
      const reason = (name: N) => {
        const i = position.get(name);
        return i === undefined ? undefined : reasons[i];
      };
      const code = (name: N) => reason(name)?.Code ?? 'None';
      return {
        code,
        failed: (name) => code(name) === 'ConditionalCheckFailed',
        item: (name) => reason(name)?.Item,
      };
    },
  };
}
