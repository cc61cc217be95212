import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config';
import { REGISTER_NAMES, REGISTERS } from '../../../shared/identity/model';
import { createProviders } from '../../../shared/registry/config';
import { HttpBusinessRegister, HttpRecords } from '../../../shared/registry/custodian';
import { HostedBusinessRegister, HostedRecords } from '../../../shared/registry/hosted';
import { operationRecords, registerRecords } from '../../../shared/registry/operations';
import { unitDeps } from '../../support/deps';

describe('register provider configuration', () => {
  const { store, tables } = unitDeps();

  it('serves both registers from the hosted copy by default', () => {
    const providers = createProviders(loadConfig({}), store, tables);
    expect(providers.population).toBeInstanceOf(HostedRecords);
    expect(providers.business).toBeInstanceOf(HostedBusinessRegister);
  });

  it('forwards each register to its custodian when configured, independently', () => {
    const settings = loadConfig({
      POPULATION_PROVIDER: 'http',
      POPULATION_CUSTODIAN_URL: 'https://dancu.example.gov.vn/api',
    });
    const providers = createProviders(settings, store, tables);
    expect(providers.population).toBeInstanceOf(HttpRecords);
    expect(providers.business).toBeInstanceOf(HostedBusinessRegister);

    const both = createProviders(
      loadConfig({
        POPULATION_PROVIDER: 'http',
        POPULATION_CUSTODIAN_URL: 'https://dancu.example.gov.vn/api',
        BUSINESS_PROVIDER: 'http',
        BUSINESS_CUSTODIAN_URL: 'https://dkkd.example.gov.vn/api',
      }),
      store,
      tables,
    );
    expect(both.business).toBeInstanceOf(HttpBusinessRegister);
  });

  it('gives every register its own provider setting and custodian URL, derived from the list of registers', () => {
    const hosted = createProviders(loadConfig({}), store, tables);
    expect(Object.keys(hosted).sort()).toEqual([...REGISTER_NAMES].sort());
    for (const register of REGISTER_NAMES) {
      // The broker reaches a record's provider through its kind: the one built for the kind's register.
      expect(registerRecords[register].source(hosted), register).toBe(hosted[register]);
      // Each of the register's operations reads the register's record.
      for (const operation of REGISTERS[register].operations) {
        expect(operationRecords[operation], operation).toBe(registerRecords[register]);
      }
    }
    for (const register of REGISTER_NAMES) {
      const upper = register.toUpperCase();
      const providers = createProviders(
        loadConfig({
          [`${upper}_PROVIDER`]: 'http',
          [`${upper}_CUSTODIAN_URL`]: `https://${register}.example.gov.vn/api`,
        }),
        store,
        tables,
      );
      for (const other of REGISTER_NAMES) {
        expect(providers[other].kind, `${other} with ${upper}_PROVIDER=http`).toBe(
          other === register ? 'http' : 'hosted',
        );
      }
      expect(() => loadConfig({ [`${upper}_PROVIDER`]: 'http' })).toThrow(
        `${upper}_CUSTODIAN_URL: required when ${upper}_PROVIDER is http`,
      );
    }
  });

  it('has bounded defaults for timeouts, retries and the breaker', () => {
    expect(loadConfig({})).toMatchObject({
      CUSTODIAN_TIMEOUT_MS: 2000,
      CUSTODIAN_RETRIES: 2,
      CUSTODIAN_FAILURE_THRESHOLD: 5,
      CUSTODIAN_COOLDOWN_MS: 30_000,
    });
  });

  it('fails fast, naming each bad variable', () => {
    expect(() => loadConfig({ BUSINESS_PROVIDER: 'http' })).toThrow(
      /BUSINESS_CUSTODIAN_URL: required when BUSINESS_PROVIDER is http/,
    );
    expect(() => loadConfig({ POPULATION_PROVIDER: 'ftp' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ POPULATION_PROVIDER: 'http', POPULATION_CUSTODIAN_URL: 'file:///etc/passwd' }),
    ).toThrow(/POPULATION_CUSTODIAN_URL/);
    expect(() => loadConfig({ CUSTODIAN_TIMEOUT_MS: '600000' })).toThrow(/CUSTODIAN_TIMEOUT_MS/);
    expect(() => loadConfig({ CUSTODIAN_RETRIES: '50' })).toThrow(/CUSTODIAN_RETRIES/);
  });
});
