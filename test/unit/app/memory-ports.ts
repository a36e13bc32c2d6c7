/**
 * In-memory ports for the application layer's unit tests, behaving like the Node adapters where it matters:
 * a read handle sees the file as it was when opened (like an fd: a later swap of the path does not reach
 * it), `create` fails with E_EXISTS if the path exists when the file would be put in place, nothing is
 * left behind by a failed write, locks serialise, and a failing audit sink fails the operation.
 */
import assert from 'node:assert/strict';
import { isSensitivityError, SensitivityError, type ErrorCode } from '../../../src/core/errors.js';
import { relate, replacesOrganisationHead } from '../../../src/core/app/versions.js';
import type {
  HistoryHead,
  OrganisationHead,
  AppContext,
  AuditSink,
  DirEntry,
  FileAccess,
  KeyAcceptance,
  OrganisationKey,
  OrganisationPins,
  PinStore,
  ReadHandle,
  VersionMemory,
  WitnessService,
  WorkspaceStore,
} from '../../../src/core/app/index.js';
import { extendsWitnessHead, issueWitnessReceipt, verifyWitnessRegistration, type CertificateSigner, type WitnessHead } from '../../../src/core/org/index.js';
import type { AuditEvent } from '../../../src/core/audit/index.js';
import type { Identity, PublicIdentity } from '../../../src/core/identity.js';
import { EMPTY_PINS, pinIn, pinnedByEmail, pinnedById, type PinBook } from '../../../src/core/pins.js';
import { EMPTY_MANIFEST, type LabelsManifest } from '../../../src/core/labels/index.js';
import { EMPTY_PEOPLE, type PeopleDirectory } from '../../../src/core/people.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy/index.js';
import type { PatchableSink } from '../../../src/core/ports.js';
import { memorySink, randomAccessOf, type SignedHistory } from '../../../src/core/envelope/index.js';

interface MemFile {
  bytes: Uint8Array;
  mode: number;
}

/** A tiny promise queue per key: the in-memory lock. */
class Locks {
  readonly #tails = new Map<string, Promise<unknown>>();
  async with<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const run = before.then(f, f);
    this.#tails.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}

export class MemoryFiles implements FileAccess {
  readonly files = new Map<string, MemFile>();
  readonly locks = new Locks();
  /** Opens so far (the "one handle per operation" checks count them). */
  opens = 0;
  /** Called after produce and before a create/replace is put in place (tests race writers here). */
  beforeCommit: ((path: string) => void) | undefined;

  put(path: string, content: string | Uint8Array, mode = 0o644): void {
    this.files.set(path, { bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content, mode });
  }

  bytes(path: string): Uint8Array | undefined {
    return this.files.get(path)?.bytes;
  }

  text(path: string): string | undefined {
    const f = this.files.get(path);
    return f && new TextDecoder().decode(f.bytes);
  }

  async open(path: string): Promise<ReadHandle> {
    const f = this.files.get(path);
    if (!f) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', path);
    this.opens++;
    return { ...randomAccessOf(f.bytes), mode: f.mode, close: async () => undefined };
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || [...this.files.keys()].some((k) => k.startsWith(`${path}/`));
  }

  async #write<T>(path: string, mode: number, produce: (sink: PatchableSink) => Promise<T>, exclusive: boolean): Promise<T> {
    const sink = memorySink();
    const result = await produce(sink);
    this.beforeCommit?.(path);
    if (exclusive && this.files.has(path)) throw new SensitivityError('E_EXISTS', 'already exists', path);
    if (!exclusive && !this.files.has(path)) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', path);
    this.files.set(path, { bytes: sink.bytes(), mode });
    return result;
  }

  create<T>(path: string, mode: number, produce: (sink: PatchableSink) => Promise<T>): Promise<T> {
    return this.#write(path, mode, produce, true);
  }

  replace<T>(path: string, mode: number, produce: (sink: PatchableSink) => Promise<T>): Promise<T> {
    return this.#write(path, mode, produce, false);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }

  withLock<T>(path: string, f: () => Promise<T>): Promise<T> {
    return this.locks.with(path, f);
  }

  async list(dir: string): Promise<readonly DirEntry[]> {
    const prefix = dir === '' ? '' : `${dir}/`;
    const out = new Map<string, DirEntry>();
    for (const k of this.files.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf('/');
      const name = slash < 0 ? rest : rest.slice(0, slash);
      out.set(name, { name, kind: slash < 0 ? 'file' : 'dir' });
    }
    return [...out.values()];
  }
}

export class MemoryStore implements WorkspaceStore {
  readonly locks = new Locks();
  constructor(
    public policyValue: Policy = DEFAULT_POLICY,
    public peopleValue: PeopleDirectory = EMPTY_PEOPLE,
    public manifestValue: LabelsManifest = EMPTY_MANIFEST,
  ) {}
  policy = async () => this.policyValue;
  people = async () => this.peopleValue;
  manifest = async () => this.manifestValue;
  updatePeople(change: (p: PeopleDirectory) => Promise<PeopleDirectory | undefined> | PeopleDirectory | undefined) {
    return this.locks.with('people', async () => (this.peopleValue = (await change(this.peopleValue)) ?? this.peopleValue));
  }
  updateManifest(change: (m: LabelsManifest) => Promise<LabelsManifest | undefined> | LabelsManifest | undefined) {
    return this.locks.with('manifest', async () => (this.manifestValue = (await change(this.manifestValue)) ?? this.manifestValue));
  }
}

export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  /** When set, every append fails with this error (a full disk, a broken log). */
  failing: Error | undefined;
  async append(event: AuditEvent): Promise<void> {
    if (this.failing) throw this.failing;
    this.events.push(event);
  }
  actions(): string[] {
    return this.events.map((e) => e.action);
  }
}

