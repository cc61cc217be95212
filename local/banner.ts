/** What `npm start` prints once the gateway is ready: shell lines a developer pastes as they are. */

/** The bootstrap admin as this start left it (see ensureBootstrapAdmin). */
export interface BannerAdmin {
  clientId: string;
  /** Present only when this start generated the secret. */
  clientSecret?: string | undefined;
  /** Why the admin cannot be used (revoked, or not an admin credential). */
  warning?: string | undefined;
}

/** The demo agency as this start left it (see ensureDemoAgency). */
export interface BannerDemo {
  code: string;
  name: string;
  clientId?: string | undefined;
  /** Present only when this start issued the credential. */
  clientSecret?: string | undefined;
  /** Why the demo credential cannot make calls (revoked, agency suspended, the code taken). */
  warning?: string | undefined;
  /** A purpose the demo agency may read citizens for (the first call's X-Purpose). */
  citizenReadPurpose: string;
}

export interface BannerInput {
  url: string;
  seconds: string;
  admin: BannerAdmin;
  /** Whether the admin's secret is the one BOOTSTRAP_ADMIN_CLIENT_SECRET gave this start. */
  adminSecretFromEnv: boolean;
  /** Absent when the demo agency is turned off (DEMO_AGENCY=0). */
  demo?: BannerDemo | undefined;
}

/** A word as a shell reads it back unchanged: bare when it is only safe characters, else single-quoted. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Reads one field of the JSON on stdin: node runs wherever `npm start` does, jq may not be installed. */
export const jsonField = (field: string) => `node -pe 'JSON.parse(require("fs").readFileSync(0)).${field}'`;

/** The shell line that puts a client's access token in `variable`. */
export const tokenLine = (variable: string, id: string, secret: string) =>
  `${variable}=$(curl -fsS -u "$${id}:$${secret}" -d grant_type=client_credentials "$GW/oauth/token" | ${jsonField('access_token')})`;

/** The citizen every first call reads (a documented demo record). */
export const DEMO_CITIZEN = '001099012345';

/** The text of the banner. Pure: the unit test reads exactly what a developer sees. */
export function banner(input: BannerInput): string {
  const { url, admin, demo } = input;
  const exports = [`export GW=${shellWord(url)}`];
  const notes: string[] = [];

  let adminUsable = !admin.warning;
  if (admin.warning) {
    notes.push(`# ${admin.warning}`);
  } else if (admin.clientSecret) {
    exports.push(
      `export ADMIN_ID=${shellWord(admin.clientId)} ADMIN_SECRET=${shellWord(admin.clientSecret)}`,
    );
  } else if (input.adminSecretFromEnv) {
    // Double quotes: the variable expands in the shell it is pasted into (single quotes never would).
    exports.push(
      `export ADMIN_ID=${shellWord(admin.clientId)} ADMIN_SECRET="$BOOTSTRAP_ADMIN_CLIENT_SECRET"`,
    );
    notes.push(
      '# ADMIN_SECRET: the BOOTSTRAP_ADMIN_CLIENT_SECRET npm start was given (export it in this shell too).',
    );
  } else {
    exports.push(`export ADMIN_ID=${shellWord(admin.clientId)}`);
    notes.push(
      '# ADMIN_SECRET was printed at the first start only (it is stored hashed): export ADMIN_SECRET=<that secret>,',
      '# or restart with BOOTSTRAP_ADMIN_CLIENT_SECRET=<16 characters or more> to give the admin that secret.',
    );
    adminUsable = false;
  }

  let demoUsable = false;
  if (demo?.warning) {
    notes.push(`# ${demo.warning}`);
  } else if (demo?.clientId && demo.clientSecret) {
    exports.push(
      `export CLIENT_ID=${shellWord(demo.clientId)} CLIENT_SECRET=${shellWord(demo.clientSecret)}`,
    );
    demoUsable = true;
  } else if (demo?.clientId) {
    exports.push(`export CLIENT_ID=${shellWord(demo.clientId)}`);
    notes.push(
      `# CLIENT_SECRET (agency ${demo.code}) was printed at the first start only (it is stored hashed); a new one, with an admin token:`,
      `#   ADMIN=$(curl -fsS -u "$ADMIN_ID:$ADMIN_SECRET" -d grant_type=client_credentials "$GW/oauth/token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `#   curl -fsS -X POST -H "Authorization: Bearer $ADMIN" "$GW/admin/credentials/$CLIENT_ID/rotate"`,
    );
  }

  const shown = [admin.clientSecret, demo?.clientSecret].filter(Boolean).length;
  const who = [
    ...(admin.warning ? [] : ['ADMIN_ID is the bootstrap admin (scopes admin audit:read)']),
    ...(demo?.clientId && !demo.warning
      ? [
          `CLIENT_ID is agency ${demo.code} (${demo.name}), entitled to the four registry operations (scopes also self:read)`,
        ]
      : []),
  ];

  const tryIt = demoUsable
    ? [
        'A token and a first registry call:',
        '',
        `  ${tokenLine('TOKEN', 'CLIENT_ID', 'CLIENT_SECRET')}`,
        `  curl -fsS -H "Authorization: Bearer $TOKEN" -H 'X-Purpose: ${demo!.citizenReadPurpose}' "$GW/v1/citizens/${DEMO_CITIZEN}?fields=fullName,dateOfBirth"`,
      ]
    : adminUsable
      ? [
          'An admin token and a first call:',
          '',
          `  ${tokenLine('ADMIN', 'ADMIN_ID', 'ADMIN_SECRET')}`,
          '  curl -fsS -H "Authorization: Bearer $ADMIN" "$GW/admin/agencies"',
        ]
      : [];

  return [
    '',
    `National Data Gateway is ready on ${url} (started in ${input.seconds} s)`,
    '',
    'Paste into a shell (bash or zsh):',
    '',
    ...exports.map((line) => `  ${line}`),
    ...notes.map((line) => `  ${line}`),
    '',
    ...(shown ? ['The secrets above are shown once: keep them now.'] : []),
    ...who,
    ...(shown || who.length ? [''] : []),
    ...(tryIt.length ? [...tryIt, ''] : []),
    `API reference: ${url}/docs   Console (admin, finance, audit): ${url}/console`,
    'README.md, "For agencies", goes on from here. Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
