/**
 * Where a file's label lives when the file is a document (Office Open XML, PDF): inside it, as Microsoft
 * Information Protection label metadata, for labels the policy maps to a Purview label; `labels.json` for
 * everything else. Reads and writes go through the FileAccess port: the document is read through one
 * handle, and rewritten atomically (temp file, rename) under the file's lock.
 */
import { documentKindOf, MAX_DOCUMENT_BYTES } from '../documents/formats.js';
import { activeLabel, msipDate, type DocumentLabel } from '../documents/msip.js';
import { SensitivityError } from '../errors.js';
import { flattenLabels, type Policy, type PolicyLabel } from '../policy/index.js';
import { readWhole, withHandle } from './context.js';
import { secureRandom } from '../ports.js';
import type { AppContext, ReadHandle } from './ports.js';

/**
 * The parsers and writers of document packages (ZIP, XML, PDF objects, with fflate and fast-xml-parser): loaded on
 * the first document met, so commands on other files never evaluate them (issue 24).
 */
const packages = () => import('../documents/document-label.js');

/** A random (version 4) UUID from 16 random bytes: the ActionId, new each time a label is set. */
function uuid(b: Uint8Array): string {
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A label found inside a document, as the policy sees it. */
export interface LabelInside {
  /** The policy's label with that Purview GUID; undefined for a label from elsewhere (another policy or tenant). */
  readonly policyLabel: PolicyLabel | undefined;
  readonly metadata: DocumentLabel;
}

/** True when `path` is a document kind that can carry its label inside. */
export const isDocumentPath = (path: string): boolean => documentKindOf(path) !== undefined;

/** True when `label` on `path` is written into the document (a document, a mapped label, a tenant set). */
export function labelGoesInside(policy: Policy, path: string, label: PolicyLabel): boolean {
  return isDocumentPath(path) && policy.purview !== undefined && label.purviewId !== undefined;
}

/** All of a document's bytes through its handle (E_DOCUMENT_LIMIT past MAX_DOCUMENT_BYTES). */
export async function readAll(h: ReadHandle): Promise<Uint8Array> {
  if (h.size > MAX_DOCUMENT_BYTES) throw new SensitivityError('E_DOCUMENT_LIMIT', `the document is larger than ${MAX_DOCUMENT_BYTES >> 20} MiB`);
  return readWhole(h, h.size, () => new SensitivityError('E_DOCUMENT_INVALID', 'the document shrank while it was read'));
}

/** The label in force inside `bytes` (a document of `path`'s kind), mapped to the policy; undefined when none. */
export async function labelInsideBytes(policy: Policy, path: string, bytes: Uint8Array): Promise<LabelInside | undefined> {
  const kind = documentKindOf(path);
  if (!kind) return undefined;
  const { readDocumentLabels } = await packages();
  const metadata = activeLabel(readDocumentLabels(bytes, kind, policy.purview?.labelInfo), policy.purview?.tenantId);
  if (!metadata) return undefined;
  const policyLabel = flattenLabels(policy).find((l) => l.purviewId === metadata.labelId);
  return { policyLabel, metadata };
}

/** The label inside the document at `path` (E_DOCUMENT_* when it cannot be parsed); undefined for other files. */
export async function labelInside(ctx: AppContext, policy: Policy, path: string): Promise<LabelInside | undefined> {
  if (!isDocumentPath(path)) return undefined;
  return labelInsideBytes(policy, path, await withHandle(ctx, path, readAll));
}

/**
 * Writes `label` into the document at `path` (null: takes the organisation's label out), atomically, under
 * the file's lock. `record` runs once the new bytes are ready and before they take the file's place: when
 * it throws (an audit entry that cannot be written) the document is left as it was.
 * `method`: Privileged when a person chose the label, Standard for a default or automatic one (MIP SDK).
 */
export async function writeLabelInside(
  ctx: AppContext,
  policy: Policy,
  path: string,
  label: PolicyLabel | null,
  method: 'Standard' | 'Privileged',
  record: () => Promise<void>,
): Promise<void> {
  const kind = documentKindOf(path);
  const purview = policy.purview;
  if (!kind) throw new TypeError('writeLabelInside: not a document');
  if (!purview) {
    throw new SensitivityError(
      'E_USAGE',
      'the document carries its label inside, and the policy names no Purview tenant (purview.tenantId) to change it with',
      path,
    );
  }
  const metadata: DocumentLabel | null =
    label && label.purviewId
      ? {
          labelId: label.purviewId,
          siteId: purview.tenantId.toLowerCase(),
          enabled: true,
          method,
          setDate: msipDate(ctx.clock.now()),
          name: label.name,
          actionId: uuid((ctx.random ?? secureRandom)(16)),
          contentBits: 0,
        }
      : null;
  const { writeDocumentLabel } = await packages();
  await ctx.files.withLock(path, async () => {
    const { bytes, mode } = await withHandle(ctx, path, async (h) => ({ bytes: await readAll(h), mode: h.mode }));
    const next = writeDocumentLabel(
      bytes,
      kind,
      metadata,
      { tenantId: purview.tenantId.toLowerCase(), labelInfo: purview.labelInfo === true },
      ctx.clock.now(),
    );
    await ctx.files.replace(path, mode, async (sink) => {
      await sink.write(next);
      await record();
    });
  });
}
