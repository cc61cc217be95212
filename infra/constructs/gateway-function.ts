import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { Charset, type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { consoleAssets } from '../../shared/http/console';
import { swaggerUiAssets } from '../../shared/http/docs';
import { type TableKey, tableDefinitions } from '../../shared/storage/tables';

/** The repository root: entries, the lockfile and node_modules are found from here, wherever synth runs. */
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this aws-cdk-lib knows; cdk-nag's AwsSolutions-L1 accepts only the newest. */
export const gatewayRuntime = Runtime.NODEJS_24_X;

/** Where the token function finds the Swagger UI files it serves at /docs (copied beside the bundle). */
export const swaggerUiDir = '/var/task/swagger-ui';
const swaggerUiFiles = Object.keys(swaggerUiAssets);
/**
 * The console's page and files (pages/ included), and uPlot's, copied to console/ beside the bundle
 * (LAMBDA_TASK_ROOT/console) at the same relative paths: `source` in the repository, `target` under console/.
 * platform.js is not copied: the bundle writes it from the model it carries.
 */
const consoleFiles = [
  { source: 'console/index.html', target: 'index.html' },
  { source: 'console/favicon.ico', target: 'favicon.ico' },
  ...Object.entries(consoleAssets())
    .filter(([, { from }]) => from !== 'model')
    .map(([file, { from }]) => ({
      source: from === 'uplot' ? `node_modules/uplot/dist/${file}` : `console/${file}`,
      target: file,
    })),
];
const consoleFolders = [...new Set(consoleFiles.map(({ target }) => dirname(target)))];

/** A table with its key in tableDefinitions: the key names the env var shared/config.ts reads. */
export interface GatewayTable {
  readonly key: TableKey;
  readonly table: ITable;
}

export type TableAccess = 'read' | 'readWrite';

/**
 * What a function may do with the signing-key secret. `locate` sets SIGNING_KEYS_SECRET_ARN and grants nothing:
 * the function's configuration still names the real key store (never the in-memory fallback that
 * shared/deps.ts uses when the variable is missing), so any use of the keys fails closed with AccessDenied.
 * `published` grants nothing either: the function verifies tokens with the public keys every rotation
 * publishes in the control table, and can never read a private key.
 */
export type SecretAccess = 'locate' | 'published' | 'read' | 'readWrite';

/**
 * Packages the credential chain imports only when the Lambda environment holds no credentials (SSO, shared
 * config files, credential_process, web identity, container endpoint) and the nested STS/SSO clients they use.
 * Lambda always sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the execution role,
 * so the chain's first link (fromEnv, bundled) answers and these `await import()`s never run; were one reached,
 * the Node.js runtime's own SDK provides the package. About 130 KB of each bundle. Everything the functions
 * call (clients, signing, retries, fromEnv) stays bundled at the pinned version.
 */
export const unbundledCredentialProviders = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
  // The instance/container metadata provider, imported only by those same unused links of the chain.
  '@smithy/credential-provider-imds',
  // Event streams, imported on demand by the protocol layer; neither DynamoDB nor Secrets Manager streams.
  '@smithy/core/event-streams',
];

/** What `zod` resolves to in the bundles: zod without its 50 translations (see the file's comment). */
export const zodWithoutLocales = './infra/bundling/zod/index.mjs';

/** What zod-to-openapi resolves to in the bundles: `.openapi()` and a route registry, no generator (see the file). */
export const zodToOpenApiAtRuntime = './infra/bundling/zod-to-openapi/index.mjs';

export interface GatewayFunctionProps {
  /** The function's name: its folder under functions/ unless `entry` says otherwise, and its description. */
  readonly name: 'token' | 'registry' | 'admin' | 'billing' | 'audit' | 'sealer';
  /** The handler file, relative to functions/. @default `${name}/handler.ts` */
  readonly entry?: string;
  /** Variables every gateway function reads (issuer, audience, limits, log level). */
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 10 seconds: well inside API Gateway's 29 s integration timeout */
  readonly timeout?: Duration;
  /** @default - none: the account's unreserved pool */
  readonly reservedConcurrency?: number;
  /** Copy swagger-ui-dist's files next to the bundle and point SWAGGER_UI_DIR at them. */
  readonly serveSwaggerUi?: boolean;
}

/**
 * One gateway Lambda with the team's defaults: an ESM bundle built by the local esbuild, arm64, the newest
 * Node.js runtime, X-Ray tracing, its own log group with a fixed retention, and a role that holds nothing
 * but write access to that log group until tables and secrets are bound to it.
 */