/** Access-history heads seen, in memory (the same rule as `src/node/versions.ts`: only a head that extends replaces). */
export class MemoryVersions implements VersionMemory {
  readonly heads = new Map<string, HistoryHead>();
  async head(lineId: string): Promise<HistoryHead | undefined> {
    return this.heads.get(lineId);
  }
  async seenInFormat2(cid: string): Promise<boolean> {
    return [...this.heads.keys()].some((line) => line.startsWith(`${cid}.`));
  }
  readonly kept = new Map<string, SignedHistory>();
  async remember(lineId: string, head: HistoryHead, signed?: SignedHistory): Promise<void> {
    const r = relate(this.heads.get(lineId), head.history);
    if (r !== 'new' && r !== 'extends') return;
    this.heads.set(lineId, head);
    if (signed) this.kept.set(lineId, signed);
    else this.kept.delete(lineId);
  }
  async signed(lineId: string): Promise<SignedHistory | undefined> {
    return this.kept.get(lineId);
  }
  readonly organisation = new Map<string, OrganisationHead>();
  async organisationHead(lineId: string): Promise<OrganisationHead | undefined> {
    return this.organisation.get(lineId);
  }
  async rememberOrganisationHead(lineId: string, head: OrganisationHead): Promise<void> {
    if (replacesOrganisationHead(this.organisation.get(lineId), head)) this.organisation.set(lineId, head);
  }
  async forgetOrganisationHead(lineId: string): Promise<void> {
    this.organisation.delete(lineId);
  }
}

/** One user's pins, in memory (the same rules as the home file: `pinIn`). */
export class MemoryPins implements PinStore {
  book: PinBook = EMPTY_PINS;
  byId = async (id: string) => pinnedById(this.book, id);
  byEmail = async (email: string) => pinnedByEmail(this.book, email);
  async pin(identity: PublicIdentity, options?: { readonly confirmChange?: boolean }) {
    const { outcome, book } = pinIn(this.book, identity, options?.confirmChange ?? false);
    this.book = book;
    return outcome;
  }
}

/** One user's accepted workspace key sets, in memory. */
export class MemoryAcceptance implements KeyAcceptance {
  readonly accepted = new Map<string, readonly string[]>();
  constructor(public mode: KeyAcceptance['mode'] = 'ask') {}
  isAccepted = async (digest: string) => this.accepted.has(digest);
  async accept(digest: string, what: readonly string[]) {
    this.accepted.set(digest, what);
  }
}

/** A context acting as `identity` over shared files and store, with its own audit sink, pins and accepted keys. */
/** The organisations' keys a user pinned, in memory. */
export class MemoryOrganisations implements OrganisationPins {
  readonly pinned = new Map<string, { key: OrganisationKey; fingerprint: string }>();
  get = async (url: string) => this.pinned.get(url);
  async pin(url: string, key: OrganisationKey, fp: string) {
    this.pinned.set(url, { key, fingerprint: fp });
  }
}

/**
 * The organisation's witness in memory: the key service's rules (`verifyWitnessRegistration`: an owner of the version
 * before made it; `extendsWitnessHead`) over a map of heads, receipts signed by `signer` as `issuer`; `down` makes it
 * unreachable. Counts registrations.
 */
export class MemoryWitness implements WitnessService {
  readonly heads = new Map<string, WitnessHead>();
  registered = 0;
  down = false;
  constructor(
    private readonly issuer: string,
    private readonly signer: CertificateSigner,
  ) {}
  async register(url: string, claim: Parameters<WitnessService['register']>[1]) {
    if (this.down) throw new SensitivityError('E_KEYSERVICE_UNREACHABLE', `the organisation's witness at ${url} cannot be reached`);
    assert.equal(url, this.issuer);
    await verifyWitnessRegistration(claim);
    const head = this.heads.get(claim.line);
    if (!extendsWitnessHead(head, claim)) throw new SensitivityError('E_FORK', `does not extend version ${head!.ver}`);
    this.heads.set(claim.line, { pd: claim.pd, ver: claim.ver });
    this.registered++;
    return issueWitnessReceipt(claim, { issuer: this.issuer, signer: this.signer, now: new Date() });
  }
}

export function memoryContext(
  identity: Identity | undefined,
  shared: { files?: MemoryFiles; store?: MemoryStore; pins?: MemoryPins; acceptance?: MemoryAcceptance } = {},
): AppContext & { files: MemoryFiles; store: MemoryStore; audit: MemoryAudit; pins: MemoryPins; acceptance: MemoryAcceptance } {
  return {
    files: shared.files ?? new MemoryFiles(),
    store: shared.store ?? new MemoryStore(),
    audit: new MemoryAudit(),
    clock: { now: () => new Date('2026-06-01T12:00:00.000Z') },
    identity,
    pins: shared.pins ?? new MemoryPins(),
    acceptance: shared.acceptance ?? new MemoryAcceptance(),
  };
}

/** Awaits `p` and asserts that it fails with `code`; returns the error. */
export async function rejectsCode(p: Promise<unknown>, code: ErrorCode): Promise<SensitivityError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (e: unknown) => (caught = e),
  );
  assert.ok(isSensitivityError(caught, code), `expected ${code}, got ${String(caught)}`);
  return caught;
}
