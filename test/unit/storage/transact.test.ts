import { describe, expect, it } from 'vitest';
import { namedItems, type TransactItem } from '../../../shared/storage/transact';

const check = (pk: string): TransactItem => ({
  ConditionCheck: { TableName: 't', Key: { pk, sk: 'X' }, ConditionExpression: 'attribute_exists(pk)' },
});

describe('named transaction items', () => {
  it('sends the named items in the order they are named, leaving out those not given, then the unnamed ones', () => {
    const { items } = namedItems(
      { record: check('r'), window: check('w'), month: undefined, guard: check('g') },
      [check('audit')],
    );
    expect(items.map((item) => item.ConditionCheck?.Key?.pk)).toEqual(['r', 'w', 'g', 'audit']);
  });

  it('reads the cancellation reasons back by name, an item not sent counting as no reason', () => {
    const { reasonsOf } = namedItems({
      record: check('r'),
      window: check('w'),
      month: undefined,
      guard: check('g'),
    });
    const reasons = reasonsOf([
      { Code: 'None' },
      { Code: 'TransactionConflict' },
      { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'g' } } },
    ]);
    expect(reasons.code('record')).toBe('None');
    expect(reasons.code('window')).toBe('TransactionConflict');
    expect(reasons.code('month')).toBe('None');
    expect(reasons.failed('guard')).toBe(true);
    expect(reasons.failed('window')).toBe(false);
    expect(reasons.item('guard')).toEqual({ pk: { S: 'g' } });
    expect(reasonsOf(undefined).code('record')).toBe('None');
  });
});
