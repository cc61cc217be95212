import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { FilterPattern, LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { areaResources } from '../../functions/areas';
import { AUDIT_MARKER } from '../../shared/audit/stream';
import type { TableKey } from '../../shared/storage/tables';
import {
  GatewayFunction,
  type GatewayFunctionProps,
  type GatewayTable,
  type SecretAccess,
} from '../constructs/gateway-function';
import type { FunctionSettings } from '../settings';

/** The namespace and name the ledger-write-failure metric filters publish to. */
export const ledgerFailureMetric = { namespace: 'NationalDataGateway', name: 'LedgerWriteFailures' } as const;

export interface ApiStackProps extends StackProps {
  readonly stage: string;
  readonly tables: Record<TableKey, GatewayTable>;
  readonly signingKeys: ISecret;
  /**
   * The functions' variables, parsed from the context with shared/config.ts's schema (infra/settings.ts):
   * `environment` for every function (TOKEN_ISSUER defaults to the stage's execute-api URL), and
   * `registryEnvironment` (the register providers and custodians) for the registry function alone.
   */
  readonly functionSettings: Pick<FunctionSettings, 'environment' | 'registryEnvironment'>;
  /** Retention of the function logs and the API access log. */
  readonly logRetention: RetentionDays;
  /** Stage-wide API Gateway throttling, requests per second and burst. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** WAF rate-based rules, requests per source IP per 5 minutes. */
  readonly waf: { readonly requestsPerIp: number; readonly tokenRequestsPerIp: number };
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

type FunctionName = GatewayFunctionProps['name'];
/** The functions behind API routes; the audit sealer is invoked by the ledger table's stream only. */
type RoutedFunctionName = Exclude<FunctionName, 'sealer'>;

/**
 * How the ledger's stream feeds the sealer: batches of up to this many records, gathered for at most this long.
 * One sealer runs at a time (reserved concurrency 1), so its append rate is batch size / time per batch.
 */
// 2,000 records of ~2 KB each stay well inside Lambda's 6 MB invocation payload.
export const sealerBatch = { size: 2_000, window: Duration.seconds(1) } as const;
/** Sealing lag that raises the alarm: the age of the oldest stream record the sealer has not appended. */
export const sealingLagAlarm = Duration.minutes(1);

/**
 * The public face: one REST API (chosen over an HTTP API because a WAFv2 web ACL attaches to its stage
 * directly and it has stage throttling), the five gateway functions behind proxy routes, the audit sealer fed
 * by the ledger table's stream, the web ACL, and the alarms. It owns no data; tables and the signing-key secret come in by props.
 */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly functions: Record<FunctionName, GatewayFunction>;
  /** Feeds the audit sealer with the ledger's new audit records. */
  readonly sealerSource: DynamoEventSource;
  readonly webAcl: CfnWebACL;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const prefix = `ndg-${props.stage}`;

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: `${prefix}-api`,
      description: 'National Data Gateway: one authenticated, metered door to the national registers',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Lambda answers binary (the Swagger UI favicon) base64-encoded; "*/*" lets API Gateway decode it.
      binaryMediaTypes: ['*/*'],
      minCompressionSize: Size.kibibytes(1),
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });

    const environment = {
      TOKEN_ISSUER: `https://${this.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${props.stage}`,
      ...props.functionSettings.environment,
    };
    const gatewayFunction = (
      name: FunctionName,
      signingKeys: SecretAccess,
      extra: Partial<GatewayFunctionProps> = {},
    ) =>
      new GatewayFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}Function`, {
        name,
        environment,
        logRetention: props.logRetention,
        ...extra,
      }).bindSigningKeys(props.signingKeys, signingKeys);

    const { control, registry, ledger } = props.tables;
    this.functions = {
      token: gatewayFunction('token', 'read', { serveSwaggerUi: true }).bindTable(control, 'readWrite'),
      // Registry and audit only verify tokens: the published public keys, never the secret's private ones.
      registry: gatewayFunction('registry', 'published', {
        environment: { ...environment, ...props.functionSettings.registryEnvironment },
      })
        .bindTable(registry, 'read')
        .bindTable(control, 'read')
        .bindTable(ledger, 'readWrite'),
      // POST /admin/signing-keys/rotate writes a new key into the secret: the one function that may.
      admin: gatewayFunction('admin', 'readWrite')
        .bindTable(control, 'readWrite')
        .bindTable(ledger, 'readWrite'),
      billing: gatewayFunction('billing', 'read').bindTable(ledger, 'readWrite').bindTable(control, 'read'),
      audit: gatewayFunction('audit', 'published').bindTable(ledger, 'read').bindTable(control, 'read'),
      // Appends audit records to the Merkle log and signs its checkpoints (so it reads the signing key). One
      // invocation at a time: the log has one appender (its lease would make a second one wait anyway).
      sealer: gatewayFunction('sealer', 'read', {
        entry: 'audit/sealer-handler.ts',
        reservedConcurrency: 1,
        timeout: Duration.seconds(60),
      }).bindTable(ledger, 'readWrite'),
    };
    this.sealerSource = this.feedSealer(ledger, this.functions.sealer);

    // Each function answers the paths its own routers register (functions/areas.ts): none is listed by hand.
    const routes: Record<RoutedFunctionName, string[]> = areaResources();
    for (const [name, paths] of Object.entries(routes) as [RoutedFunctionName, string[]][]) {
      // Console test-invoke is not a production need; each method may invoke only its own function.
      const integration = new LambdaIntegration(this.functions[name].function, { allowTestInvoke: false });
      for (const path of paths) resourceFor(this.api.root, path).addMethod('ANY', integration);
    }
    addProblemResponses(this.api);
    acknowledgeApiFindings(this.api);

    this.webAcl = createWebAcl(this, prefix, props.waf);
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `${prefix} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.createAlarms(prefix);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the gateway' });
  }

  /**
   * The ledger table's stream invokes the sealer with its new audit records only (inserts that carry a leaf hash;
   * the filter is evaluated by Lambda, so lane updates never invoke it). A failed batch is retried until it
   * succeeds or its records expire from the stream (24 h): never skipped, since a skipped record would be
   * missing from the log; the IteratorAge alarm says long before that.
   */
  private feedSealer(ledger: GatewayTable, sealer: GatewayFunction): DynamoEventSource {
    const source = new DynamoEventSource(ledger.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: sealerBatch.size,
      maxBatchingWindow: sealerBatch.window,
      parallelizationFactor: 1,
      retryAttempts: -1,
      bisectBatchOnError: false,
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: { NewImage: { [AUDIT_MARKER]: { S: FilterRule.exists() } } },
        }),
      ],
    });
    sealer.function.addEventSource(source);
    return source;
  }

  private createAlarms(prefix: string): void {
    const action = new SnsAction(this.alarmTopic);
    const alarm = (id: string, metric: Metric, description: string, threshold = 1) =>
      new Alarm(this, id, {
        alarmName: `${prefix}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);

    const period = Duration.minutes(5);
    for (const [name, fn] of Object.entries(this.functions)) {
      alarm(
        `${name}-errors`,
        fn.function.metricErrors({ period, statistic: 'Sum' }),
        `The ${name} function failed invocations (crash, timeout or init error; handled errors are problem+json).`,
      );
      alarm(
        `${name}-throttles`,
        fn.function.metricThrottles({ period, statistic: 'Sum' }),
        `The ${name} function was throttled by Lambda concurrency limits.`,
      );
      fn.logGroup.addMetricFilter('LedgerWriteFailures', {
        filterPattern: FilterPattern.stringValue('$.message', '=', 'ledger write failed'),
        metricNamespace: ledgerFailureMetric.namespace,
        metricName: ledgerFailureMetric.name,
        metricValue: '1',
      });
    }
    alarm(
      'sealing-lag',
      this.functions.sealer.function.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      `Audit records wait more than ${sealingLagAlarm.toMinutes()} minute(s) to enter the audit log: the sealer is failing or cannot keep up.`,
      sealingLagAlarm.toMilliseconds(),
    );
    alarm(
      'api-5xx',
      this.api.metricServerError({ period, statistic: 'Sum' }),
      'The API answered 5XX (including fail-closed 503s when the ledger or store is unavailable).',
      5,
    );
    alarm(
      'ledger-write-failures',
      new Metric({
        namespace: ledgerFailureMetric.namespace,
        metricName: ledgerFailureMetric.name,
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
      'A ledger write failed: the call was refused (fail closed), so metering or audit needs attention now.',
    );
  }
}

/** The resource for a path like `/docs/{proxy+}`, creating missing segments and reusing existing ones. */
function resourceFor(root: IResource, path: string): IResource {
  let resource = root;
  for (const part of path.split('/').filter(Boolean)) {
    resource = resource.getResource(part) ?? resource.addResource(part);
  }
  return resource;
}

/**
 * JSON access log lines. The path is left out on purpose: registry paths carry national IDs and enterprise
 * codes, and personal data is never logged. The request id joins a line to the function's own log.
 */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      traceId: AccessLogField.contextXrayTraceId(),
      ip: AccessLogField.contextIdentitySourceIp(),
      userAgent: AccessLogField.contextIdentityUserAgent(),
      time: AccessLogField.contextRequestTimeEpoch(),
      method: AccessLogField.contextHttpMethod(),
      resource: AccessLogField.contextResourcePath(),
      protocol: AccessLogField.contextProtocol(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      latencyMs: AccessLogField.contextResponseLatency(),
      integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
      integrationStatus: AccessLogField.contextIntegrationStatus(),
      integrationError: AccessLogField.contextIntegrationErrorMessage(),
      errorType: AccessLogField.contextErrorResponseType(),
      error: AccessLogField.contextErrorMessage(),
      wafStatus: AccessLogField.contextWafResponseCode(),
    }),
  );
}

/** API Gateway's own refusals (no route, throttled, blocked by WAF, too large) answer problem+json too. */
function addProblemResponses(api: RestApi): void {
  const responses: [string, ResponseType, number | undefined, string, string][] = [
    ['NotFound', ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 'Not Found', 'No route matches this path.'],
    ['Throttled', ResponseType.THROTTLED, 429, 'Too Many Requests', 'The gateway is over its request rate.'],
    ['WafFiltered', ResponseType.WAF_FILTERED, 403, 'Forbidden', 'The request was blocked by the firewall.'],
    ['TooLarge', ResponseType.REQUEST_TOO_LARGE, 413, 'Content Too Large', 'The request is too large.'],
    [
      'Timeout',
      ResponseType.INTEGRATION_TIMEOUT,
      504,
      'Gateway Timeout',
      'The gateway did not answer in time.',
    ],
    ['Default4xx', ResponseType.DEFAULT_4XX, undefined, 'Refused by the gateway', '$context.error.message'],
    ['Default5xx', ResponseType.DEFAULT_5XX, undefined, 'Gateway error', '$context.error.message'],
  ];
  for (const [id, type, status, title, detail] of responses) {
    const body = [
      `"type":"${status ? `/problems/http-${status}` : 'about:blank'}"`,
      `"title":"${title}"`,
      ...(status ? [`"status":${status}`] : []),
      `"detail":"${detail}"`,
      '"instance":"$context.path"',
      '"requestId":"$context.requestId"',
    ];
    api.addGatewayResponse(id, {
      type,
      statusCode: status ? String(status) : undefined,
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        'Cache-Control': "'no-store'",
        'X-Request-Id': 'context.requestId',
        ...(status === 429 ? { 'Retry-After': "'1'" } : {}),
      },
      templates: { 'application/json': `{${body.join(',')}}` },
    });
  }
}

function createWebAcl(scope: Stack, prefix: string, limits: ApiStackProps['waf']): CfnWebACL {
  const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
    cloudWatchMetricsEnabled: true,
    metricName: `${prefix}-${metricName}`,
    sampledRequestsEnabled: true,
  });
  const managed = (name: string, priority: number): CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: visibility(name),
  });
  return new CfnWebACL(scope, 'WebAcl', {
    name: `${prefix}-api`,
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('api'),
    rules: [
      {
        // Client authentication runs scrypt on every attempt: a flood here is a CPU attack on the token function.
        name: 'TokenEndpointRatePerIp',
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: limits.tokenRequestsPerIp,
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
            scopeDownStatement: {
              byteMatchStatement: {
                fieldToMatch: { uriPath: {} },
                positionalConstraint: 'ENDS_WITH',
                searchString: '/oauth/token',
                textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
              },
            },
          },
        },
        visibilityConfig: visibility('token-rate'),
      },
      {
        name: 'RatePerIp',
        priority: 1,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: limits.requestsPerIp,
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: visibility('ip-rate'),
      },
      managed('AWSManagedRulesCommonRuleSet', 2),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
    ],
  });
}

function acknowledgeApiFindings(api: RestApi): void {
  Validations.of(api).acknowledge(
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization is done in the functions, not by an API Gateway authorizer: the token, health, JWKS and ' +
        'docs routes are public by contract, as are the console page and its static files (it signs in at the token ' +
        'route); every other route verifies an ES256 JWT (alg, kid, iss, aud, exp, ' +
        'nbf) with the gateway keys, and the registry ledger transaction re-checks that the credential and ' +
        'agency are still active, so revocation takes effect on the next request, which a cached authorizer would not give.',
    },
    {
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are agencies using OAuth 2.0 client credentials issued by this gateway itself (client_secret or ' +
        'private_key_jwt), not Cognito users; tokens are verified in the functions as described for APIG4.',
    },
    {
      id: 'AwsSolutions-APIG2',
      reason:
        'Routes are Lambda proxies and every input (path, query, headers, body) is parsed by the zod schemas in ' +
        'the functions, which also generate the OpenAPI document and answer problem+json 400s; an API Gateway ' +
        'validator without models would check nothing.',
    },
    {
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, which this stack deliberately does ' +
        'not own (feature flag disableCloudWatchRole), and at INFO it can write request data containing personal ' +
        'identifiers. The JSON access log already records status, latency, integration errors and WAF status per request.',
    },
  );
}
