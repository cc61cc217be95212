import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * Every item a Query matches, page after page (each up to `Limit` items or 1 MB). Only for reads that need
 * them all; a paged answer or a search that stops once its page is full reads page by page itself.
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** Every item a Scan reads, page after page (local host, tests and benchmarks: requests never scan). */
export async function scanAll(
  client: DynamoDBDocumentClient,
  input: ScanCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, input)) items.push(...(page.Items ?? []));
  return items;
}
