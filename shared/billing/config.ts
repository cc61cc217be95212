import { z } from 'zod';
import { ConfigError } from '../config';

export const BillingSettingsSchema = z.object({
  /** VAT on statements, an integer percent applied once on the subtotal. */
  BILLING_VAT_PERCENT: z.coerce.number().int().min(0).max(100).default(10),
});

export interface BillingSettings {
  vatPercent: number;
}

/** Billing's own environment, parsed once when the billing routes are built (cold start); fails fast. */
export function loadBillingSettings(env: Record<string, string | undefined> = process.env): BillingSettings {
  const result = BillingSettingsSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration: BILLING_VAT_PERCENT: ${result.error.issues[0]?.message}`);
  }
  return { vatPercent: result.data.BILLING_VAT_PERCENT };
}
