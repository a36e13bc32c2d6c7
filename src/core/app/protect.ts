/** `protect`: a plain file becomes `FILE.protected`, sealed for its owner, the label's default grantees and the people named. */
import type { GrantRequest } from '../envelope/index.js';
import { noDoubleKeyAccess, protect as sealEnvelope, randomAccessOf, type DoubleKeyWrap, type EnvelopeInfo } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { getLabel, removePath } from '../labels/index.js';
import { baseName, isProtectedPath, protectedPathOf } from '../paths.js';
import type { PeopleDirectory } from '../people.js';
import { defaultExpiry, findLabel, isDowngrade, resolveProtectionGrants, type Policy } from '../policy/index.js';
import { rightsOfRole, roleOfRights } from '../rights.js';
import { actorOf, checkCancelled, timeAndChance, envelopeLabelOf, keyServiceOf, mediaTypeOf, requireIdentity, watched, withHandle } from './context.js';
import { findGrantee } from './directory.js';
import { plainLabelOf } from './label.js';
import { markedContent, type MarkingOutcome } from './markings.js';
import type { AppContext, Cancellable } from './ports.js';
import { trustPeople, type PinOptions } from './trust.js';
import { witnessHook } from './witness.js';
import { acceptedKeyService, acceptedRecovery } from './workspace-keys.js';

/** A grant as people write it: an email (or identity id) and a role name. */
export interface GrantSpec {
  readonly who: string;
  readonly role: string;
}

export interface ProtectRequest extends Cancellable, PinOptions {
  /** Label query; default: the file's manifest label, else the policy's default label. */
  readonly label?: string;
  readonly grants?: readonly GrantSpec[];
  /** Overrides the label's default expiry. */
  readonly expires?: Date;
  /** Keep the plain file (default: removed once the envelope is safely in place). */
  readonly keep?: boolean;
  readonly justification?: string;
}

/** Resolves grant specs against the policy's roles and the people directory (or the organisation's, see `findGrantee`). */
export async function grantRequests(
  ctx: AppContext,
  policy: Policy,
  people: PeopleDirectory,
  specs: readonly GrantSpec[],
  opts: PinOptions = {},
): Promise<GrantRequest[]> {
  const rights = specs.map((g) => rightsOfRole(g.role, policy.roles ?? {}));
  const out: GrantRequest[] = [];
  for (const [i, g] of specs.entries()) out.push({ person: await findGrantee(ctx, policy, people, g.who, opts), rights: rights[i]! });
  return out;
}

/**
 * For a Double Key label: the key service's newest key for `url` (E_KEYSERVICE_* when it cannot be had), only
 * once this user accepted the workspace's keys, which name that service (see `acceptedKeyService`).
 */
async function doubleKeyWrapOf(ctx: AppContext, policy: Policy, url: string | undefined): Promise<DoubleKeyWrap | undefined> {
  if (!url) return undefined;
  await acceptedKeyService(ctx, policy, url);
  const access = keyServiceOf(ctx).doubleKey;
  if (!access) throw noDoubleKeyAccess(url);
  return access.wrap(url);
}

/**
 * Protects the plain file at `path` into `path.protected` (created exclusively: an existing or racing file
 * there is never overwritten). The owner is always Co-Owner; grantees must be self-signed and are pinned
 * (a changed key is refused unless `acceptNewKey`); the policy's recovery recipients only once accepted. The event is recorded before the envelope is
 * put in place, so an unrecordable protect leaves nothing behind.
 */
