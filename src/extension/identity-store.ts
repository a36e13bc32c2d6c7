/**
 * Your identity, private keys included, kept in VS Code's SecretStorage (the OS keychain on desktop):
 * never in settings, workspace state or a file the extension writes in the clear.
 */
import * as vscode from 'vscode';
import type { Identity } from '../core/identity.js';
import type { Core } from './core.js';

/** SecretStorage key; versioned so a future format can migrate. */
const SECRET_KEY = 'sensitivity.identity.v1';

export class IdentityStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Identity | undefined>();
  /** Fires after the identity is created, imported or replaced (also from another window). */
  readonly onDidChange = this.changed.event;
  private cached: Promise<Identity | undefined> | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly core: () => Promise<Core>,
  ) {
    this.subscription = secrets.onDidChange(async (e) => {
      if (e.key !== SECRET_KEY) return;
      this.cached = undefined;
      this.changed.fire(await this.get());
    });
  }

  /** The stored identity, or undefined when there is none. A damaged entry counts as none. */
  get(): Promise<Identity | undefined> {
    return (this.cached ??= this.load());
  }

  private async load(): Promise<Identity | undefined> {
    const text = await this.secrets.get(SECRET_KEY);
    if (text === undefined) return undefined;
    const { parseIdentity } = await this.core();
    try {
      return await parseIdentity(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  /** Stores `identity` (replacing any other). */
  async set(identity: Identity): Promise<void> {
    await this.secrets.store(SECRET_KEY, JSON.stringify(identity));
    this.cached = Promise.resolve(identity);
    this.changed.fire(identity);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
