/**
 * Sensitivity Labels for VS Code: labels and protection where people work. Activation only wires light
 * UI (commands, status bar, decorations, the protected file system and editor); the core (crypto, schema
 * validation) loads on first use and the access panel on first open.
 */
import * as vscode from 'vscode';
import type { SensitivityApi } from './api.js';
import { LabelBanner } from './banner.js';
import { registerCommands } from './commands/index.js';
import { loadCore } from './core.js';
import { LabelDecorations } from './decorations.js';
import { registerDetection } from './detect/index.js';
import { registerCopies } from './follow/copies.js';
import { IdentityStore } from './identity-store.js';
import { registerLabelPaste } from './paste/label-paste.js';
import { registerPolicyAtWork } from './policy-at-work.js';
import { registerCopyGuard } from './protected/copy-guard.js';
import { registerProtectedEditor } from './protected/editor.js';
import { registerProtectedFileSystem } from './protected/file-system.js';
import { registerInspectView } from './protected/inspect-view.js';
import { registerSaveSoon } from './protected/save-soon.js';
import { registerVersionFileSystem } from './scm/versions.js';
import { createServices } from './services.js';
import { LabelStatusBar } from './status-bar.js';

/** Called on first use: a contributed command, a `.protected` file opened, or a workspace with `.sensitivity/`. */
export function activate(context: vscode.ExtensionContext): SensitivityApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Sensitivity Labels', { log: true });
  const identities = new IdentityStore(context.secrets, loadCore);
  const services = createServices(context, log, identities);
  const inspect = (uri: vscode.Uri) => services.labels.protectedInfo(uri);
  const statusBar = new LabelStatusBar(services.labels, services.contentFindings);
  const decorations = new LabelDecorations(services.labels);
  const detection = registerDetection(services);
  context.subscriptions.push(
    log,
    identities,
    services.organisation,
    services.labels,
    services.contentFindings,
    registerCommands(services),
    statusBar,
    decorations,
    new LabelBanner(services.labels),
    registerProtectedFileSystem(services, inspect),
    registerProtectedEditor(services, inspect),
    registerInspectView(),
    registerCopyGuard(services.labels),
    registerSaveSoon(log),
    registerPolicyAtWork(services, () => detection.autoLabelsSettled()),
    detection,
    registerCopies(services),
    registerLabelPaste(services),
    registerVersionFileSystem(services),
  );
  const activation = { activateMs: performance.now() - started };
  log.info(`activated in ${activation.activateMs.toFixed(1)} ms`);
  return {
    activation,
    labelOf: (uri) => services.labels.labelOf(uri),
    async statusBar() {
      await statusBar.update();
      return statusBar.state;
    },
    decorationOf: async (uri) => (await decorations.provideFileDecoration(uri)) ?? undefined,
    registerFindingsProvider: (provider) => services.contentFindings.register(provider),
    autoLabelsSettled: () => detection.autoLabelsSettled(),
    organisationToken: (audience) => services.organisation.tokens.token(audience),
  };
}

/** Everything is released through context.subscriptions. */
export function deactivate(): void {}
