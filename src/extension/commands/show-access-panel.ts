/**
 * `sensitivity.showAccessPanel ()`: opens the access panel. Its code (and the webview bundle it serves) is
 * loaded on first use only.
 */
import type { Services } from '../services.js';

export async function showAccessPanel(services: Services): Promise<unknown> {
  const panel = await import('../panel/index.js');
  return panel.showAccessPanel(services.context, services);
}
