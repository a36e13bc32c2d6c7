/**
 * Labels in Office Open XML packages, where Office keeps them: MSIP custom document properties
 * (`docProps/custom.xml`, [MS-OI29500] §2.1.31) and the Sensitivity Label Information part
 * (`docMetadata/LabelInfo.xml`, [MS-OI29500] §3.4.1.5, schema [MS-OFFCRYPTO] §2.6.4). Which one is read
 * and written follows [MS-OFFCRYPTO] §2.6.3: with the policy opted in to LabelInfo, LabelInfo first and
 * custom properties only for labels it lacks; otherwise custom properties only (an unknown policy: LabelInfo
 * when present). Parts are edited as text: every other property, relationship and part stays as it was.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { documentError } from './formats.js';
import { isMsipKey, labelsFromPairs, msipKeyGuid, msipPairs, normalGuid, type DocumentLabel } from './msip.js';
import { entryText, findEntry, type ZipArchive, type ZipChanges } from './zip.js';

/** Where the labels of a package were found, and which. */
export interface PackageLabels {
  readonly labels: readonly DocumentLabel[];
  /** True when the package has a LabelInfo part. */
  readonly labelInfo: boolean;
}

/** How to write: the organisation's tenant, and whether its policy opted in to LabelInfo (co-authoring metadata). */
export interface PackageWrite {
  readonly tenantId: string;
  readonly labelInfo: boolean;
}

