/** A cursor that this gateway did not issue (or that belongs to another query): the caller's error, a 400. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('The cursor is not one this gateway issued.');
  }
}
