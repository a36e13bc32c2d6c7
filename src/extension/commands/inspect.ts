/**
 * `sensitivity.inspect (target?: Uri, options?: { quiet })`: the header of a protected file — label,
 * owner, who has which role, expiry, your rights — without decrypting it. Returns the report's data.
 */
import type { ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { showInspectReport } from '../protected/inspect-view.js';
import { parseArgs, resolveTargets } from './targets.js';

export interface InspectOptions {
  /** Return the data without showing the report. */
  readonly quiet: boolean;
}

export async function inspect(services: Services, ...args: unknown[]): Promise<ProtectedInfo | undefined> {
  const { uris, options = {} } = parseArgs<InspectOptions>(args);
  const [file] = (await resolveTargets(uris, 'protected', 'Inspect Protected File', false)) ?? [];
  if (!file) return undefined;
  try {
    const info = await services.labels.protectedInfo(file);
    if (!options.quiet) await showInspectReport(file, info);
    return info;
  } catch (e) {
    void showError(services, e, file);
    return undefined;
  }
}
