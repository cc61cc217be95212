import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from '@hono/zod-openapi';
import { batchGetAll } from '../storage/batch';
import { purposeKeys } from '../storage/keys/control';
import { queryAll } from '../storage/paginate';
import { type TransactItem, transactOrConflict } from '../storage/transact';
import { PurposeSchema } from './model';

/**
 * A purpose as admins write it: the administrative procedure's Vietnamese name and its legal basis. Both are
 * NFC-normalised and trimmed before their length is checked, so text typed in NFD is stored (and measured) as NFC.
 */
export const PurposeInputSchema = z
  .object({
    name: z.string().normalize('NFC').trim().min(1).max(200).openapi({
      example: 'Đăng ký thường trú',
      description: 'The procedure name (Vietnamese, 1-200 characters).',
    }),
    legalBasis: z.string().normalize('NFC').trim().min(1).max(500).openapi({
      example: 'Luật Cư trú 2020; Nghị định 62/2021/NĐ-CP',
      description: 'The law or decree that allows the procedure to use the registers (1-500 characters).',
    }),
  })
  .strict();

export type PurposeInput = z.infer<typeof PurposeInputSchema>;

/** A catalogue entry: the code entitlements and calls name (`X-Purpose`), with what it stands for. */
export interface Purpose extends PurposeInput {
  code: string;
  createdAt: string;
  updatedAt: string;
}

/** Names by purpose code, for the codes of an answer that are in the catalogue (an uncatalogued code has none). */
export type PurposeNames = Record<string, string>;

const toPurpose = (item: Record<string, unknown>): Purpose => ({
  code: item.code as string,
  name: item.name as string,
  legalBasis: item.legalBasis as string,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

/** The purpose catalogue in the control table. */
export class PurposeRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every entry, sorted by code: one Query (a page per MB, a few hundred entries fit in one). */
  async list(): Promise<Purpose[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': purposeKeys.partition },
      ConsistentRead: true,
    });
    return items.map(toPurpose);
  }

  /** The entries of the given codes that exist (one BatchGetItem per 100 codes); `consistent` for admin checks. */
  async get(codes: Iterable<string>, consistent = false): Promise<Purpose[]> {
    const keys = [...new Set(codes)].filter((code) => PurposeSchema.safeParse(code).success);
    if (!keys.length) return [];
    const items = await batchGetAll(this.client, this.tableName, keys.map(purposeKeys.purpose), consistent);
    return items.map(toPurpose);
  }

  /** The names of the given codes that are in the catalogue, for answers that show a code's name beside it. */
  async names(codes: Iterable<string | undefined>): Promise<PurposeNames> {
    const wanted = [...codes].filter((code): code is string => typeof code === 'string');
    const found = await this.get(wanted);
    return Object.fromEntries(found.sort((a, b) => (a.code < b.code ? -1 : 1)).map((p) => [p.code, p.name]));
  }

  /** Creates (no `expectedUpdatedAt`) or replaces (at that version) an entry, with the caller's audit record. */
  async save(
    purpose: Purpose,
    expectedUpdatedAt: string | undefined,
    also: TransactItem[] = [],
  ): Promise<void> {
    await transactOrConflict(
      this.client,
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...purposeKeys.purpose(purpose.code), ...purpose },
            ...(expectedUpdatedAt
              ? {
                  ConditionExpression: 'updatedAt = :expected',
                  ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        ...also,
      ],
      `Purpose ${purpose.code} was changed by someone else; read it again and retry.`,
    );
  }
}

/** `purposeNames` in an answer: the name of each catalogued purpose code the answer mentions. */
export const PurposeNamesSchema = z.record(z.string(), z.string()).openapi('PurposeNames', {
  description:
    'The catalogue name of each purpose code this answer mentions (a code not in the catalogue is left out).',
  example: { '1.004194': 'Đăng ký thường trú' },
});
