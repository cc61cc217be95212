import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from '@hono/zod-openapi';
import { planKeys } from '../storage/keys/control';
import { type TransactItem, transactOrConflict } from '../storage/transact';
import { OPERATIONS } from './model';

const vnd = z.number().int('money is integer VND').min(0).max(1_000_000_000_000);

/** One step of a graduated price: calls up to and including `upTo` (counted from the month's first) at `priceVnd`. */
export const PriceTierSchema = z
  .object({
    upTo: z.number().int().min(1).max(1_000_000_000).optional(),
    priceVnd: vnd,
  })
  .strict();
export type PriceTier = z.infer<typeof PriceTierSchema>;

/** Tiers ascend strictly by `upTo`; only the last is open-ended (no `upTo`), and it must be there. */
const TiersSchema = z
  .array(PriceTierSchema)
  .min(1)
  .max(20)
  .refine(
    (tiers) =>
      tiers.every((t, i) =>
        i === tiers.length - 1
          ? t.upTo === undefined
          : t.upTo !== undefined && (i === 0 || t.upTo > (tiers[i - 1]?.upTo ?? 0)),
      ),
    {
      message: 'tiers ascend strictly by upTo, and only the last one leaves upTo out',
      params: { rule: 'tiers-ascending' },
    },
  );

/** A price plan as admins write it. Every money amount is integer VND. */
export const PlanInputSchema = z
  .object({
    code: z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'use 2-32 capital letters, digits or dashes, e.g. STANDARD'),
    name: z.string().trim().min(1).max(200),
    rateLimit: z.object({
      perSecond: z.number().int().min(1).max(10_000),
      burst: z.number().int().min(1).max(100_000),
    }),
    monthlyQuota: z.number().int().min(0).max(1_000_000_000),
    includedCalls: z.number().int().min(0).max(1_000_000_000),
    monthlyFeeVnd: vnd,
    unitPricesVnd: z.partialRecord(z.enum(OPERATIONS), vnd),
    /** Graduated prices per operation; where given they replace that operation's unit price. */
    tiersVnd: z.partialRecord(z.enum(OPERATIONS), TiersSchema).optional(),
  })
  .strict()
  .refine((p) => p.rateLimit.burst >= p.rateLimit.perSecond, {
    message: 'burst must be at least perSecond',
    path: ['rateLimit', 'burst'],
    // Named for clients that word the rule themselves (the console, in Vietnamese).
    params: { rule: 'burst-at-least-per-second' },
  });
export type PlanInput = z.infer<typeof PlanInputSchema>;

export interface Plan extends PlanInput {
  version: number;
  createdAt: string;
}

/**
 * The limits a call is held to: its agency's plan version's quota and rate limit (or the platform defaults), carried
 * by its token so the ledger transaction can enforce them without reading the plan. The token carries them under
 * short claim names (shared/auth/tokens.ts maps them, there only).
 */
export interface Limits {
  plan: string;
  planVersion: number;
  monthlyQuota: number;
  ratePerSecond: number;
  burst: number;
  /** The agency's ledger lanes (shared/ledger/lanes.ts): an agency's, not a plan's, added when a token is issued. */
  lanes?: number | undefined;
}

export const limitsOf = (plan: Plan): Limits => ({
  plan: plan.code,
  planVersion: plan.version,
  monthlyQuota: plan.monthlyQuota,
  ratePerSecond: plan.rateLimit.perSecond,
  burst: plan.rateLimit.burst,
});

/** Limits for an agency with no plan: metered, priced at zero, limited by the platform defaults. */
export const defaultLimits = (config: {
  DEFAULT_MONTHLY_QUOTA: number;
  DEFAULT_RATE_PER_SECOND: number;
  DEFAULT_RATE_BURST: number;
}): Limits => ({
  plan: 'NONE',
  planVersion: 0,
  monthlyQuota: config.DEFAULT_MONTHLY_QUOTA,
  ratePerSecond: config.DEFAULT_RATE_PER_SECOND,
  burst: Math.max(config.DEFAULT_RATE_BURST, config.DEFAULT_RATE_PER_SECOND),
});

/** Versioned plans: versions are immutable; a change writes the next version and moves CURRENT to it. */
export class PlanRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async current(code: string): Promise<Plan | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: planKeys.current(code), ConsistentRead: true }),
    );
    return Item ? this.version(code, Item.version as number) : undefined;
  }

  /** Plan versions never change once written: each is read once per process (token endpoint, budgets). */
  private readonly versions = new Map<string, Plan>();

  async version(code: string, version: number): Promise<Plan | undefined> {
    const cached = this.versions.get(`${code}@${version}`);
    if (cached) return cached;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: planKeys.version(code, version),
        ConsistentRead: true,
      }),
    );
    const plan = Item?.plan as Plan | undefined;
    if (plan) this.versions.set(`${code}@${version}`, plan);
    return plan;
  }

  async list(): Promise<Plan[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': planKeys.plans },
      }),
    );
    return Items.map((i) => i.plan as Plan);
  }

  /** Writes `plan` as the next version (it must be previous + 1), with the caller's audit record. */
  async saveVersion(plan: Plan, also: TransactItem[] = []): Promise<void> {
    await transactOrConflict(
      this.client,
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...planKeys.version(plan.code, plan.version), plan },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...planKeys.current(plan.code),
              version: plan.version,
              ...planKeys.planListing(plan.code),
              plan,
            },
            ConditionExpression: plan.version === 1 ? 'attribute_not_exists(pk)' : 'version = :previous',
            ...(plan.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': plan.version - 1 } }),
          },
        },
        ...also,
      ],
      `Plan ${plan.code} was changed by someone else; read it again and retry.`,
    );
  }
}
