/**
 * `sensitivity.showAccessPanel ()`: opens the access panel. Its code (and the webview bundle it serves) is
 * loaded on first use only.
 */
import type { Services } from '../services.js';
import { completeStep } from '../walkthrough.js';

export async function showAccessPanel(services: Services): Promise<unknown> {
  const panel = await import('../panel/index.js');
  const shown = await panel.showAccessPanel(services.context, services);
  completeStep('panel');
  return shown;
}
