/**
 * A private SoftHSM2 token for one test (docs/KEY-SERVICE.md): its own SOFTHSM2_CONF and token folder
 * under a temp directory, initialised with `softhsm2-util --init-token`, removed by `dispose`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  readonly dir: string;
  /** Environment for processes that use the token (SOFTHSM2_CONF, and the PIN for the key service). */
  readonly env: NodeJS.ProcessEnv;
  readonly module: string;
  readonly token: string;
  readonly pin: string;
  dispose(): void;
}

/** Initialises a fresh token labelled `token` with a random PIN; sets SOFTHSM2_CONF in this process too. */
export function createSoftHsm(token = 'sensitivity-test'): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const pin = Math.random().toString(36).slice(2, 10).padEnd(8, '7');
  const env = { ...process.env, SOFTHSM2_CONF: conf, SENSITIVITY_KS_PIN: pin };
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', token, '--pin', pin, '--so-pin', `${pin}so`], { env, stdio: 'pipe' });
  process.env.SOFTHSM2_CONF = conf;
  return { dir, env, module: SOFTHSM_MODULE, token, pin, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
