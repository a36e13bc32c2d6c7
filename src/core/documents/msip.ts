/**
 * Microsoft Information Protection label metadata ("MIP SDK metadata", learn.microsoft.com
 * information-protection/develop/concept-mip-metadata): `MSIP_Label_<GUID>_<Attribute>` key/value pairs,
 * the way Word, Excel, PowerPoint and the MIP SDK write a sensitivity label into a document's custom
 * properties and a PDF's metadata.
 */

/** A label as a document carries it. GUIDs are lower case, without braces. */
export interface DocumentLabel {
  /** The Purview label's GUID. */
  readonly labelId: string;
  /** The Microsoft Entra tenant id (SiteId). */
  readonly siteId: string;
  readonly enabled: boolean;
  /** `Standard` (default or automatic) or `Privileged` (chosen by a person); as written. */
  readonly method?: string;
  /** When the label was set (extended ISO 8601, as written). */
  readonly setDate?: string;
  /** The label's unique name in its tenant (not necessarily its display name). */
  readonly name?: string;
  readonly actionId?: string;
  /** Content markings applied: header 1, footer 2, watermark 4, encryption 8. */
  readonly contentBits?: number;
}

/** Prefix of every key: `MSIP_Label_`. */
export const MSIP_PREFIX = 'MSIP_Label_';
const KEY = /^MSIP_Label_([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})_([A-Za-z]+)$/;
export const GUID = /^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$/;

/** A GUID in the form the keys use (lower case, no braces), or undefined when `s` is not one. */
export function normalGuid(s: string | undefined): string | undefined {
  const m = s === undefined ? null : GUID.exec(s.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** True for an MSIP label key (any attribute). */
export function isMsipKey(name: string): boolean {
  return KEY.test(name);
}

/** The label GUID a key belongs to, lower case. */
export function msipKeyGuid(name: string): string | undefined {
  return KEY.exec(name)?.[1]?.toLowerCase();
}

/** `SetDate` as Office writes it: extended ISO 8601 to the second, in UTC with `Z`. */
export function msipDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The key/value pairs of `label`, in the order Office writes them. */
export function msipPairs(label: DocumentLabel): [string, string][] {
  const k = (attribute: string) => `${MSIP_PREFIX}${label.labelId}_${attribute}`;
  const pairs: [string, string][] = [[k('Enabled'), label.enabled ? 'true' : 'false']];
  if (label.setDate !== undefined) pairs.push([k('SetDate'), label.setDate]);
  if (label.method !== undefined) pairs.push([k('Method'), label.method]);
  if (label.name !== undefined) pairs.push([k('Name'), label.name]);
  pairs.push([k('SiteId'), label.siteId]);
  if (label.actionId !== undefined) pairs.push([k('ActionId'), label.actionId]);
  if (label.contentBits !== undefined) pairs.push([k('ContentBits'), String(label.contentBits)]);
  return pairs;
}

/** The labels in a set of properties (other keys ignored); a label needs its `SiteId` (mandatory in the SDK). */
export function labelsFromPairs(pairs: Iterable<readonly [string, string]>): DocumentLabel[] {
  const byGuid = new Map<string, Map<string, string>>();
  for (const [key, value] of pairs) {
    const m = KEY.exec(key);
    if (!m) continue;
    const guid = m[1]!.toLowerCase();
    const attrs = byGuid.get(guid) ?? new Map<string, string>();
    attrs.set(m[2]!.toLowerCase(), value.trim());
    byGuid.set(guid, attrs);
  }
  const labels: DocumentLabel[] = [];
  for (const [labelId, a] of byGuid) {
    const siteId = normalGuid(a.get('siteid'));
    if (!siteId) continue;
    const bits = a.get('contentbits');
    labels.push({
      labelId,
      siteId,
      enabled: a.get('enabled')?.toLowerCase() === 'true',
      ...(a.has('method') ? { method: a.get('method')! } : {}),
      ...(a.has('setdate') ? { setDate: a.get('setdate')! } : {}),
      ...(a.has('name') ? { name: a.get('name')! } : {}),
      ...(a.has('actionid') ? { actionId: a.get('actionid')! } : {}),
      ...(bits !== undefined && /^\d{1,10}$/.test(bits) ? { contentBits: Number(bits) } : {}),
    });
  }
  return labels;
}

/**
 * The label in force among `labels`: enabled, and from `tenant` when one of them is (an object carries one
 * label per organisation); undefined when none is enabled.
 */
export function activeLabel(labels: readonly DocumentLabel[], tenant?: string): DocumentLabel | undefined {
  const enabled = labels.filter((l) => l.enabled);
  return enabled.find((l) => l.siteId === tenant) ?? enabled[0];
}
