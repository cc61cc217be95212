import { AuditSealer } from '../../shared/audit/sealer';
import { createDeps } from '../../shared/deps';

const deps = createDeps();
const sealer = new AuditSealer(deps.store, deps.tables.ledger, deps.now);

/** Scheduled (one at a time): links the audit records written since the last run into their hash chains. */
export const handler = async (): Promise<{ sealed: number }> => {
  const sealed = await sealer.sealAll();
  deps.logger.info('audit records sealed', { sealed });
  return { sealed };
};
