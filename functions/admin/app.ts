import type { GatewayDeps } from '../../shared/deps';
import { createBaseApp, type Router } from '../../shared/http/app';

/** The admin function. Its routes arrive with their issue; until then it answers only 404 problem+json. */
export function createApp(deps: GatewayDeps): Router {
  return createBaseApp({ logger: deps.logger, maxBodyBytes: deps.config.MAX_BODY_BYTES });
}
