import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlRepository } from '../../../shared/identity/repository';
import { encodeCursor, InvalidCursorError } from '../../../shared/storage/cursor';
import { unitDeps } from '../../support/deps';

describe('agency listing cursor', () => {
  const deps = unitDeps();
  const store = mockClient(deps.store);
  const control = new ControlRepository(deps.store, deps.tables.control);
  afterEach(() => store.reset());

  it('refuses a start key of another listing before it reaches the store', async () => {
    const theirs = encodeCursor({ pk: 'CLIENT#c1', sk: 'CLIENT', gsi1pk: 'AGENCY#a1#CLIENTS', gsi1sk: 'x' });
    await expect(control.listAgencies(10, theirs)).rejects.toThrow(InvalidCursorError);
    expect(store.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers a start key the store refuses as a cursor it did not issue', async () => {
    store.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'The provided starting key is invalid',
      }),
    );
    const cursor = encodeCursor({ pk: 'AGENCY#a1', sk: 'AGENCY', gsi1pk: 'AGENCIES', gsi1sk: 'HCM' });
    await expect(control.listAgencies(10, cursor)).rejects.toThrow(InvalidCursorError);
  });
});
