/** Passphrases: from $SENSITIVITY_PASSPHRASE, else asked on the terminal without echo. */
import { SensitivityError } from '../core/errors.js';
import { requireStrongPassphrase } from '../core/passphrase.js';

function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    let answer = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new SensitivityError('E_USAGE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The passphrase for an identity file; `confirm` asks twice (when creating a file). */
export async function readPassphrase(confirm: boolean): Promise<string> {
  const fromEnv = process.env.SENSITIVITY_PASSPHRASE;
  if (fromEnv !== undefined) {
    if (confirm) requireStrongPassphrase(fromEnv);
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new SensitivityError('E_USAGE', 'no terminal to ask for the passphrase; set SENSITIVITY_PASSPHRASE');
  }
  const first = await askHidden('Passphrase: ');
  if (!confirm) return first;
  requireStrongPassphrase(first);
  if ((await askHidden('Repeat passphrase: ')) !== first) throw new SensitivityError('E_USAGE', 'the passphrases differ');
  return first;
}