export async function protect(
  ctx: AppContext,
  path: string,
  req: ProtectRequest = {},
): Promise<{ output: string; info: EnvelopeInfo; markings?: MarkingOutcome }> {
  const owner = requireIdentity(ctx);
  if (isProtectedPath(path)) throw new SensitivityError('E_USAGE', 'is already protected', path);
  const output = protectedPathOf(path);
  const [policy, people, manifest] = await Promise.all([ctx.store.policy(), ctx.store.people(), ctx.store.manifest()]);
  const inManifest = getLabel(manifest, path);
  // A document's label inside it counts first (labels.json holds no entry for it then).
  const current = (await plainLabelOf(ctx, path, policy).then((f) => (f ? { label: f.label.id } : undefined))) ?? inManifest;
  const query = req.label ?? current?.label ?? policy.defaultLabel;
  if (!query) throw new SensitivityError('E_USAGE', 'has no label and the policy has no default label', path, { details: { hint: 'choose-label' } });
  const label = findLabel(policy, query, { applicable: true });
  if (
    current &&
    current.label !== label.id &&
    isDowngrade(policy, current.label, label.id) &&
    policy.requireDowngradeJustification &&
    !req.justification?.trim()
  ) {
    throw new SensitivityError('E_JUSTIFICATION_REQUIRED', `protecting with ${label.name} lowers the file's label`, path, {
      details: { hint: 'give-justification', from: current.label, to: label.name },
    });
  }
  // The label's default grantees are found as a person named by email would be (through the organisation's
  // directory when the workspace names one), then verified and pinned with the rest below.
  const defaults: GrantRequest[] = [];
  for (const d of resolveProtectionGrants(policy, label, people)) defaults.push({ ...d, person: await findGrantee(ctx, policy, people, d.person.email, req) });
  const explicit = await grantRequests(ctx, policy, people, req.grants ?? [], req);
  // Explicit grants win over the label's defaults for the same person.
  const grants = [...defaults.filter((d) => !explicit.some((e) => e.person.id === d.person.id)), ...explicit];
  const recovery = await acceptedRecovery(ctx, policy);
  await trustPeople(
    ctx,
    grants.map((g) => g.person),
    req,
  );
  const expires = req.expires ?? defaultExpiry(label, ctx.clock.now());
  const doubleKey = await doubleKeyWrapOf(ctx, policy, label.protection?.doubleKey?.url);
  let markings: MarkingOutcome | undefined;
  const info = await withHandle(ctx, path, async (h) => {
    // The label's markings go into the sealed content; the plain file is not rewritten for them.
    const marked = await markedContent(h, path, label);
    markings = marked.outcome;
    const content = marked.bytes ? { source: randomAccessOf(marked.bytes), size: marked.bytes.length } : { source: h, size: h.size };
    return ctx.files.create(
      output,
      0o600,
      async (sink) => {
        const sealed = await sealEnvelope(watched(content.source, req, path), sink, {
          owner,
          label: envelopeLabelOf(label),
          grants,
          recovery,
          ...(expires ? { expires } : {}),
          ...(doubleKey ? { doubleKey } : {}),
          ...witnessHook(ctx),
          renewable: label.protection?.expiry?.ownerCanRenew === true,
          innerName: baseName(path),
          contentType: mediaTypeOf(path),
          size: content.size,
          ...timeAndChance(ctx),
        });
        // Once more after the whole file was read and sealed: a host that aborts then (an editor of the file was
        // edited meanwhile) must not see the old content put in place.
        checkCancelled(req, path);
        await ctx.audit.append({
          action: 'protect',
          actor: actorOf(ctx),
          file: output,
          label: label.id,
          grantees: sealed.policy.grants.map((g) => ({ email: g.email, role: roleOfRights(g.rights) })),
          ...(sealed.policy.exp ? { expires: new Date(sealed.policy.exp * 1000).toISOString() } : {}),
        });
        return sealed;
      },
      { durable: !req.keep },
    );
  }).catch((e: unknown) => {
    throw e instanceof SensitivityError ? e.withFile(path) : e;
  });
  if (!req.keep) {
    await ctx.files.remove(path);
    if (inManifest) await ctx.store.updateManifest((m) => (getLabel(m, path) ? removePath(m, path) : undefined));
  }
  return { output, info, ...(markings ? { markings } : {}) };
}
