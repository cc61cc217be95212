import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type BannerInput, banner, shellWord } from '../../../local/banner';

const firstStart: BannerInput = {
  url: 'http://localhost:3000',
  seconds: '2.5',
  admin: { clientId: 'ndg-admin-0123abcd', clientSecret: 'ndgs_admin-Secret_0123456789' },
  adminSecretFromEnv: false,
  demo: {
    code: 'DEMO',
    name: 'Cơ quan thử nghiệm (demo)',
    clientId: 'ndgc_0123456789abcdef',
    clientSecret: 'ndgs_demo-Secret_0123456789',
    citizenReadPurpose: '1.004194',
  },
};

/** The banner's indented shell lines, as a developer copies them. */
const shellLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => /^ {2}(export |# |TOKEN=|ADMIN=|curl )/.test(line))
    .map((line) => line.slice(2));

/** Runs the banner's export lines in bash (as pasted) and prints the variables they set. */
function pasted(text: string, env: Record<string, string> = {}): Record<string, string> {
  const exports = shellLines(text).filter((line) => line.startsWith('export ') || line.startsWith('#'));
  const script = `${exports.join('\n')}\nprintf '%s\\n' "GW=\${GW-}" "ADMIN_ID=\${ADMIN_ID-}" "ADMIN_SECRET=\${ADMIN_SECRET-}" "CLIENT_ID=\${CLIENT_ID-}" "CLIENT_SECRET=\${CLIENT_SECRET-}"`;
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('npm start banner', () => {
  it('prints export lines that set GW and both clients when this start made their secrets', () => {
    const text = banner(firstStart);
    expect(text).toContain('National Data Gateway is ready on http://localhost:3000 (started in 2.5 s)');
    expect(pasted(text)).toEqual({
      GW: 'http://localhost:3000',
      ADMIN_ID: 'ndg-admin-0123abcd',
      ADMIN_SECRET: 'ndgs_admin-Secret_0123456789',
      CLIENT_ID: 'ndgc_0123456789abcdef',
      CLIENT_SECRET: 'ndgs_demo-Secret_0123456789',
    });
    expect(text).toContain('shown once');
    expect(text).toContain('agency DEMO (Cơ quan thử nghiệm (demo))');
  });

  it('gives a token line and a first registry call with the demo purpose, reading JSON with node', () => {
    const lines = shellLines(banner(firstStart));
    expect(lines).toContain(
      `TOKEN=$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$GW/oauth/token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    );
    expect(lines).toContain(
      `curl -fsS -H "Authorization: Bearer $TOKEN" -H 'X-Purpose: 1.004194' "$GW/v1/citizens/001099012345?fields=fullName,dateOfBirth"`,
    );
  });

  it('after a restart prints no secret, and says where the secrets were', () => {
    const text = banner({
      ...firstStart,
      admin: { clientId: 'ndg-admin-0123abcd' },
      demo: { ...firstStart.demo!, clientSecret: undefined },
    });
    expect(text).not.toContain('ndgs_');
    expect(text).not.toContain('shown once');
    const vars = pasted(text);
    expect(vars).toMatchObject({
      ADMIN_ID: 'ndg-admin-0123abcd',
      ADMIN_SECRET: '',
      CLIENT_ID: 'ndgc_0123456789abcdef',
    });
    expect(text).toMatch(/ADMIN_SECRET was printed at the first start only/);
    expect(text).toMatch(/CLIENT_SECRET \(agency DEMO\) was printed at the first start only/);
    expect(text).toContain('"$GW/admin/credentials/$CLIENT_ID/rotate"');
    // The rotate hint gets its admin token first: $ADMIN is not defined by anything else the banner prints.
    const hint = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('#   '));
    expect(hint[0]).toMatch(/^# {3}ADMIN=\$\(curl -fsS -u "\$ADMIN_ID:\$ADMIN_SECRET" /);
    expect(hint[1]).toContain('Bearer $ADMIN');
    // Without a secret to paste, the banner offers no call that would fail.
    expect(shellLines(text).some((line) => line.startsWith('TOKEN=') || line.startsWith('ADMIN='))).toBe(
      false,
    );
  });

  it('expands BOOTSTRAP_ADMIN_CLIENT_SECRET when the admin secret came from it (double quotes, not single)', () => {
    const text = banner({
      ...firstStart,
      admin: { clientId: 'ops-admin' },
      adminSecretFromEnv: true,
      demo: undefined,
    });
    expect(pasted(text, { BOOTSTRAP_ADMIN_CLIENT_SECRET: 'a secret with spaces & $ signs' })).toMatchObject({
      ADMIN_ID: 'ops-admin',
      ADMIN_SECRET: 'a secret with spaces & $ signs',
    });
    expect(shellLines(text)).toContain('curl -fsS -H "Authorization: Bearer $ADMIN" "$GW/admin/agencies"');
  });

  it('prints a warning instead of lines that cannot work', () => {
    const text = banner({
      ...firstStart,
      admin: {
        clientId: 'ndg-admin-0123abcd',
        warning: 'Bootstrap admin: ndg-admin-0123abcd is revoked and stays revoked.',
      },
      demo: {
        ...firstStart.demo!,
        clientSecret: undefined,
        warning: 'Demo agency DEMO is suspended (an admin did so; npm start leaves it suspended).',
      },
    });
    expect(text).toContain('# Bootstrap admin: ndg-admin-0123abcd is revoked and stays revoked.');
    expect(text).toContain('# Demo agency DEMO is suspended');
    expect(pasted(text)).toMatchObject({ ADMIN_ID: '', CLIENT_ID: '' });
  });

  it('quotes a word the shell would otherwise split or expand', () => {
    expect(shellWord('ndgs_AbC-09')).toBe('ndgs_AbC-09');
    expect(shellWord("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(
      execFileSync('bash', ['-c', `printf %s ${shellWord("it's $HOME & more")}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ).toBe("it's $HOME & more");
  });
});
