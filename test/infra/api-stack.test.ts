import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayRuntime, swaggerUiDir } from '../../infra/constructs/gateway-function';
import type { Gateway } from '../../infra/gateway';
import { ledgerFailureMetric, sealerBatch, sealingLagAlarm } from '../../infra/stacks/api-stack';
import { buildGateway, resourcesOfType, withContext } from './gateway-fixture';

const functionNames = ['token', 'registry', 'admin', 'billing', 'audit', 'sealer'] as const;
type FunctionName = (typeof functionNames)[number];

describe('api stack', () => {
  let gateway: Gateway;
  let template: Template;
  let functionIds: Record<FunctionName, string>;

  beforeAll(() => {
    gateway = buildGateway().gateway;
    template = Template.fromStack(gateway.api);
    functionIds = Object.fromEntries(
      functionNames.map((name) => [
        name,
        logicalId(gateway, gateway.api.functions[name].function.node.defaultChild),
      ]),
    ) as Record<FunctionName, string>;
  });

  const functionProps = (name: FunctionName) =>
    template.toJSON().Resources[functionIds[name]].Properties as Record<string, unknown> & {
      Environment: { Variables: Record<string, unknown> };
    };

  describe('functions', () => {
    it('runs six functions on arm64 with the newest Node.js runtime, active tracing and 512 MB', () => {
      expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toHaveLength(6);
      for (const name of functionNames) {
        expect(functionProps(name)).toMatchObject({
          Architectures: ['arm64'],
          Runtime: gatewayRuntime.name,
          Handler: 'index.handler',
          MemorySize: 512,
          TracingConfig: { Mode: 'Active' },
        });
      }
      expect(gatewayRuntime.name).toBe('nodejs24.x');
    });

    it('gives the API functions 10 s and the sealer 60 s for a batch of the stream', () => {
      for (const name of functionNames) {
        expect(functionProps(name).Timeout, name).toBe(name === 'sealer' ? 60 : 10);
      }
    });

    it('reserves concurrency 1 for the sealer, so one sealer runs at a time, and nothing for the others', () => {
      for (const name of functionNames) {
        expect(functionProps(name).ReservedConcurrentExecutions, name).toBe(
          name === 'sealer' ? 1 : undefined,
        );
      }
    });

    it('keeps each function log in its own log group for a year', () => {
      for (const name of functionNames) {
        const logGroupId = logicalId(gateway, gateway.api.functions[name].logGroup.node.defaultChild);
        expect(functionProps(name).LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
        expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(365);
      }
    });

    it('gives every function the settings shared/config.ts reads and where its signing keys are', () => {
      for (const name of functionNames) {
        const verifiesOnly = name === 'registry' || name === 'audit';
        expect(functionProps(name).Environment.Variables, name).toMatchObject({
          TOKEN_ISSUER: expect.anything(),
          TOKEN_AUDIENCE: 'national-data-gateway',
          TOKEN_TTL_SECONDS: '600',
          SECRET_ROTATION_OVERLAP_SECONDS: '86400',
          DEFAULT_MONTHLY_QUOTA: '10000',
          DEFAULT_RATE_PER_SECOND: '10',
          DEFAULT_RATE_BURST: '20',
          BILLING_VAT_PERCENT: '10',
          MAX_BODY_BYTES: '65536',
          LOG_LEVEL: 'info',
          ...(verifiesOnly
            ? { SIGNING_KEYS_SOURCE: 'published' }
            : { SIGNING_KEYS_SECRET_ARN: expect.anything() }),
        });
        if (verifiesOnly)
          expect(functionProps(name).Environment.Variables).not.toHaveProperty('SIGNING_KEYS_SECRET_ARN');
      }
    });

    it('passes the secret overlap and the no-plan limits from the settings, not from constants', () => {
      const other = buildGateway({
        settings: {
          functionSettings: withContext({
            secretRotationOverlapSeconds: '3600',
            defaultMonthlyQuota: '250',
            defaultRatePerSecond: '3',
            defaultRateBurst: '7',
          }),
        },
      }).gateway;
      const otherTemplate = Template.fromStack(other.api).toJSON();
      for (const name of functionNames) {
        const id = logicalId(other, other.api.functions[name].function.node.defaultChild);
        expect(otherTemplate.Resources[id].Properties.Environment.Variables, name).toMatchObject({
          SECRET_ROTATION_OVERLAP_SECONDS: '3600',
          DEFAULT_MONTHLY_QUOTA: '250',
          DEFAULT_RATE_PER_SECOND: '3',
          DEFAULT_RATE_BURST: '7',
        });
      }
    });

    it('leaves CORS off unless origins are configured, then names exactly those', () => {
      for (const name of functionNames) {
        expect(functionProps(name).Environment.Variables, name).not.toHaveProperty('CORS_ALLOWED_ORIGINS');
      }
      const other = buildGateway({
        settings: {
          functionSettings: withContext({
            corsAllowedOrigins: 'https://console.bo.gov.vn, https://portal.gov.vn',
          }),
        },
      }).gateway;
      const otherTemplate = Template.fromStack(other.api).toJSON();
      const id = logicalId(other, other.api.functions.registry.function.node.defaultChild);
      expect(otherTemplate.Resources[id].Properties.Environment.Variables.CORS_ALLOWED_ORIGINS).toBe(
        'https://console.bo.gov.vn,https://portal.gov.vn',
      );
    });

    it('gives a custodian URL and the provider settings to the registry function alone', () => {
      const other = buildGateway({
        settings: {
          functionSettings: withContext({
            populationProvider: 'http',
            populationCustodianUrl: 'https://dancu.example.gov.vn/api',
            custodianTimeoutMs: '1500',
            headerLimitBytes: '8192',
          }),
        },
      }).gateway;
      const otherTemplate = Template.fromStack(other.api).toJSON();
      const variables = (name: (typeof functionNames)[number]) =>
        otherTemplate.Resources[logicalId(other, other.api.functions[name].function.node.defaultChild)]
          .Properties.Environment.Variables as Record<string, string>;
      expect(variables('registry')).toMatchObject({
        POPULATION_PROVIDER: 'http',
        POPULATION_CUSTODIAN_URL: 'https://dancu.example.gov.vn/api',
        BUSINESS_PROVIDER: 'hosted',
        CUSTODIAN_TIMEOUT_MS: '1500',
        CUSTODIAN_RETRIES: '2',
        HEADER_LIMIT_BYTES: '8192',
      });
      expect(variables('registry')).not.toHaveProperty('BUSINESS_CUSTODIAN_URL');
      for (const name of functionNames.filter((n) => n !== 'registry')) {
        expect(variables(name).HEADER_LIMIT_BYTES, name).toBe('8192');
        for (const variable of Object.keys(variables(name))) {
          expect(variable, name).not.toMatch(/PROVIDER|CUSTODIAN/);
        }
      }
    });

    it('refuses at synth what the registry function would refuse at cold start', () => {
      expect(() => withContext({ businessProvider: 'http' })).toThrow(
        'Context businessCustodianUrl: required when businessProvider is http',
      );
      expect(() =>
        withContext({ populationProvider: 'http', populationCustodianUrl: 'file:///etc/passwd' }),
      ).toThrow(/Context populationCustodianUrl \(file:\/\/\/etc\/passwd\)/);
      expect(() => withContext({ custodianRetries: '50' })).toThrow(/Context custodianRetries \(50\)/);
    });

    it('names only variables shared/config.ts knows', async () => {
      const { ConfigSchema } = await import('../../shared/config');
      const known = new Set([...Object.keys(ConfigSchema.shape), 'SWAGGER_UI_DIR']);
      for (const name of functionNames) {
        const unknown = Object.keys(functionProps(name).Environment.Variables).filter((v) => !known.has(v));
        expect(unknown, name).toEqual([]);
      }
    });

    it('derives the default token issuer from the stage URL', () => {
      const issuer = JSON.stringify(functionProps('token').Environment.Variables.TOKEN_ISSUER);
      expect(issuer).toContain('.execute-api.ap-southeast-1.');
      expect(issuer).toContain('/test');
    });

    it('names in the environment only the tables a function is bound to', () => {
      const expected: Record<FunctionName, string[]> = {
        token: ['CONTROL_TABLE'],
        registry: ['CONTROL_TABLE', 'LEDGER_TABLE', 'REGISTRY_TABLE'],
        admin: ['CONTROL_TABLE', 'LEDGER_TABLE'],
        billing: ['CONTROL_TABLE', 'LEDGER_TABLE'],
        audit: ['CONTROL_TABLE', 'LEDGER_TABLE'],
        sealer: ['LEDGER_TABLE'],
      };
      for (const name of functionNames) {
        const tables = Object.keys(functionProps(name).Environment.Variables).filter((v) =>
          v.endsWith('_TABLE'),
        );
        expect(tables.sort(), name).toEqual(expected[name]);
      }
    });

    it('points only the token function at its copy of Swagger UI', () => {
      for (const name of functionNames) {
        const dir = functionProps(name).Environment.Variables.SWAGGER_UI_DIR;
        expect(dir, name).toBe(name === 'token' ? swaggerUiDir : undefined);
      }
      expect(swaggerUiDir).toBe('/var/task/swagger-ui');
    });
  });

  describe('REST API', () => {
    it('routes every path to its function with ANY', () => {
      const expected: Record<string, FunctionName> = {
        '/health': 'token',
        '/openapi.json': 'token',
        '/docs': 'token',
        '/docs/{proxy+}': 'token',
        '/console': 'token',
        '/console/{proxy+}': 'token',
        '/favicon.ico': 'token',
        '/.well-known/{proxy+}': 'token',
        '/oauth/{proxy+}': 'token',
        '/v1/{proxy+}': 'registry',
        '/admin/{proxy+}': 'admin',
        '/billing/{proxy+}': 'billing',
        '/me': 'billing',
        '/me/{proxy+}': 'billing',
        '/audit/{proxy+}': 'audit',
      };
      const routes = routeTable(template);
      const byFunction = Object.fromEntries(Object.entries(functionIds).map(([name, id]) => [id, name]));
      expect(
        Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, byFunction[r.functionId]])),
      ).toEqual(Object.fromEntries(Object.entries(expected).map(([path, fn]) => [`ANY ${path}`, fn])));
      for (const route of routes) expect(route.integrationType, route.path).toBe('AWS_PROXY');
    });

    it('routes self-service (/me and everything under it) to the billing function, which reads it already', () => {
      const byPath = Object.fromEntries(routeTable(template).map((r) => [r.path, r.functionId]));
      expect(byPath['/me']).toBe(functionIds.billing);
      expect(byPath['/me/{proxy+}']).toBe(functionIds.billing);
    });

    it('routes nothing to the sealer: only the ledger stream invokes it, and nothing else may', () => {
      const routed = new Set(routeTable(template).map((r) => r.functionId));
      expect(routed.has(functionIds.sealer)).toBe(false);
      const invokers = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter((p) =>
        JSON.stringify(p.Properties.FunctionName).includes(functionIds.sealer),
      );
      expect(invokers).toEqual([]);
      const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'));
      expect(mappings.map((m) => m.Properties.FunctionName)).toEqual([{ Ref: functionIds.sealer }]);
    });

    it('is a regional endpoint that passes binary bodies through and compresses responses', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: { Types: ['REGIONAL'] },
        BinaryMediaTypes: ['*/*'],
        MinimumCompressionSize: 1024,
      });
    });

    it('throttles the stage and traces it', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'test',
        TracingEnabled: true,
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 1000,
            ThrottlingBurstLimit: 2000,
            DataTraceEnabled: false,
          }),
        ]),
      });
    });

    it('writes a JSON access log for a year, without the request path (it can hold a national ID)', () => {
      const stage = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0]?.Properties as {
        AccessLogSetting: { DestinationArn: unknown; Format: string };
      };
      const accessLogId = logicalId(gateway, gateway.api.node.findChild('AccessLogs').node.defaultChild);
      expect(JSON.stringify(stage.AccessLogSetting.DestinationArn)).toContain(accessLogId);
      expect(template.toJSON().Resources[accessLogId].Properties.RetentionInDays).toBe(365);

      const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        resource: '$context.resourcePath',
        wafStatus: '$context.wafResponseCode',
      });
      expect(Object.values(format)).not.toContain('$context.path');
    });

    it('creates no account-wide CloudWatch role for API Gateway', () => {
      template.resourceCountIs('AWS::ApiGateway::Account', 0);
    });

    it("answers API Gateway's own refusals with problem+json", () => {
      for (const [type, status] of [
        ['MISSING_AUTHENTICATION_TOKEN', '404'],
        ['THROTTLED', '429'],
        ['WAF_FILTERED', '403'],
      ]) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          StatusCode: status,
          ResponseParameters: Match.objectLike({
            'gatewayresponse.header.Content-Type': "'application/problem+json'",
            'gatewayresponse.header.X-Request-Id': 'context.requestId',
          }),
        });
      }
      for (const response of Object.values(resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse'))) {
        const body = (response.Properties.ResponseTemplates as Record<string, string>)['application/json'];
        expect(() => JSON.parse(body?.replaceAll('$context.error.message', 'x') ?? '')).not.toThrow();
      }
    });

    it('outputs the API URL', () => {
      expect(Object.keys(template.toJSON().Outputs)).toContain('ApiUrl');
    });
  });

  describe('audit sealer feed', () => {
    const mapping = () =>
      Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))[0] as unknown as {
        Properties: {
          FilterCriteria: { Filters: { Pattern: string }[] };
          EventSourceArn: unknown;
          DestinationConfig?: unknown;
          MaximumRecordAgeInSeconds?: number;
        } & Record<string, unknown>;
      };

    it("reads the ledger table's stream from its start, in batches, one batch at a time", () => {
      expect(mapping().Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: sealerBatch.size,
        MaximumBatchingWindowInSeconds: sealerBatch.window.toSeconds(),
        ParallelizationFactor: 1,
        MaximumRetryAttempts: -1,
      });
      expect(JSON.stringify(mapping().Properties.EventSourceArn)).toContain('StreamArn');
    });

    it('invokes the sealer for inserted audit records only (the items that carry a leaf hash)', () => {
      const filters = mapping().Properties.FilterCriteria.Filters;
      expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
        { eventName: ['INSERT'], dynamodb: { NewImage: { leafHash: { S: [{ exists: true }] } } } },
      ]);
    });

    it('skips no record: no failure destination, no maximum record age below the stream retention', () => {
      expect(mapping().Properties.DestinationConfig).toBeUndefined();
      expect(mapping().Properties.MaximumRecordAgeInSeconds ?? -1).toBe(-1);
    });

    it('alarms when audit records wait more than a minute to enter the log (IteratorAge)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Threshold: sealingLagAlarm.toMilliseconds(),
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionIds.sealer } }],
      });
    });
  });

  describe('WAF', () => {
    it('associates a regional web ACL with the API stage', () => {
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
      });
      const association = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation'))[0];
      const stageId = logicalId(gateway, gateway.api.api.deploymentStage.node.defaultChild);
      expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(stageId);
      expect(association?.Properties.WebACLArn).toEqual({
        'Fn::GetAtt': [logicalId(gateway, gateway.api.webAcl), 'Arn'],
      });
    });

    it('applies the common and known-bad-inputs managed rules and per-IP rate limits', () => {
      const [webAcl] = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'));
      const { Rules: rules } = (webAcl?.Properties ?? {}) as {
        Rules: { Name: string; Statement: Record<string, { Name?: string; Limit?: number }> }[];
      };
      const managed = rules.flatMap((r) => r.Statement.ManagedRuleGroupStatement?.Name ?? []);
      expect(managed).toEqual(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
      const limits = rules.flatMap((r) => r.Statement.RateBasedStatement?.Limit ?? []);
      expect(limits).toEqual([300, 30000]);
    });
  });

  describe('alarms', () => {
    const alarmsOn = (metricName: string, namespace: string) =>
      Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
        (a) => a.Properties.MetricName === metricName && a.Properties.Namespace === namespace,
      );

    it.each(['Errors', 'Throttles'])('alarms on %s of each function', (metric) => {
      const alarms = alarmsOn(metric, 'AWS/Lambda');
      const watched = alarms.map((a) => JSON.stringify(a.Properties.Dimensions));
      for (const name of functionNames)
        expect(
          watched.some((d) => d.includes(functionIds[name])),
          name,
        ).toBe(true);
      expect(alarms).toHaveLength(6);
    });

    it('alarms on API 5XX answers', () => {
      expect(alarmsOn('5XXError', 'AWS/ApiGateway')).toHaveLength(1);
    });

    it('counts ledger write failures from every function log and alarms on the first one', () => {
      const filters = Object.values(resourcesOfType(template, 'AWS::Logs::MetricFilter'));
      expect(filters).toHaveLength(6);
      for (const name of functionNames) {
        const logGroupId = logicalId(gateway, gateway.api.functions[name].logGroup.node.defaultChild);
        const filter = filters.find((f) => JSON.stringify(f.Properties.LogGroupName).includes(logGroupId));
        expect(filter?.Properties, name).toMatchObject({
          FilterPattern: '{ $.message = "ledger write failed" }',
          MetricTransformations: [
            { MetricNamespace: 'NationalDataGateway', MetricName: 'LedgerWriteFailures', MetricValue: '1' },
          ],
        });
      }
      const [alarm] = alarmsOn(ledgerFailureMetric.name, ledgerFailureMetric.namespace);
      expect(alarm?.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Statistic: 'Sum',
        TreatMissingData: 'notBreaching',
      });
    });

    it('sends every alarm to the alarm topic, which accepts only TLS publishers', () => {
      const topicId = logicalId(gateway, gateway.api.alarmTopic.node.defaultChild);
      for (const alarm of Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      }
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        }),
      });
    });
  });
});

function logicalId(gateway: Gateway, element: unknown): string {
  return gateway.api.resolve((element as CfnElement).logicalId) as string;
}

interface Route {
  method: string;
  path: string;
  functionId: string;
  integrationType: string;
}

/** Rebuilds "METHOD /full/path -> function logical id" from the API Gateway resources and methods. */
function routeTable(template: Template): Route[] {
  const resources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    if (!id) return '';
    const props = resources[id]?.Properties as { ParentId: unknown; PathPart: string };
    return `${pathOf(props.ParentId)}/${props.PathPart}`;
  };
  return Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).map((method) => {
    const props = method.Properties as {
      HttpMethod: string;
      ResourceId: unknown;
      Integration: { Type: string; Uri: unknown };
    };
    const functionId =
      /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(JSON.stringify(props.Integration.Uri))?.[1] ?? '';
    return {
      method: props.HttpMethod,
      path: pathOf(props.ResourceId) || '/',
      functionId,
      integrationType: props.Integration.Type,
    };
  });
}
