/** What billing needs from the configuration (shared/config.ts parses it once, with the rest). */
export interface BillingSettings {
  /** VAT on statements, an integer percent applied once on the subtotal (BILLING_VAT_PERCENT). */
  vatPercent: number;
}
