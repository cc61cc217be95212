import { expect } from 'vitest';
import type { z } from 'zod';
import { IssuedCredentialSchema } from '../../functions/admin/routes';
import { ProblemSchema } from '../../shared/http/openapi';

/**
 * An answer's JSON body, parsed with the schema the API documents for it (the route's own response schema):
 * a test reads what the contract says, and an answer that breaks the contract fails here, naming the field,
 * instead of being cast into shape. Fails unless the status is `status`.
 */
export async function answerOf<S extends z.ZodType>(
  response: Response,
  schema: S,
  status = 200,
): Promise<z.output<S>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`the answer breaks its documented schema: ${parsed.error.message}\n${text}`);
  return parsed.data;
}

/** A problem+json answer of `status`. */
export const problemOf = (response: Response, status: number) => answerOf(response, ProblemSchema, status);

/** A credential just issued (201), with its secret when it has one. */
export async function issuedCredentialOf(response: Response) {
  const issued = await answerOf(response, IssuedCredentialSchema, 201);
  return { ...issued, clientSecret: issued.clientSecret ?? '' };
}

type JsonAnswer = { content: { 'application/json': { schema: z.ZodType } } };
type Responses<R> = R extends { responses: infer A } ? A : never;
/** The schema route `R` documents for its JSON answer of status `S`. */
type SchemaAt<R, S> = S extends keyof Responses<R>
  ? Responses<R>[S] extends JsonAnswer
    ? Responses<R>[S]['content']['application/json']['schema']
    : never
  : never;

/**
 * The JSON schema a route documents for its `status` answer (`responses[status]`): the routes' page and
 * envelope schemas are declared inline, with no exported name of their own.
 */
export function documented<R extends { responses: object }, S extends number = 200>(
  route: R,
  status: S = 200 as S,
): SchemaAt<R, S> {
  const answer = (route.responses as Record<number, Partial<JsonAnswer> | undefined>)[status];
  const schema = answer?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the route documents no JSON answer for ${status}`);
  return schema as SchemaAt<R, S>;
}

/** An answer of `status` (default 200), parsed with the JSON schema `route` documents for it. */
export const answerTo = <R extends { responses: object }, S extends number = 200>(
  response: Response,
  route: R,
  status: S = 200 as S,
): Promise<z.output<SchemaAt<R, S>>> => answerOf(response, documented(route, status), status);

/**
 * As answerTo, for a test that compares the answer whole (`toEqual`): zod drops the members a schema does not
 * declare, so this also fails when the answer has any, instead of letting them vanish from the comparison.
 */
export async function wholeAnswerTo<R extends { responses: object }, S extends number = 200>(
  response: Response,
  route: R,
  status: S = 200 as S,
): Promise<z.output<SchemaAt<R, S>>> {
  const answer = await answerTo(response.clone(), route, status);
  expect(answer, 'the answer has members its schema does not declare').toEqual(
    JSON.parse(await response.text()),
  );
  return answer;
}
