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
