import { beforeAll, describe, expect, inject, it } from 'vitest';
import { seedDemoRecords } from '../../../local/seed';
import { seedInBackground, seedSyntheticRegisters } from '../../../local/synthetic';
import type { GatewayDeps } from '../../../shared/deps';
import { syntheticBusinesses, syntheticCitizens } from '../../../shared/registry/generator';
import { HostedBusinessRegister, HostedRecords } from '../../../shared/registry/hosted';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { citizenRecord } from '../../../shared/registry/operations';
import { businessIndexItems } from '../../../shared/registry/search-index';
import { integrationDeps } from '../../support/deps';

let deps: GatewayDeps;

beforeAll(async () => {
  deps = await integrationDeps(inject('dynamoEndpoint'));
});

/** Items a register of this size holds besides the demo records: records plus their index items. */
function itemsFor(citizens: number, businesses: number, from = { citizens: 0, businesses: 0 }): number {
  const records = [...syntheticBusinesses(businesses)].slice(demoBusinesses.length + from.businesses);
  return citizens - from.citizens + records.reduce((sum, b) => sum + 1 + businessIndexItems(b).length, 0);
}

describe('seeding the synthetic registers', () => {
  it('writes the generated records with their search index, searchable at once', async () => {
    await seedDemoRecords(deps.store, deps.tables);
    const result = await seedSyntheticRegisters(deps.store, deps.tables.registry, {
      citizens: 100,
      businesses: 100,
    });
    expect(result).toMatchObject({ wrote: true, items: itemsFor(100, 100) });

    const population = new HostedRecords(deps.store, deps.tables.registry, citizenRecord);
    const register = new HostedBusinessRegister(deps.store, deps.tables.registry);
    const lastCitizen = [...syntheticCitizens(100)].at(-1)!;
    expect(await population.get(lastCitizen.nationalId)).toEqual(lastCitizen);
    expect(await population.get(demoCitizens[0]!.nationalId)).toEqual(demoCitizens[0]);
    const some = [...syntheticBusinesses(100)][50]!;
    const { items } = await register.searchBusinesses({
      name: some.name,
      province: some.province,
      limit: 100,
    });
    expect(items.map((b) => b.enterpriseCode)).toContain(some.enterpriseCode);
  });

  it('leaves a register already seeded at least as large alone', async () => {
    const again = await seedSyntheticRegisters(deps.store, deps.tables.registry, {
      citizens: 100,
      businesses: 50,
    });
    expect(again).toMatchObject({ wrote: false, items: 0 });
  });

  it('adds only what a larger register lacks', async () => {
    const result = await seedSyntheticRegisters(deps.store, deps.tables.registry, {
      citizens: 150,
      businesses: 120,
    });
    expect(result).toMatchObject({
      wrote: true,
      items: itemsFor(150, 120, { citizens: 100, businesses: 100 }),
    });
    const register = new HostedRecords(deps.store, deps.tables.registry, citizenRecord);
    const last = [...syntheticCitizens(150)].at(-1)!;
    expect(await register.get(last.nationalId)).toEqual(last);
  });

  it('can be stopped midway in the background, and a later run completes it', async () => {
    const fresh = await integrationDeps(inject('dynamoEndpoint'));
    const lines: string[] = [];
    const seeding = seedInBackground(fresh.store, fresh.tables.registry, {
      citizens: 1500,
      businesses: 0,
      progress: (line) => lines.push(line),
    });
    await new Promise((r) => setTimeout(r, 50));
    await seeding.stop();
    expect(await seeding.done).toBeUndefined();

    const finished = seedInBackground(fresh.store, fresh.tables.registry, {
      citizens: 1500,
      businesses: 0,
      progress: (line) => lines.push(line),
    });
    expect(await finished.done).toMatchObject({ wrote: true, items: 1500 });
    expect(lines.at(-1)).toMatch(/^Synthetic registers ready: 1,500 citizens/);
    const last = [...syntheticCitizens(1500)].at(-1)!;
    expect(
      await new HostedRecords(fresh.store, fresh.tables.registry, citizenRecord).get(last.nationalId),
    ).toEqual(last);
  });
});

describe('demo records', () => {
  it('are written with their search index, so the quick start can search them', async () => {
    const fresh = await integrationDeps(inject('dynamoEndpoint'));
    await seedDemoRecords(fresh.store, fresh.tables);
    const register = new HostedBusinessRegister(fresh.store, fresh.tables.registry);
    const { items } = await register.searchBusinesses({ name: 'ha long', limit: 20 });
    expect(items).toEqual([demoBusinesses[1]]);
  });
});
