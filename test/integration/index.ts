/**
 * Entry of the integration tests (bundled to dist/test/index.js and loaded by VS Code through
 * extensionTestsPath). To add tests: create `test/integration/NAME.itest.ts` using `suite`/`test` from
 * ./harness.js and import it below. SENSITIVITY_ITEST_GREP (set on the launcher) filters by name.
 */
import { MARK, runAll } from './harness.js';
import './activation.itest.js';
import './workspace.itest.js';
import './commands.itest.js';
import './identity.itest.js';
import './labels.itest.js';
import './protected.itest.js';
import './panel.itest.js';
import './detect.itest.js';
import './follow.itest.js';
import './bench.itest.js';
import './organisation.itest.js';
import './trust.itest.js';
import './restricted.itest.js';
import './double-key.itest.js';
import './documents.itest.js';
import './audit.itest.js';
import './markings.itest.js';
import './save-first.itest.js';

/** Called by VS Code's extension host; rejecting makes the workbench report exit code 1. */
export async function run(): Promise<void> {
  const result = await runAll({ grep: process.env.SENSITIVITY_ITEST_GREP || undefined });
  if (result.failed.length > 0) {
    throw new Error(`${result.failed.length} integration test(s) failed: ${result.failed.map((f) => f.name).join('; ')}`);
  }
  if (result.passed === 0) {
    const message = `no integration test matched SENSITIVITY_ITEST_GREP="${process.env.SENSITIVITY_ITEST_GREP ?? ''}"`;
    console.error(`${MARK} FAILED ${message}`);
    throw new Error(message);
  }
}
