/**
 * Every item key of the registry table: the hosted registers' records and the business name index beside them.
 * Existing items were written with these exact strings: a change here is a data migration, not a refactor.
 */

const INDEX_PREFIX = 'BIZWORD#';

/** The registers' records: written by the registry writer (seeding, bulk loads). */
export const registryKeys = {
  /** A person in the population register. */
  citizen: (nationalId: string) => ({ pk: `CITIZEN#${nationalId}`, sk: 'CITIZEN' }),
  /** An enterprise or branch in the business register. */
  business: (enterpriseCode: string) => ({ pk: `BUSINESS#${enterpriseCode}`, sk: 'BUSINESS' }),
};

/**
 * The business name index (search-index.ts), written with each business by the registry writer:
 *
 *   pk = BIZWORD#<word>      one partition per distinctive folded word of a name
 *   sk = <province>#<distinctive name>#<enterprise code>
 */
export const searchIndexKeys = {
  /** The partition of one folded word. */
  partition: (word: string) => `${INDEX_PREFIX}${word}`,
  /** One index item's key: the word's partition, at a sort key from `sortKey`. */
  entry: (word: string, sk: string) => ({ pk: searchIndexKeys.partition(word), sk }),
  /** Orders a word's partition by province, then name. */
  sortKey: (province: string, name: string, enterpriseCode: string) =>
    `${province}#${name}#${enterpriseCode}`,
  /** The sort-key prefix of one province's items. */
  provincePrefix: (province: string) => `${province}#`,
  /** The distinctive name a sort key holds, read back from it. */
  nameOf: (sk: string) => sk.split('#')[1] ?? '',
};

/** The seed and generator version of the synthetic registers: written by the local host's synthetic seeding. */
export const syntheticSeedKey = { pk: 'SEED', sk: 'SYNTHETIC' } as const;