export const CUSTOM_FMTID = '{D5CDD505-2E9C-101B-9397-08002B2CF9AE}';
const NS_CUSTOM = 'http://schemas.openxmlformats.org/officeDocument/2006/custom-properties';
const NS_VT = 'http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes';
const NS_LABELS = 'http://schemas.microsoft.com/office/2020/mipLabelMetadata';
const REL_CUSTOM = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties';
const REL_LABELS = 'http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels';
const CT_CUSTOM = 'application/vnd.openxmlformats-officedocument.custom-properties+xml';
const CT_LABELS = 'application/vnd.ms-office.classificationlabels+xml';
const DEFAULT_CUSTOM = 'docProps/custom.xml';
const DEFAULT_LABELS = 'docMetadata/LabelInfo.xml';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false });

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Parses a part, refusing (E_DOCUMENT_INVALID) what is not well-formed XML. */
function parsePart(name: string, text: string): Record<string, unknown> {
  if (XMLValidator.validate(text) !== true) throw documentError('E_DOCUMENT_INVALID', `${name} is not well-formed XML`);
  return parser.parse(text) as Record<string, unknown>;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Relationship {
  readonly Id: string;
  readonly Type: string;
  readonly Target: string;
  readonly TargetMode?: string;
}

/** The package relationships (`_rels/.rels`); E_DOCUMENT_INVALID without them (not an OPC package). */
function packageRels(zip: ZipArchive): { text: string; rels: Relationship[] } {
  const entry = findEntry(zip, '_rels/.rels');
  if (!entry) throw documentError('E_DOCUMENT_INVALID', 'not an Office document: no package relationships');
  const text = entryText(zip, entry);
  const root = parsePart('_rels/.rels', text)['Relationships'] as { Relationship?: Relationship | Relationship[] } | undefined;
  if (!root) throw documentError('E_DOCUMENT_INVALID', '_rels/.rels has no Relationships');
  return { text, rels: asArray(root.Relationship) };
}

/** The part a package relationship of `type` targets (a package-relative name), if any. */
function relTarget(rels: readonly Relationship[], type: string): string | undefined {
  const r = rels.find((x) => x.Type === type && x.TargetMode !== 'External');
  return r ? r.Target.replace(/^\//, '') : undefined;
}

/** The text of `name`, or undefined when the package has no such part. */
function partText(zip: ZipArchive, name: string): string | undefined {
  const e = findEntry(zip, name);
  return e ? entryText(zip, e) : undefined;
}

/** The custom properties of a custom.xml text: name → string value (first text of its value element). */
function customProperties(name: string, text: string): { name: string; pid: number; value: string }[] {
  const root = parsePart(name, text)['Properties'] as { property?: unknown } | '' | undefined;
  if (root === undefined) throw documentError('E_DOCUMENT_INVALID', `${name} has no Properties`);
  return asArray((root === '' ? {} : root).property as Record<string, unknown> | Record<string, unknown>[]).map((p) => {
    const valueKey = Object.keys(p).find((k) => !['fmtid', 'pid', 'name', 'linkTarget'].includes(k));
    const raw = valueKey === undefined ? '' : p[valueKey];
    const value = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
    return { name: String(p['name'] ?? ''), pid: Number(p['pid'] ?? 0), value };
  });
}

interface LabelInfoEntry {
  readonly id?: string;
  readonly enabled?: string;
  readonly method?: string;
  readonly siteId?: string;
  readonly contentBits?: string;
  readonly removed?: string;
}

/** The labels of a LabelInfo.xml text ([MS-OFFCRYPTO] §2.6.4.4): a removed or disabled label is kept, not enabled. */
function labelInfoLabels(name: string, text: string): DocumentLabel[] {
  const root = parsePart(name, text)['labelList'] as { label?: LabelInfoEntry | LabelInfoEntry[] } | '' | undefined;
  if (root === undefined) throw documentError('E_DOCUMENT_INVALID', `${name} has no labelList`);
  const on = (v: string | undefined) => v === '1' || v === 'true';
  return asArray(root === '' ? undefined : root.label).flatMap((l) => {
    const labelId = normalGuid(l.id);
    const siteId = normalGuid(l.siteId);
    if (!labelId || !siteId) return [];
    return [
      {
        labelId,
        siteId,
        enabled: on(l.enabled) && !on(l.removed),
        ...(l.method ? { method: l.method } : {}),
        ...(l.contentBits && /^\d{1,10}$/.test(l.contentBits) ? { contentBits: Number(l.contentBits) } : {}),
      },
    ];
  });
}

/**
 * The labels an Office package carries, read in [MS-OFFCRYPTO] §2.6.3's order. `labelInfo`: whether the
 * policy opts in to LabelInfo (undefined: the policy does not say, so LabelInfo counts when present).
 */
export function readPackageLabels(zip: ZipArchive, labelInfo?: boolean): PackageLabels {
  const { rels } = packageRels(zip);
  const customName = relTarget(rels, REL_CUSTOM);
  const custom = customName === undefined ? undefined : partText(zip, customName);
  const fromCustom = custom === undefined ? [] : labelsFromPairs(customProperties(customName!, custom).map((p) => [p.name, p.value] as const));
  const infoName = relTarget(rels, REL_LABELS) ?? (findEntry(zip, DEFAULT_LABELS) ? DEFAULT_LABELS : undefined);
  const info = infoName === undefined ? undefined : partText(zip, infoName);
  if (info === undefined || labelInfo === false) return { labels: fromCustom, labelInfo: info !== undefined };
  const fromInfo = labelInfoLabels(infoName!, info);
  // Custom properties only for labels (by tenant) LabelInfo has no element for; they add names and dates to the others.
  const tenants = new Set(fromInfo.map((l) => l.siteId));
  const labels = [
    ...fromInfo.map((l) => {
      const c = fromCustom.find((x) => x.labelId === l.labelId && x.siteId === l.siteId);
      return c ? { ...c, ...l, ...(c.name ? { name: c.name } : {}), ...(c.setDate ? { setDate: c.setDate } : {}) } : l;
    }),
    ...fromCustom.filter((l) => !tenants.has(l.siteId)),
  ];
  return { labels, labelInfo: true };
}

/** Adds `<tag .../>` before the closing tag of `root` in `text` (a part we edit as text). */
function insertBeforeClose(name: string, text: string, root: string, element: string): string {
  const close = new RegExp(`</(?:[A-Za-z_][\\w.-]*:)?${root}\\s*>\\s*$`).exec(text);
  if (!close) throw documentError('E_DOCUMENT_INVALID', `${name} does not end with its ${root} element`);
  return text.slice(0, close.index) + element + text.slice(close.index);
}

/** A relationship id not yet used in a .rels text. */
function freshRelId(rels: readonly Relationship[]): string {
  const used = new Set(rels.map((r) => r.Id));
  let n = rels.length + 1;
  while (used.has(`rId${n}`)) n++;
  return `rId${n}`;
}

/** Registers a new part: an Override in [Content_Types].xml and a package relationship, when missing. */
function registerPart(zip: ZipArchive, changes: Map<string, string | null>, part: string, contentType: string, relType: string): void {
  const ctEntry = findEntry(zip, '[Content_Types].xml');
  if (!ctEntry) throw documentError('E_DOCUMENT_INVALID', 'not an Office document: no [Content_Types].xml');
  const ctText = changes.get(ctEntry.name) ?? entryText(zip, ctEntry);
  const types = parsePart('[Content_Types].xml', ctText)['Types'] as { Override?: { PartName: string } | { PartName: string }[] } | undefined;
  if (!types) throw documentError('E_DOCUMENT_INVALID', '[Content_Types].xml has no Types');
  if (!asArray(types.Override).some((o) => o.PartName.toLowerCase() === `/${part}`.toLowerCase())) {
    changes.set(
      ctEntry.name,
      insertBeforeClose('[Content_Types].xml', ctText, 'Types', `<Override PartName="/${xmlEscape(part)}" ContentType="${contentType}"/>`),
    );
  }
  const relsEntry = findEntry(zip, '_rels/.rels')!;
  const relsText = changes.get(relsEntry.name) ?? entryText(zip, relsEntry);
  const rels = asArray((parsePart('_rels/.rels', relsText)['Relationships'] as { Relationship?: Relationship | Relationship[] }).Relationship);
  if (relTarget(rels, relType) === undefined) {
    const rel = `<Relationship Id="${freshRelId(rels)}" Type="${relType}" Target="${xmlEscape(part)}"/>`;
    changes.set(relsEntry.name, insertBeforeClose('_rels/.rels', relsText, 'Relationships', rel));
  }
}

const PROPERTY = /<((?:[A-Za-z_][\w.-]*:)?)property\b(?:[^>]*\/>|[\s\S]*?<\/\1property\s*>)/g;

/** custom.xml without the MSIP properties `drop` selects, and with `add` appended (fresh pids). */
function editCustom(name: string, text: string, drop: (guid: string) => boolean, add: readonly [string, string][]): string {
  const props = customProperties(name, text);
  let out = text.replace(PROPERTY, (element) => {
    const m = /\sname\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(element);
    const key = m ? (m[1] ?? m[2] ?? '') : '';
    return isMsipKey(key) && drop(msipKeyGuid(key)!) ? '' : element;
  });
  if (add.length === 0) return out;
  const root = /<((?:[A-Za-z_][\w.-]*:)?)Properties\b[^>]*>/.exec(out);
  if (!root) throw documentError('E_DOCUMENT_INVALID', `${name} has no Properties`);
  const prefix = root[1]!;
  const vt = new RegExp(`xmlns:([A-Za-z_][\\w.-]*)\\s*=\\s*["']${NS_VT.replace(/[./]/g, '\\$&')}["']`).exec(root[0]);
  const value = (v: string) => (vt ? `<${vt[1]}:lpwstr>${xmlEscape(v)}</${vt[1]}:lpwstr>` : `<vt:lpwstr xmlns:vt="${NS_VT}">${xmlEscape(v)}</vt:lpwstr>`);
  let pid = Math.max(1, ...props.map((p) => (Number.isFinite(p.pid) ? p.pid : 1)));
  const elements = add.map(([k, v]) => `<${prefix}property fmtid="${CUSTOM_FMTID}" pid="${++pid}" name="${xmlEscape(k)}">${value(v)}</${prefix}property>`);
  out = out.replace(/<((?:[A-Za-z_][\w.-]*:)?)Properties\b([^>]*?)\s*\/>/, `<$1Properties$2></$1Properties>`);
  return insertBeforeClose(name, out, 'Properties', elements.join(''));
}

/** A LabelInfo.xml holding `labels`. */
function labelInfoText(labels: readonly DocumentLabel[]): string {
  const els = labels.map(
    (l) =>
      `<clbl:label id="{${l.labelId}}" enabled="${l.enabled ? 1 : 0}" method="${xmlEscape(l.method ?? 'Standard')}" siteId="{${l.siteId}}"` +
      `${l.contentBits !== undefined ? ` contentBits="${l.contentBits}"` : ''} removed="0"/>`,
  );
  return `${XML_DECL}<clbl:labelList xmlns:clbl="${NS_LABELS}">${els.join('')}</clbl:labelList>`;
}

/**
 * The part changes that put `label` into a package (or, with null, take the tenant's label out): the
 * tenant's MSIP properties are replaced, other tenants' left as they are; with `write.labelInfo` (or a
 * LabelInfo part already there, §2.6.3) the label goes to LabelInfo and the tenant's custom properties go.
 */
export function packageLabelChanges(zip: ZipArchive, label: DocumentLabel | null, write: PackageWrite): ZipChanges {
  const changes = new Map<string, string | null>();
  const { rels } = packageRels(zip);
  const before = readPackageLabels(zip, write.labelInfo ? true : undefined);
  const mine = (guid: string) => guid === label?.labelId || before.labels.some((l) => l.labelId === guid && l.siteId === write.tenantId);
  const toLabelInfo = write.labelInfo || before.labelInfo;
  const customName = relTarget(rels, REL_CUSTOM);
  const custom = customName === undefined ? undefined : partText(zip, customName);
  const add = label && !toLabelInfo ? msipPairs(label) : [];
  if (custom !== undefined) {
    const edited = editCustom(customName!, custom, mine, add);
    if (edited !== custom) changes.set(findEntry(zip, customName!)!.name, edited);
  } else if (add.length > 0) {
    const empty = `${XML_DECL}<Properties xmlns="${NS_CUSTOM}" xmlns:vt="${NS_VT}"></Properties>`;
    changes.set(
      DEFAULT_CUSTOM,
      editCustom(DEFAULT_CUSTOM, empty, () => false, add),
    );
    registerPart(zip, changes, DEFAULT_CUSTOM, CT_CUSTOM, REL_CUSTOM);
  }
  if (toLabelInfo) {
    const infoName = relTarget(rels, REL_LABELS) ?? DEFAULT_LABELS;
    const existing = partText(zip, infoName);
    const others = existing === undefined ? [] : labelInfoLabels(infoName, existing).filter((l) => l.siteId !== write.tenantId);
    changes.set(findEntry(zip, infoName)?.name ?? infoName, labelInfoText(label ? [...others, label] : others));
    registerPart(zip, changes, infoName, CT_LABELS, REL_LABELS);
  }
  return changes;
}
