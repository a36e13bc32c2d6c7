/** `sensitivity login|logout|whoami|token`: the organisation sign-in (OIDC), kept in $SENSITIVITY_HOME/signin.json (0600). */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SensitivityError } from '../../core/errors.js';
import {
  fileSessionStore,
  MACHINE_ENV,
  signInAsMachine,
  signInPath,
  signInWithBrowser,
  signInWithDeviceCode,
  signOut,
  SignInTokens,
  type MachineSignIn,
  type OrgSettings,
  type SignInSession,
  type SignedInAccount,
} from '../../node/signin.js';
import { flagValue, flagValues, hasFlag } from '../args.js';
import { note, out, outJson, type Command } from './command.js';

const who = (a: SignedInAccount, machine?: MachineSignIn) =>
  machine ? `the service account ${a.sub}` : a.name && a.email ? `${a.name} <${a.email}>` : (a.email ?? a.name ?? a.sub);

/** Opens `url` in the desktop's browser when there is one (never on a headless machine); true when it tried. */
function openBrowser(url: string): boolean {
  const [cmd, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['rundll32', 'url.dll,FileProtocolHandler', url]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ['xdg-open', url]
          : [];
  if (!cmd) return false;
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return true;
}

/** --issuer / --client-id / --audience, else $SENSITIVITY_ISSUER / _CLIENT_ID / _AUDIENCE, else the previous sign-in's. */
async function settingsFrom(args: Parameters<Command['run']>[1], previous: SignInSession | undefined): Promise<OrgSettings> {
  const env = process.env;
  const issuer = flagValue(args, 'issuer') ?? env.SENSITIVITY_ISSUER ?? previous?.settings.issuer;
  const clientId = flagValue(args, 'client-id') ?? env.SENSITIVITY_CLIENT_ID ?? previous?.settings.clientId;
  if (!issuer || !clientId) throw new SensitivityError('E_USAGE', 'login needs --issuer URL and --client-id ID (your administrator has them)');
  const flagged = flagValues(args, 'audience');
  const given = flagged.length > 0 ? flagged : (env.SENSITIVITY_AUDIENCE?.split(/\s+/).filter(Boolean) ?? []);
  const sameOrg = previous?.settings.issuer === issuer && previous.settings.clientId === clientId;
  const audiences = given.length > 0 ? given : sameOrg ? previous.settings.audiences : [];
  for (const a of audiences) {
    if (!URL.canParse(a)) throw new SensitivityError('E_USAGE', `--audience must be an absolute URI: ${a}`);
  }
  return { issuer: issuer.replace(/\/+$/, ''), clientId, audiences };
}

function timeoutMs(args: Parameters<Command['run']>[1]): number | undefined {
  const t = flagValue(args, 'timeout');
  if (t === undefined) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new SensitivityError('E_USAGE', '--timeout takes a number of seconds');
  return n * 1000;
}

/** --client-credentials / --token-exchange (one at most; not with --device): how a machine signs in. */
function machineFrom(args: Parameters<Command['run']>[1]): MachineSignIn | undefined {
  const credentials = hasFlag(args, 'client-credentials');
  const exchange = hasFlag(args, 'token-exchange');
  if ((credentials || exchange) && (hasFlag(args, 'device') || (credentials && exchange)))
    throw new SensitivityError('E_USAGE', 'choose one of --device, --client-credentials and --token-exchange');
  const secretFile = flagValue(args, 'client-secret-file');
  const keyFile = flagValue(args, 'client-key-file');
  const tokenFile = flagValue(args, 'subject-token-file');
  if ((secretFile !== undefined || keyFile !== undefined) && !credentials)
    throw new SensitivityError('E_USAGE', '--client-secret-file and --client-key-file go with --client-credentials');
  if (tokenFile !== undefined && !exchange) throw new SensitivityError('E_USAGE', '--subject-token-file goes with --token-exchange');
  if (secretFile !== undefined && keyFile !== undefined) throw new SensitivityError('E_USAGE', 'choose one of --client-secret-file and --client-key-file');
  const withFile = (file: string | undefined) => (file !== undefined ? { file: resolve(file) } : {});
  if (exchange) return { grant: 'token_exchange', ...withFile(tokenFile) };
  if (!credentials) return undefined;
  // A private key (private_key_jwt) when one is named, by flag or environment, and no secret file.
  const privateKeyJwt = keyFile !== undefined || (secretFile === undefined && process.env[MACHINE_ENV.clientKeyFile] !== undefined);
  return privateKeyJwt ? { grant: 'client_credentials', privateKeyJwt, ...withFile(keyFile) } : { grant: 'client_credentials', ...withFile(secretFile) };
}

export const signinCommands: Command[] = [
  {
    name: 'login',
    usage:
      'login [--issuer URL --client-id ID] [--audience URI]... [--device | --client-credentials [--client-secret-file FILE | --client-key-file FILE] | --token-exchange [--subject-token-file FILE]] [--no-browser] [--timeout SECONDS]',
    summary: "sign in to your organisation's identity provider (OIDC), for its key service",
    help: [
      'Opens the identity provider in your browser (authorization code with PKCE, answered on',
      'http://127.0.0.1:PORT/callback); the URL is printed too. --device signs in on another device',
      'instead (for machines without a browser). --audience names the key service the tokens are for',
      '(repeatable). Issuer, client and audiences are remembered for the next login. Tokens are kept',
      'in $SENSITIVITY_HOME/signin.json (mode 0600) and refreshed automatically.',
      '',
      'Machines (a service account, a CI job) sign in without a person:',
      '  --client-credentials  OAuth 2.0 client credentials: the client secret comes from',
      `                        --client-secret-file FILE or $${MACHINE_ENV.clientSecret}; or the client`,
      '                        signs an assertion (private_key_jwt) with a PEM key (RSA or EC P-256)',
      `                        from --client-key-file FILE or $${MACHINE_ENV.clientKeyFile}.`,
      "  --token-exchange      the CI's own OIDC token exchanged for an access token (RFC 8693, as",
      '                        workload identity federation does): from --subject-token-file FILE,',
      `                        $${MACHINE_ENV.subjectTokenFile} or $${MACHINE_ENV.subjectToken}.`,
      'The secret is read again from there when the token expires; it is never stored. Issuer, client',
      'and audience may come from $SENSITIVITY_ISSUER, $SENSITIVITY_CLIENT_ID, $SENSITIVITY_AUDIENCE.',
      '',
    ].join('\n'),
    flags: {
      issuer: { value: true },
      'client-id': { value: true },
      audience: { value: true, repeat: true },
      device: {},
      'client-credentials': {},
      'client-secret-file': { value: true },
      'client-key-file': { value: true },
      'token-exchange': {},
      'subject-token-file': { value: true },
      'no-browser': {},
      timeout: { value: true },
    },
    async run(ctx, args) {
      const store = fileSessionStore(ctx.home);
      const settings = await settingsFrom(args, await store.load().catch(() => undefined));
      const ms = timeoutMs(args);
      const machine = machineFrom(args);
      const session = machine
        ? await signInAsMachine(settings, machine)
        : hasFlag(args, 'device')
          ? await signInWithDeviceCode(settings, {
              show: (code) => {
                note(`To sign in, open ${code.verificationUri} on any device and enter the code ${code.userCode}`);
                if (code.verificationUriComplete) note(`(or open ${code.verificationUriComplete})`);
                note(`Waiting for you to confirm (the code expires in ${Math.round(code.expiresIn / 60)} min)…`);
              },
              ...(ms ? { timeoutMs: ms } : {}),
            })
          : await signInWithBrowser(settings, {
              open: (url) => {
                note('Open this URL in a browser to sign in:');
                note(`  ${url}`);
                if (!hasFlag(args, 'no-browser') && openBrowser(url)) note('(opening it in your browser)');
                note('Waiting for the browser…');
              },
              ...(ms ? { timeoutMs: ms } : {}),
            });
      await store.save(session);
      out(`Signed in to ${settings.issuer} as ${who(session.account, session.machine)}.`);
      out(`Tokens are kept in ${signInPath(ctx.home)} (mode 0600) and ${machine ? 'renewed with the same credentials' : 'refreshed'} automatically.`);
    },
  },
  {
    name: 'logout',
    usage: 'logout',
    summary: 'sign out of your organisation: revoke the refresh token and delete the stored tokens',
    flags: {},
    async run(ctx) {
      const { session, revoked } = await signOut(fileSessionStore(ctx.home));
      if (!session) {
        out('Not signed in.');
        return;
      }
      out(`Signed out of ${session.settings.issuer} (${who(session.account)}); the stored tokens are deleted.`);
      if (session.refreshToken && !revoked) note('The identity provider could not be told to revoke the refresh token (unreachable?); it expires on its own.');
    },
  },
  {
    name: 'whoami',
    usage: 'whoami [--json]',
    summary: 'show who you are signed in as at your organisation (never the tokens)',
    flags: { json: {} },
    async run(ctx, args) {
      const session = await new SignInTokens(fileSessionStore(ctx.home), ctx.clock).requireSession();
      const now = ctx.clock.now().getTime();
      const tokens = session.tokens.map((t) => ({ audiences: t.audiences, expiresAt: new Date(t.expiresAt).toISOString(), expired: t.expiresAt <= now }));
      if (hasFlag(args, 'json')) {
        outJson({
          issuer: session.settings.issuer,
          clientId: session.settings.clientId,
          account: session.account,
          audiences: session.settings.audiences,
          accessTokens: tokens,
          refreshable: session.refreshToken !== undefined || session.machine !== undefined,
          ...(session.machine ? { machine: session.machine.grant } : {}),
          signedInAt: session.signedInAt,
        });
        return;
      }
      out(`Signed in to ${session.settings.issuer} as ${who(session.account, session.machine)}`);
      out(`Subject:   ${session.account.sub}`);
      if (session.account.groups?.length) out(`Groups:    ${session.account.groups.join(', ')}`);
      out(`Client:    ${session.settings.clientId}`);
      out(`Since:     ${session.signedInAt}`);
      for (const t of tokens) {
        const state = t.expired ? 'expired' : `valid until ${t.expiresAt}`;
        out(`Token for ${t.audiences.join(', ') || "the identity provider's default audience"}: ${state}`);
      }
      if (session.machine)
        out(`Tokens are renewed automatically (${session.machine.grant === 'client_credentials' ? 'client credentials' : 'token exchange'}).`);
      else out(session.refreshToken ? 'Tokens are refreshed automatically.' : 'No refresh token: sign in again when the token expires.');
    },
  },
  {
    name: 'token',
    usage: 'token [--audience URI] [--fresh]',
    summary: 'print a current access token for the key service (refreshed when needed), for scripts',
    flags: { audience: { value: true }, fresh: {} },
    async run(ctx, args) {
      const tokens = new SignInTokens(fileSessionStore(ctx.home), ctx.clock);
      const session = await tokens.requireSession();
      const audience = flagValue(args, 'audience') ?? session.settings.audiences[0] ?? session.tokens[0]?.audiences[0] ?? '';
      process.stdout.write((await tokens.token(audience, { fresh: hasFlag(args, 'fresh') })) + '\n');
    },
  },
];
