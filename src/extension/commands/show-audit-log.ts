/**
 * `sensitivity.showAuditLog ()`: opens the audit view (issue 22), the hash-chained log of what was done,
 * filterable, with Verify. Its code and webview bundle are loaded on first use only.
 */
import type { Services } from '../services.js';

export async function showAuditLog(services: Services): Promise<unknown> {
  const { AuditView } = await import('../audit/view.js');
  return AuditView.show({
    context: services.context,
    log: services.log,
    identities: services.identities,
    async labelNames(uri) {
      const core = await services.core();
      return new Map(core.flattenLabels(await services.labels.policyOf(uri)).map((l) => [l.id, l.displayName]));
    },
  });
}
