import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApp as createTokenApp } from '../../../functions/token/app';
import { metadataRoute } from '../../../functions/token/discovery';
import { buildOpenApiDocument } from '../../../functions/token/openapi';
import { atServer } from '../../../shared/http/docs';
import { assertionAlgorithms, SCOPES } from '../../../shared/identity/model';
import { answerTo } from '../../support/answers';
import { unitDeps } from '../../support/deps';

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  examples?: unknown;
  schema?: Json;
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const SERVER = 'https://gateway.example.gov.vn/v1stage';
const doc = buildOpenApiDocument(SERVER) as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};
const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
const operation = (id: string) => {
  const found = operations.find((op) => op.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};
const resolve = (schema: Json | undefined): Json | undefined => {
  const ref = schema?.$ref;
  return typeof ref === 'string' ? doc.components.schemas[ref.split('/').pop()!] : schema;
};

/** The purpose a demo agency is entitled to for each registry operation (local/seed: the DEMO agency). */
const DEMO_PURPOSES: Record<string, string> = {
  getCitizen: '1.004194',
  verifyCitizen: '1.010815',
  getBusiness: '1.001612',
  searchBusinesses: '1.001612',
};
const PUBLIC_OPERATIONS = [
  'getHealth',
  'getAuthorizationServerMetadata',
  'getJwks',
  'issueToken',
  'getAuditCheckpoint',
];

describe('OpenAPI document: security', () => {
  it('declares an oauth2 client credentials flow at /oauth/token with every scope described', () => {
    const oauth2 = doc.components.securitySchemes.oauth2 as {
      type: string;
      flows: { clientCredentials: { tokenUrl: string; scopes: Record<string, string> } };
    };
    expect(oauth2.type).toBe('oauth2');
    expect(Object.keys(oauth2.flows)).toEqual(['clientCredentials']);
    expect(oauth2.flows.clientCredentials.tokenUrl).toBe(`${SERVER}/oauth/token`);
    expect(Object.keys(oauth2.flows.clientCredentials.scopes).sort()).toEqual([...SCOPES].sort());
    for (const [scope, description] of Object.entries(oauth2.flows.clientCredentials.scopes)) {
      expect(description.length, scope).toBeGreaterThan(20);
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lets every protected operation be called with a bearer token or the oauth2 flow, and the public ones with neither', () => {
    for (const op of operations) {
      expect(op.security, op.operationId).toBeDefined();
      if (PUBLIC_OPERATIONS.includes(op.operationId)) {
        expect(op.security, op.operationId).toEqual([]);
        continue;
      }
      const [bearer, ...oauth2] = op.security!;
      expect(bearer, op.operationId).toEqual({ bearer: [] });
      expect(oauth2.length, op.operationId).toBeGreaterThan(0);
      for (const alternative of oauth2) {
        expect(Object.keys(alternative), op.operationId).toEqual(['oauth2']);
        for (const scope of alternative.oauth2!) expect(SCOPES, op.operationId).toContain(scope);
      }
    }
    expect(operation('getCitizen').security).toEqual([{ bearer: [] }, { oauth2: ['citizen:read'] }]);
    expect(operation('searchBusinesses').security).toEqual([{ bearer: [] }, { oauth2: ['business:search'] }]);
    expect(operation('closePeriod').security).toEqual([{ bearer: [] }, { oauth2: ['billing:close'] }]);
    expect(operation('listAgencies').security).toEqual([{ bearer: [] }, { oauth2: ['admin'] }]);
  });

  it('gives the token Lambda, written at build time for "/", the token URL under its own deployment URL', () => {
    const built = JSON.parse(JSON.stringify(buildOpenApiDocument('/'))) as {
      servers: { url: string }[];
      components: { securitySchemes: { oauth2: { flows: { clientCredentials: { tokenUrl: string } } } } };
    };
    expect(built.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe('/oauth/token');
    const served = atServer(built, 'https://abc.execute-api.ap-southeast-1.amazonaws.com/prod/');
    expect(served.servers).toEqual([{ url: 'https://abc.execute-api.ap-southeast-1.amazonaws.com/prod' }]);
    expect(served.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe(
      'https://abc.execute-api.ap-southeast-1.amazonaws.com/prod/oauth/token',
    );
  });
});

describe('OpenAPI document: Try it out', () => {
  it('gives Idempotency-Key no example, so that no two tries share a key', () => {
    const keys = operations.flatMap((op) =>
      (op.parameters ?? []).filter((p) => p.name === 'Idempotency-Key'),
    );
    expect(keys.length).toBe(4);
    for (const key of keys) {
      expect(key.example).toBeUndefined();
      expect(key.examples).toBeUndefined();
      expect(key.schema?.example).toBeUndefined();
      expect(key.schema?.examples).toBeUndefined();
    }
  });

  it('gives X-Purpose, on each operation, an example the demo agency is entitled to for that operation', () => {
    const withPurpose = operations.filter((op) => (op.parameters ?? []).some((p) => p.name === 'X-Purpose'));
    expect(withPurpose.map((op) => op.operationId).sort()).toEqual(Object.keys(DEMO_PURPOSES).sort());
    for (const op of withPurpose) {
      const purpose = op.parameters!.find((p) => p.name === 'X-Purpose')!;
      expect(purpose.example ?? purpose.schema?.example, op.operationId).toBe(DEMO_PURPOSES[op.operationId]);
    }
  });

  it('echoes that purpose in the examples of each registry answer', () => {
    for (const [id, purpose] of Object.entries(DEMO_PURPOSES)) {
      const schema = resolve(operation(id).responses['200']?.content?.['application/json']?.schema);
      expect((schema?.example as Json | undefined)?.purpose, id).toBe(purpose);
      const properties = (schema?.properties ?? {}) as Record<string, Json>;
      expect(properties.purpose?.example, id).toBe(purpose);
    }
  });
});

describe('OpenAPI document: responses', () => {
  it('documents on every operation what the outer shell answers on any route: 413, 431 and 500', () => {
    for (const op of operations) {
      for (const status of ['413', '431', '500'])
        expect(Object.keys(op.responses), op.operationId).toContain(status);
    }
  });

  it('documents 415 on every operation whose body the route validator gates by media type', () => {
    const withBody = operations.filter((op) => (op as { requestBody?: unknown }).requestBody);
    expect(withBody.length).toBeGreaterThan(10);
    for (const op of withBody) {
      // The token endpoint reads its form itself: another media type is an RFC 6749 invalid_request (400).
      if (op.operationId === 'issueToken') expect(Object.keys(op.responses)).not.toContain('415');
      else expect(Object.keys(op.responses), op.operationId).toContain('415');
    }
  });

  it('documents the budget cap (402) and a reused Idempotency-Key (409) on every registry operation', () => {
    for (const id of Object.keys(DEMO_PURPOSES)) {
      const { responses } = operation(id);
      expect(Object.keys(responses), id).toEqual(expect.arrayContaining(['402', '409']));
      expect(JSON.stringify(responses['409']), id).toContain('Idempotency-Key');
    }
  });

  it('names every operation with a unique lowerCamelCase operationId', () => {
    const ids = operations.map((op) => op.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('authorization server metadata', () => {
  const deps = unitDeps();
  const metadata = async () =>
    answerTo(
      await createTokenApp(deps, () => ({})).request('/.well-known/oauth-authorization-server'),
      metadataRoute,
    );

  it('claims no response type: the gateway has no authorization endpoint', async () => {
    const body = await metadata();
    expect(body).not.toHaveProperty('response_types_supported');
    expect(body).not.toHaveProperty('authorization_endpoint');
    expect(body.grant_types_supported).toEqual(['client_credentials']);
    expect(body.scopes_supported).toEqual([...SCOPES]);
  });

  it('advertises exactly the algorithms a client assertion is verified with', async () => {
    const advertised = (await metadata()).token_endpoint_auth_signing_alg_values_supported as string[];
    // Every asymmetric JWS algorithm, with a key of its type: the ones whose registered key accepts it.
    const keyFor = { P256: 'ES256', P384: 'ES384', P521: 'ES512', OKP: 'Ed25519', RSA: 'RS256' } as const;
    const jwks: Record<string, JWK> = {};
    for (const [name, alg] of Object.entries(keyFor)) {
      jwks[name] = await exportJWK((await generateKeyPair(alg, { extractable: true })).publicKey);
    }
    const candidates: [string, JWK][] = [
      ['ES256', jwks.P256!],
      ['ES384', jwks.P384!],
      ['ES512', jwks.P521!],
      ['EdDSA', jwks.OKP!],
      ['Ed25519', jwks.OKP!],
      ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'].map((alg): [string, JWK] => [alg, jwks.RSA!]),
    ];
    const accepted = candidates
      .filter(([alg, jwk]) => assertionAlgorithms(jwk).includes(alg))
      .map(([alg]) => alg);
    expect([...advertised].sort()).toEqual(accepted.sort());
  });
});
