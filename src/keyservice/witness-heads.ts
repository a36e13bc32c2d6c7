/**
 * The witness heads a replica answers with its decrypts (docs/KEY-SERVICE.md, "The witness"), kept so that a decrypt of
 * a file seen before costs no state read. At most MAX_LINES lines (the least recently used go). At most every
 * REFRESH_MS, one read of the lines whose head changed since the last read (OVERLAP_MS earlier, for registrations still
 * committing) drops them, so a head registered through any replica is answered within about a second, as a revocation
 * is; after a pause longer than OVERLAP_MS everything is dropped. In both states (PostgreSQL and files, where a read
 * was a stat per decrypt) a decrypt of a known line reads nothing.
 */
import type { ServiceState, StoredHead } from './state/port.js';

const MAX_LINES = 50_000;
const REFRESH_MS = 1000;
const OVERLAP_MS = 10_000;

export class HeadCache {
  /** Line → its head, or null for none; in order of use, least recent first. */
  private readonly lines = new Map<string, StoredHead | null>();
  /** Bumped by every refresh: a read that a refresh overtook is answered, not kept (it may predate a change). */
  private generation = 0;
  private checked: { readonly at: number; readonly mark: number } | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly state: ServiceState,
    private readonly max = MAX_LINES,
  ) {}

  /** The head the state holds for `line`, at most about REFRESH_MS old. */
  async head(line: string): Promise<StoredHead | undefined> {
    await this.refresh();
    const hit = this.lines.get(line);
    if (hit !== undefined) {
      this.keep(line, hit);
      return hit ?? undefined;
    }
    const generation = this.generation;
    const head = await this.state.head(line);
    if (generation === this.generation) this.keep(line, head ?? null);
    return head;
  }

  /** Drops `line` (this replica registered a head for it). */
  forget(line: string): void {
    this.lines.delete(line);
  }

  private keep(line: string, head: StoredHead | null): void {
    this.lines.delete(line);
    this.lines.set(line, head);
    if (this.lines.size > this.max) this.lines.delete(this.lines.keys().next().value!);
  }

  private refresh(): Promise<void> {
    if (this.checked && Date.now() - this.checked.at < REFRESH_MS) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        const at = Date.now();
        const since = this.checked && at - this.checked.at < OVERLAP_MS ? this.checked.mark - OVERLAP_MS : undefined;
        const changes = await this.state.headChanges(since);
        this.generation++;
        if (since === undefined) this.lines.clear();
        for (const line of changes.lines) this.lines.delete(line);
        this.checked = { at, mark: changes.now };
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