export class GatewayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Our own role instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `National Data Gateway ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = { ...props.environment };
    if (props.serveSwaggerUi) environment.SWAGGER_UI_DIR = swaggerUiDir;

    this.function = new NodejsFunction(this, 'Handler', {
      entry: join(projectRoot, 'functions', props.entry ?? join(props.name, 'handler.ts')),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: gatewayRuntime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      description: `National Data Gateway: ${props.name}`,
      bundling: {
        format: OutputFormat.ESM,
        // The code relies on import.meta.url, so ESM; bundled CommonJS dependencies still call require().
        banner:
          "import { createRequire as __ndgCreateRequire } from 'node:module'; const require = __ndgCreateRequire(import.meta.url);",
        // Prefer packages' ESM builds: they tree-shake better.
        mainFields: ['module', 'main'],
        minify: true,
        // Vietnamese text as UTF-8 (2-3 bytes a letter) rather than \uXXXX escapes (6 bytes): Node reads ESM as UTF-8.
        charset: Charset.UTF8,
        // No keepNames (about 40 KB a bundle): every error class the code maps or logs sets its `name` itself,
        // as the SDK's exceptions do, so names in logs and problem mapping survive minification.
        keepNames: false,
        // Errors are logged by name and request id, never by stack, so a source map would only add weight.
        sourceMap: false,
        // Pin the SDK the code was tested with instead of whatever version the runtime ships, less the credential
        // providers a Lambda function never loads. (externalModules replaces bundleAwsSDK's default list.)
        bundleAwsSDK: true,
        externalModules: unbundledCredentialProviders,
        // Resolved from the project root, where esbuild runs.
        esbuildArgs: {
          '--alias': [`zod=${zodWithoutLocales}`, `@asteasolutions/zod-to-openapi=${zodToOpenApiAtRuntime}`],
        },
        forceDockerBundling: false,
        commandHooks: props.serveSwaggerUi ? swaggerUiHooks : undefined,
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords, added by active tracing: X-Ray has no ' +
        'resource-level permissions for them, so AWS documents "*" as the only valid resource.',
    });
  }

  /**
   * Sets the table's env var (CONTROL_TABLE, ...) and grants data-plane access to it. The table is bound
   * without its indexes, so grant* covers the table alone instead of `table/index/*`; each index named in
   * tableDefinitions is then granted Query and Scan (the only reads an index serves) by its own ARN.
   */
  bindTable({ key, table }: GatewayTable, access: TableAccess): this {
    this.function.addEnvironment(`${key.toUpperCase()}_TABLE`, table.tableName);
    const tableOnly = Table.fromTableAttributes(this, `${key}-table`, {
      tableArn: table.tableArn,
      encryptionKey: table.encryptionKey,
    });
    if (access === 'readWrite') tableOnly.grantReadWriteData(this.function);
    else tableOnly.grantReadData(this.function);

    const indexes = tableDefinitions[key].indexes;
    if (indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query', 'dynamodb:Scan'],
          resources: indexes.map((index) => `${table.tableArn}/index/${index.name}`),
        }),
      );
    }
    if (access === 'readWrite' && table.encryptionKey) {
      Validations.of(this.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            "Added by grantReadWriteData for the tables' customer-managed key and limited to that one key ARN; " +
            'DynamoDB needs GenerateDataKey to write items under it.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            "Added by grantReadWriteData for the tables' customer-managed key and limited to that one key ARN " +
            '(ReEncryptFrom/ReEncryptTo), used by DynamoDB when the key material rotates.',
        },
      );
    }
    return this;
  }

  /**
   * Sets SIGNING_KEYS_SECRET_ARN and grants `access` to the secret: read is GetSecretValue and DescribeSecret
   * plus decrypt with its key; readWrite adds PutSecretValue (the only write the key rotation makes) and
   * GenerateDataKey, which Secrets Manager calls to encrypt each new version. Key use is allowed only through
   * Secrets Manager (kms:ViaService). The grants go on this function's role alone: secret.grantRead/grantWrite
   * would also write the role into the data stack's key policy, making the data stack depend on this one.
   */
  bindSigningKeys(secret: ISecret, access: SecretAccess = 'read'): this {
    if (access === 'published') {
      // Verify only: the public keys published in the control table (bind it for reading), no secret at all.
      this.function.addEnvironment('SIGNING_KEYS_SOURCE', 'published');
      return this;
    }
    this.function.addEnvironment('SIGNING_KEYS_SECRET_ARN', secret.secretArn);
    if (access === 'locate') return this;

    Secret.fromSecretCompleteArn(this, 'SigningKeys', secret.secretArn).grantRead(this.function);
    const viaSecretsManager = {
      StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
    };
    const decrypt = secret.encryptionKey?.grantDecrypt(this.role);
    decrypt?.principalStatement?.addConditions(viaSecretsManager);
    if (access === 'readWrite') {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [secret.secretArn] }),
      );
      if (secret.encryptionKey) {
        this.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:GenerateDataKey'],
            resources: [secret.encryptionKey.keyArn],
            conditions: viaSecretsManager,
          }),
        );
      }
    }
    return this;
  }
}

const swaggerUiHooks: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    `mkdir -p "${outputDir}/swagger-ui" ${consoleFolders.map((folder) => `"${outputDir}/console/${folder}"`).join(' ')}`,
    ...consoleFiles.map(
      ({ source, target }) => `cp "${inputDir}/${source}" "${outputDir}/console/${target}"`,
    ),
    ...swaggerUiFiles.map(
      (file) => `cp "${inputDir}/node_modules/swagger-ui-dist/${file}" "${outputDir}/swagger-ui/${file}"`,
    ),
    // The OpenAPI document, written at build time so the token bundle need not carry every area's routes.
    `"${inputDir}/node_modules/.bin/tsx" "${inputDir}/scripts/write-openapi.ts" "${outputDir}/openapi.json"`,
  ],
};
