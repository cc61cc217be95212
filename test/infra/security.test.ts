import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, resourcesOfType } from './gateway-fixture';

/**
 * The edge's security controls as synthesized, beyond what api-stack.test.ts (WAF association, managed rules,
 * stage throttling values), nag.test.ts (cdk-nag, reasons) and permissions.test.ts (least privilege) prove.
 * docs/threat-model.md names each test it relies on.
 */
describe('edge security (synthesized)', () => {
  let template: Template;
  let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

  beforeAll(() => {
    template = Template.fromStack(buildGateway().gateway.api);
    resources = template.toJSON().Resources;
  });

  const stageThrottle = (t: Template) => {
    const [stage] = Object.values(resourcesOfType(t, 'AWS::ApiGateway::Stage'));
    const settings = (stage?.Properties.MethodSettings ?? []) as Record<string, unknown>[];
    return settings.find((s) => s.HttpMethod === '*' && s.ResourcePath === '/*');
  };

  it('takes stage throttling and the WAF per-IP limits from the settings, not from constants', () => {
    const other = Template.fromStack(
      buildGateway({
        settings: {
          throttle: { rateLimit: 37, burstLimit: 74 },
          waf: { requestsPerIp: 4321, tokenRequestsPerIp: 123 },
        },
      }).gateway.api,
    );
    expect(stageThrottle(other)).toMatchObject({ ThrottlingRateLimit: 37, ThrottlingBurstLimit: 74 });
    const [webAcl] = Object.values(resourcesOfType(other, 'AWS::WAFv2::WebACL'));
    const limits = (
      (webAcl?.Properties.Rules ?? []) as { Statement: { RateBasedStatement?: { Limit: number } } }[]
    ).flatMap((r) => r.Statement.RateBasedStatement?.Limit ?? []);
    expect(limits).toEqual([123, 4321]);
  });

  it('blocks at the WAF: rate rules block, the token rule is scoped to /oauth/token, and no managed rule is turned to count', () => {
    const [webAcl] = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'));
    const rules = webAcl?.Properties.Rules as {
      Name: string;
      Action?: Record<string, unknown>;
      OverrideAction?: Record<string, unknown>;
      Statement: {
        RateBasedStatement?: { AggregateKeyType: string; ScopeDownStatement?: unknown };
        ManagedRuleGroupStatement?: { ExcludedRules?: unknown[]; RuleActionOverrides?: unknown[] };
      };
    }[];
    for (const rule of rules.filter((r) => r.Statement.RateBasedStatement)) {
      expect(rule.Action, rule.Name).toEqual({ Block: {} });
      expect(rule.Statement.RateBasedStatement?.AggregateKeyType, rule.Name).toBe('IP');
    }
    const token = rules.find((r) => r.Name === 'TokenEndpointRatePerIp');
    expect(JSON.stringify(token?.Statement.RateBasedStatement?.ScopeDownStatement)).toContain('/oauth/token');
    // The common rule set keeps SizeRestrictions_BODY blocking: a body the WAF cannot inspect in full (> 8 KB)
    // never reaches a function.
    for (const rule of rules.filter((r) => r.Statement.ManagedRuleGroupStatement)) {
      expect(rule.OverrideAction, rule.Name).toEqual({ None: {} });
      expect(rule.Statement.ManagedRuleGroupStatement?.ExcludedRules ?? [], rule.Name).toEqual([]);
      expect(rule.Statement.ManagedRuleGroupStatement?.RuleActionOverrides ?? [], rule.Name).toEqual([]);
    }
    expect(webAcl?.Properties.VisibilityConfig).toMatchObject({
      CloudWatchMetricsEnabled: true,
      SampledRequestsEnabled: true,
    });
  });

  it('exposes the functions only through the API: no function URL, and every API invoke permission names this REST API', () => {
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const [apiId] = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::RestApi'));
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).map(
      (p) => p.Properties as { Principal: string; SourceArn?: unknown },
    );
    const fromApi = permissions.filter((p) => p.Principal === 'apigateway.amazonaws.com');
    expect(fromApi.length).toBeGreaterThanOrEqual(10);
    for (const permission of fromApi) expect(JSON.stringify(permission.SourceArn)).toContain(apiId);
    expect(
      permissions.every((p) => ['apigateway.amazonaws.com', 'events.amazonaws.com'].includes(p.Principal)),
    ).toBe(true);
  });

  it('keeps key material out of function environments: only a reference to the signing-key secret', () => {
    for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      // Verify-only functions read the published public keys and name no secret at all.
      if (variables.SIGNING_KEYS_SOURCE === 'published')
        expect(variables.SIGNING_KEYS_SECRET_ARN).toBeUndefined();
      else expect(typeof variables.SIGNING_KEYS_SECRET_ARN).toBe('object');
      const text = JSON.stringify(variables);
      expect(text).not.toMatch(/PRIVATE KEY|"d":|"kty"|client_secret|BOOTSTRAP_ADMIN_CLIENT_SECRET/i);
      expect(Object.keys(variables).filter((name) => /SECRET$|PASSWORD|TOKEN$/.test(name))).toEqual([]);
    }
  });

  it("answers API Gateway's own size refusal with problem+json, as its other refusals", () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'REQUEST_TOO_LARGE',
      StatusCode: '413',
      ResponseParameters: {
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.X-Request-Id': 'context.requestId',
      },
    });
  });

  it('turns off API Gateway data tracing, which would log request and response bodies (personal data)', () => {
    expect(stageThrottle(template)).toMatchObject({ DataTraceEnabled: false });
    const [stage] = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'));
    const methodSettings = (stage?.Properties.MethodSettings ?? []) as { DataTraceEnabled?: boolean }[];
    expect(methodSettings.every((s) => s.DataTraceEnabled !== true)).toBe(true);
  });
});
