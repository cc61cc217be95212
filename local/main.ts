import { ZodError } from 'zod';
import { banner } from './banner';
import { JavaMissingError } from './dynamo-local';
import { type LocalGateway, startLocalGateway } from './host';

// The Lambda runtime is Node 22; locally Node 20 is supported, so the SDK's upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** `npm start`: the whole gateway on one port, with DynamoDB Local, demo data and a bootstrap admin. */
async function main(): Promise<void> {
  const started = performance.now();
  let gateway: LocalGateway | undefined;
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${reason}: stopping the gateway and DynamoDB Local...\n`);
    await gateway?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Interrupted', 0));
  process.on('SIGTERM', () => void shutdown('Terminated', 0));
  process.on('SIGHUP', () => void shutdown('Hang-up', 0));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`Unexpected error: ${error.stack ?? error}\n`);
    void shutdown('Crashed', 1);
  });
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`Unexpected error: ${(error as Error)?.stack ?? error}\n`);
    void shutdown('Crashed', 1);
  });

  gateway = await startLocalGateway();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { url, bootstrap, demo } = gateway;
  process.stdout.write(
    banner({
      url,
      seconds,
      admin: bootstrap,
      adminSecretFromEnv: process.env.BOOTSTRAP_ADMIN_CLIENT_SECRET !== undefined,
      demo,
    }),
  );
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError) {
    process.stderr.write(`${error.message}\n`);
  } else if (error instanceof ZodError) {
    const problems = error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    process.stderr.write(`Invalid local settings: ${problems}\n`);
  } else {
    process.stderr.write(`Could not start the gateway: ${(error as Error)?.message ?? error}\n`);
  }
  process.exit(1);
});
