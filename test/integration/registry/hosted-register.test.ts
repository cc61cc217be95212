import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { syntheticBusinesses, syntheticCitizens } from '../../../shared/registry/generator';
import { HostedBusinessRegister, HostedRecords, SEARCH_MAX_READS } from '../../../shared/registry/hosted';
import { type Business, type Citizen, demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { citizenRecord } from '../../../shared/registry/operations';
import type { BusinessSearch } from '../../../shared/registry/provider';
import { findProvince } from '../../../shared/registry/provinces';
import { distinctiveWords } from '../../../shared/registry/search-index';
import { writeRegisterRecords } from '../../../shared/registry/writer';
import { createStoreClient } from '../../../shared/storage/client';
import { InvalidCursorError } from '../../../shared/storage/cursor';
import { integrationDeps } from '../../support/deps';

const generated = [...syntheticBusinesses(400)];
const citizens = [...syntheticCitizens(50)];

const business = (code: string, name: string, province: string): Business => ({
  ...demoBusinesses[0]!,
  enterpriseCode: code,
  name,
  province,
});

/** Names that sit close to the demo ones, to show what a search must and must not find. */
const lookalikes = [
  business('9900000001', 'Công ty TNHH Vận tải Sông Hàn', 'Hà Nội'),
  business('9900000002', 'Công ty TNHH Song Hành', 'Đà Nẵng'),
  business('9900000003', 'Công ty Cổ phần Đông Đô', 'Hà Nội'),
  business('9900000004', 'Doanh nghiệp tư nhân Sông Đà', 'Hòa Bình'),
];

/** 1 200 names sharing one word, of which only every hundredth has a second: a sparse two-word search. */
const sparse = Array.from({ length: 1200 }, (_, i) =>
  business(
    `98${String(i).padStart(8, '0')}`,
    `Công ty TNHH Mekong ${String(i).padStart(4, '0')} ${i % 100 === 7 ? 'Vàng' : 'Xanh'}`,
    'Cần Thơ',
  ),
);

const all = [...generated, ...lookalikes, ...sparse];

/** A client that records every DynamoDB operation it sends and every HTTP attempt it makes. */
function countingClient(endpoint: string) {
  const client: DynamoDBDocumentClient = createStoreClient({ region: 'local', endpoint });
  const operations: string[] = [];
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      operations.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countOperations' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      attempts++;
      return next(args);
    },
    { step: 'deserialize', name: 'countAttempts' },
  );
  return {
    client,
    operations,
    attempts: () => attempts,
    reset() {
      operations.length = 0;
      attempts = 0;
    },
  };
}

let counter: ReturnType<typeof countingClient>;
let population: HostedRecords<Citizen>;
let businesses: HostedBusinessRegister;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  const deps = await integrationDeps(endpoint);
  await writeRegisterRecords(
    deps.store,
    deps.tables.registry,
    { citizens, businesses: all },
    { concurrency: 16 },
  );
  counter = countingClient(endpoint);
  population = new HostedRecords(counter.client, deps.tables.registry, citizenRecord);
  businesses = new HostedBusinessRegister(counter.client, deps.tables.registry);
});

/** Pages through a search to its end, checking each page's cost. */
async function everyPage(search: Omit<BusinessSearch, 'cursor'>) {
  const pages: Business[][] = [];
  let cursor: string | undefined;
  do {
    counter.reset();
    const page = await businesses.searchBusinesses({ ...search, cursor });
    expect(counter.operations.every((op) => op === 'QueryCommand')).toBe(true);
    expect(counter.operations.length).toBeLessThanOrEqual(SEARCH_MAX_READS);
    expect(page.items.length).toBeLessThanOrEqual(search.limit);
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor && pages.length < 500);
  return { pages, codes: pages.flat().map((b) => b.enterpriseCode) };
}

/** What a search should find, worked out the slow way from the records themselves. */
function expected(name: string, province?: string): string[] {
  const words = distinctiveWords(name);
  const wanted = province ? findProvince(province)?.name : undefined;
  return all
    .filter((b) => words.every((w) => distinctiveWords(b.name).includes(w)))
    .filter((b) => !wanted || b.province === wanted)
    .map((b) => b.enterpriseCode);
}

describe('hosted population register', () => {
  it('answers the documented demo citizens', async () => {
    for (const citizen of demoCitizens) expect(await population.get(citizen.nationalId)).toEqual(citizen);
  });

  it('answers generated citizens, and undefined for an unknown national ID', async () => {
    expect(await population.get(citizens[10]!.nationalId)).toEqual(citizens[10]);
    expect(await population.get('001099999999')).toBeUndefined();
  });

  it('looks a citizen up in exactly one DynamoDB round trip', async () => {
    counter.reset();
    await population.get('001099012345');
    expect(counter.operations).toEqual(['GetItemCommand']);
    expect(counter.attempts()).toBe(1);
    counter.reset();
    await population.get('001099999999');
    expect(counter.operations).toEqual(['GetItemCommand']);
  });
});

