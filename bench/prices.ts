/**
 * Published AWS prices the bench turns measured capacity and CPU into a cost per million brokered calls with.
 * Taken on 2026-12-01 through the stored-web search available to the bench's author (this machine has no
 * internet access); every figure names where it was read, and figures that could not be read for a region are
 * marked `verified: false` with how they were obtained. Check them on the AWS pages before finance uses them.
 */
export const PRICES_TAKEN_ON = '2026-12-01';

export interface Price {
  usd: number;
  /** Read from a published AWS price (or a verbatim quote of one); false: derived or a bound, see `note`. */
  verified: boolean;
  source: string;
  note?: string;
}

export interface RegionPrices {
  region: string;
  dynamodb: { writeRequestUnitPerMillion: Price; readRequestUnitPerMillion: Price };
  lambda: { arm64GbSecond: Price; requestPerMillion: Price };
  apiGatewayRest: { requestPerMillion: Price };
  waf: { webAclPerMonth: Price; rulePerMonth: Price; requestPerMillion: Price };
}

const DDB_ON_DEMAND = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const APIGW_WHITEPAPER =
  'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html';
const APIGW = 'https://aws.amazon.com/api-gateway/pricing/';
const WAF = 'https://aws.amazon.com/waf/pricing/';
const WAF_BLOG =
  'https://aws.amazon.com/blogs/networking-and-content-delivery/cost-effective-ways-for-securing-your-web-applications-using-aws-waf/';

const waf = (): RegionPrices['waf'] => ({
  webAclPerMonth: {
    usd: 5,
    verified: true,
    source: `${WAF}; ${WAF_BLOG}`,
    note: 'AWS: "The pricing for AWS WAF is consistent across all AWS Regions."',
  },
  rulePerMonth: { usd: 1, verified: true, source: `${WAF}; ${WAF_BLOG}` },
  requestPerMillion: { usd: 0.6, verified: true, source: `${WAF}; ${WAF_BLOG}` },
});

/** Singapore's provisioned write/read capacity prices over us-east-1's ($0.00074 / $0.00065 per WCU-hour). */
const SINGAPORE_OVER_US_EAST = 0.00074 / 0.00065;

export const regionPrices: RegionPrices[] = [
  {
    region: 'us-east-1',
    dynamodb: {
      writeRequestUnitPerMillion: {
        usd: 0.625,
        verified: true,
        source: DDB_ON_DEMAND,
        note: 'after the November 2024 on-demand price reduction; the page renders its rate table client-side, the figure is quoted from it by several dated third-party notes',
      },
      readRequestUnitPerMillion: { usd: 0.125, verified: true, source: DDB_ON_DEMAND },
    },
    lambda: {
      arm64GbSecond: {
        usd: 0.0000133334,
        verified: true,
        source: LAMBDA,
        note: 'first 6 billion GB-s a month',
      },
      requestPerMillion: { usd: 0.2, verified: true, source: LAMBDA },
    },
    apiGatewayRest: {
      requestPerMillion: {
        usd: 3.5,
        verified: true,
        source: `${APIGW_WHITEPAPER}; ${APIGW}`,
        note: 'first 333 million requests a month (then $2.80, $2.38, $1.51)',
      },
    },
    waf: waf(),
  },
  {
    region: 'ap-southeast-1',
    dynamodb: {
      writeRequestUnitPerMillion: {
        usd: Math.round(0.625 * SINGAPORE_OVER_US_EAST * 10_000) / 10_000,
        verified: false,
        source: DDB_ON_DEMAND,
        note: "derived: us-east-1's on-demand price times Singapore's provisioned-capacity premium (WCU-hour $0.00074 vs $0.00065, RCU-hour $0.000148 vs $0.00013, as a public DynamoDB cost tool lists them); the stored page shows no regional on-demand figure",
      },
      readRequestUnitPerMillion: {
        usd: Math.round(0.125 * SINGAPORE_OVER_US_EAST * 10_000) / 10_000,
        verified: false,
        source: DDB_ON_DEMAND,
        note: 'derived as the write price',
      },
    },
    lambda: {
      arm64GbSecond: {
        usd: 0.0000133334,
        verified: true,
        source: `${LAMBDA} (AWS Price List API, usage type APS1-Lambda-GB-Second-ARM, as quoted in a public cost note read 2026-08-12)`,
      },
      requestPerMillion: {
        usd: 0.2,
        verified: true,
        source: `${LAMBDA} (AWS Price List API, usage type APS1-Request-ARM)`,
      },
    },
    apiGatewayRest: {
      requestPerMillion: {
        usd: 3.5,
        verified: false,
        source: APIGW,
        note: "LOWER BOUND: the stored page renders its regional rate table client-side and no Singapore REST figure was found; us-east-1's $3.50 is used, Singapore's is likely higher",
      },
    },
    waf: waf(),
  },
];

