import { AppError, BadRequestError, type ProblemFields, ServiceUnavailableError } from '../errors';
import { REGISTERS, type RegisterName } from '../identity/model';

const registerLabel = (register: RegisterName) => REGISTERS[register].label;

/** 502: the custodian answered, but not with something the gateway can serve (5xx, garbage, wrong shape). */
export class CustodianError extends AppError {
  override name = 'CustodianError';
  constructor(register: RegisterName, detail: string, fields: ProblemFields = {}) {
    super(502, 'custodian-error', 'Bad Gateway', `The ${registerLabel(register)}'s custodian ${detail}.`, {
      ...fields,
      extensions: { register, ...fields.extensions },
    });
  }
}

/** 504: the custodian did not answer within the gateway's time limit. */
export class CustodianTimeoutError extends AppError {
  override name = 'CustodianTimeoutError';
  constructor(register: RegisterName, timeoutMs: number, fields: ProblemFields = {}) {
    super(
      504,
      'custodian-timeout',
      'Gateway Timeout',
      `The ${registerLabel(register)}'s custodian did not answer within ${timeoutMs} ms.`,
      { ...fields, extensions: { register, ...fields.extensions } },
    );
  }
}

/** 503 with Retry-After: the circuit to the custodian is open after repeated failures. */
export class CustodianUnavailableError extends ServiceUnavailableError {
  override name = 'CustodianUnavailableError';
  constructor(register: RegisterName, retryAfterSeconds: number) {
    super(
      `The ${registerLabel(register)}'s custodian is failing; the gateway stopped calling it for now. Try again in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
      { extensions: { register } },
    );
  }
}

/** 400: a search the index cannot answer without reading the whole register. */
export class UnsearchableQueryError extends BadRequestError {
  override name = 'UnsearchableQueryError';
}