describe('hosted business register', () => {
  it('answers the documented demo businesses, branches, and undefined for an unknown code', async () => {
    for (const demo of demoBusinesses) expect(await businesses.get(demo.enterpriseCode)).toEqual(demo);
    const branch = generated.find((b) => b.enterpriseCode.endsWith('-001'))!;
    expect(await businesses.get(branch.enterpriseCode)).toEqual(branch);
    expect(await businesses.get('0409999999')).toBeUndefined();
  });

  it('looks a business up in exactly one DynamoDB round trip', async () => {
    counter.reset();
    await businesses.get('0401234567');
    expect(counter.operations).toEqual(['GetItemCommand']);
    expect(counter.attempts()).toBe(1);
  });

  it.each(['song han', 'SÔNG HÀN', 'Sông Hàn'.normalize('NFD'), 'Công ty cổ phần Sông Hàn', 'han  song'])(
    'finds "Sông Hàn" by %j, ignoring case, diacritics, word order and the legal form',
    async (name) => {
      const { items } = await businesses.searchBusinesses({ name, limit: 20 });
      expect(items.map((b) => b.enterpriseCode).sort()).toEqual(['0401234567', '9900000001']);
    },
  );

  it('matches whole words: "song han" does not find "Song Hành" or "Sông Đà"', async () => {
    const { items } = await businesses.searchBusinesses({ name: 'song han', limit: 100 });
    expect(items.map((b) => b.name)).not.toContain('Công ty TNHH Song Hành');
    expect(items.map((b) => b.name)).not.toContain('Doanh nghiệp tư nhân Sông Đà');
  });

  it('matches "d" to "đ": "dong do" finds "Đông Đô"', async () => {
    const { items } = await businesses.searchBusinesses({ name: 'dong do', limit: 20 });
    expect(items.map((b) => b.name)).toContain('Công ty Cổ phần Đông Đô');
  });

  it('narrows to a province, however it is written', async () => {
    for (const province of ['Đà Nẵng', 'da nang', '048']) {
      const { items } = await businesses.searchBusinesses({ name: 'song han', province, limit: 20 });
      expect(items.map((b) => b.enterpriseCode)).toEqual(['0401234567']);
    }
    const { items } = await businesses.searchBusinesses({ name: 'Sông Hàn', province: 'Hà Nội', limit: 20 });
    expect(items.map((b) => b.enterpriseCode)).toEqual(['9900000001']);
  });

  it('returns full records in province-then-name order', async () => {
    const { items } = await businesses.searchBusinesses({ name: 'song han', limit: 20 });
    expect(items.find((b) => b.enterpriseCode === '0401234567')).toEqual(demoBusinesses[0]);
    expect(items.map((b) => b.province)).toEqual(['Đà Nẵng', 'Hà Nội']);
  });

  it.each([
    ['one common word', 'thuong', undefined, 7],
    ['two words', 'thương mại', undefined, 9],
    ['a word, in one province', 'hoa', 'Hồ Chí Minh', 3],
    ['a word in many names', 'mekong', undefined, 100],
  ])(
    'pages to the end of a search by %s without duplicates or gaps',
    async (_what, name, province, limit) => {
      const want = expected(name, province);
      expect(want.length).toBeGreaterThan(limit);
      const { pages, codes } = await everyPage({ name, province, limit });
      expect(new Set(codes).size).toBe(codes.length);
      expect([...codes].sort()).toEqual([...want].sort());
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(want.length / limit));
    },
  );

  it('keeps a sparse search within its read budget: short pages with a cursor, nothing skipped', async () => {
    const want = expected('mekong vang');
    expect(want).toHaveLength(12);
    const { pages, codes } = await everyPage({ name: 'mekong vang', limit: 20 });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.length).toBeLessThan(12);
    expect([...codes].sort()).toEqual([...want].sort());
  });

  it('ends with a page that has no cursor', async () => {
    const page = await businesses.searchBusinesses({ name: 'dong do', limit: 20 });
    expect(page.cursor).toBeUndefined();
  });

  it('refuses a cursor from another search, or one it did not issue, as a 400', async () => {
    const first = await businesses.searchBusinesses({ name: 'mekong', limit: 5 });
    expect(first.cursor).toBeDefined();
    const another = businesses.searchBusinesses({ name: 'thuong', limit: 5, cursor: first.cursor });
    await expect(another).rejects.toThrow(InvalidCursorError);
    await expect(another).rejects.toThrow('The cursor is not one this gateway issued for this search');
    const forged = Buffer.from(JSON.stringify({ f: 'guessed', k: 'can-tho#mekong' })).toString('base64url');
    for (const cursor of [forged, 'not a cursor']) {
      await expect(businesses.searchBusinesses({ name: 'mekong', limit: 5, cursor })).rejects.toMatchObject({
        status: 400,
      });
    }
  });

  it('never scans the table', async () => {
    counter.reset();
    await everyPage({ name: 'thuong mai', limit: 50 });
    await businesses.searchBusinesses({ name: 'khong co ten nay', limit: 20 });
    expect(counter.operations).not.toContain('ScanCommand');
  });
});