/** The assumptions the cost model needs beyond the prices; each one is printed with the result. */
export interface CostAssumptions {
  lambdaMemoryMb: number;
  /** Published p50 latencies from Lambda in one region (../shared/TOOLCHAIN.md). */
  firstRoundTripMs: number;
  transactionMs: number;
  /** Brokered calls a month the fixed WAF charges are spread over. */
  monthlyCalls: number;
  wafRules: number;
  /** Sequential store round trips one sealer invocation waits for, and records per invocation. */
  sealerRoundTripsPerBatch: number;
  sealerRoundTripMs: number;
  sealerBatch: number;
}

export const costAssumptions: CostAssumptions = {
  lambdaMemoryMb: 512,
  firstRoundTripMs: 7.6,
  transactionMs: 25,
  // About 1.3 million verification requests a day (the national population database, issue 13).
  monthlyCalls: 40_000_000,
  // infra/stacks/api-stack.ts: two rate-based rules and two AWS managed rule groups.
  wafRules: 4,
  sealerRoundTripsPerBatch: 8,
  sealerRoundTripMs: 10,
  sealerBatch: 1_000,
};

/** What one brokered call was measured to use. */
export interface MeasuredCall {
  rcu: number;
  wcu: number;
  gatewayCpuMs: number;
  /** The audit sealer's share per record, when measured. */
  sealer?: { rcu: number; wcu: number; cpuMs: number } | undefined;
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

/** USD per million brokered calls in one region, with its breakdown. */
export function costPerMillion(
  prices: RegionPrices,
  call: MeasuredCall,
  a: CostAssumptions = costAssumptions,
) {
  const gb = a.lambdaMemoryMb / 1024;
  // Lambda bills whole milliseconds; the CPU measured here is a floor (a Lambda vCPU share at 512 MB is smaller).
  const durationMs = Math.ceil(call.gatewayCpuMs + a.firstRoundTripMs + a.transactionMs);
  const dynamodb =
    call.rcu * prices.dynamodb.readRequestUnitPerMillion.usd +
    call.wcu * prices.dynamodb.writeRequestUnitPerMillion.usd;
  const lambda =
    1e6 * gb * (durationMs / 1000) * prices.lambda.arm64GbSecond.usd + prices.lambda.requestPerMillion.usd;
  const apiGateway = prices.apiGatewayRest.requestPerMillion.usd;
  const wafFixed = prices.waf.webAclPerMonth.usd + a.wafRules * prices.waf.rulePerMonth.usd;
  const waf = prices.waf.requestPerMillion.usd + wafFixed / (a.monthlyCalls / 1e6);
  let auditSealing = 0;
  if (call.sealer) {
    const sealerMs = call.sealer.cpuMs + (a.sealerRoundTripsPerBatch * a.sealerRoundTripMs) / a.sealerBatch;
    auditSealing =
      call.sealer.rcu * prices.dynamodb.readRequestUnitPerMillion.usd +
      call.sealer.wcu * prices.dynamodb.writeRequestUnitPerMillion.usd +
      1e6 * gb * (sealerMs / 1000) * prices.lambda.arm64GbSecond.usd +
      prices.lambda.requestPerMillion.usd / a.sealerBatch;
  }
  const breakdown = {
    dynamodb: round(dynamodb),
    lambda: round(lambda),
    apiGatewayRest: round(apiGateway),
    waf: round(waf),
    auditSealing: round(auditSealing),
  };
  const total = round(Object.values(breakdown).reduce((s, v) => s + v, 0));
  const verified =
    prices.dynamodb.writeRequestUnitPerMillion.verified &&
    prices.dynamodb.readRequestUnitPerMillion.verified &&
    prices.apiGatewayRest.requestPerMillion.verified;
  return { usd: total, breakdown, lambdaBilledMs: durationMs, allPricesVerified: verified };
}

/** Every price of every region, named, for printing. */
function allPrices(): { region: string; name: string; price: Price }[] {
  return regionPrices.flatMap((r) => [
    { region: r.region, name: 'DynamoDB write request unit', price: r.dynamodb.writeRequestUnitPerMillion },
    { region: r.region, name: 'DynamoDB read request unit', price: r.dynamodb.readRequestUnitPerMillion },
    { region: r.region, name: 'Lambda arm64 GB-second', price: r.lambda.arm64GbSecond },
    { region: r.region, name: 'Lambda request', price: r.lambda.requestPerMillion },
    { region: r.region, name: 'API Gateway REST request', price: r.apiGatewayRest.requestPerMillion },
    { region: r.region, name: 'WAF request', price: r.waf.requestPerMillion },
  ]);
}

/** The pages the prices were read from. */
export const priceSources = () => [...new Set(allPrices().flatMap(({ price }) => price.source.split('; ')))];

/** One line per price that is derived or a bound rather than read. */
export const unverifiedPrices = () =>
  allPrices()
    .filter(({ price }) => !price.verified)
    .map(({ region, name, price }) => `${region} ${name}: ${price.usd} (${price.note ?? 'unverified'})`);
