/**
 * The label policy: parsing `.sensitivity/policy.json` (JSON Schema, then the checks a schema cannot make)
 * and what hosts ask of it — roles, mandatory paths, default grants and expiry of a label's protection.
 */
import { BUILTIN_TYPES, detectionProblems } from '../detect/index.js';
import type { GrantRequest } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { compileGlobs, globToRegExp } from '../glob.js';
import type { PublicIdentity } from '../identity.js';
import { parsePublicIdentity, type PeopleDirectory } from '../people.js';
import { BUILTIN_ROLES, normalizeRights, rightsOfRole, type Right } from '../rights.js';
import { findLabel, flattenLabels } from './labels.js';
import { checkMarkings } from './markings.js';
import { checkVersion, parseJsonText, validateSchema } from './schema.js';
import type { LabelDefinition, Policy, PolicyLabel } from './types.js';

const WHAT = 'invalid policy';
const DAY_MS = 86_400_000;

/** Each label with its JSON pointer, in priority order. */
function labelsWithPointers(policy: Policy): { label: LabelDefinition; at: string; parent?: LabelDefinition }[] {
  return policy.labels.flatMap((label, i) => [
    { label, at: `/labels/${i}` },
    ...(label.sublabels ?? []).map((sub, j) => ({ label: sub, at: `/labels/${i}/sublabels/${j}`, parent: label })),
  ]);
}

/** The checks JSON Schema cannot express; `fail(pointer, why)` throws. */
function checkSemantics(policy: Policy, fail: (at: string, why: string) => never): void {
  const labels = labelsWithPointers(policy);
  const seenIds = new Map<string, string>();
  const seenPaths = new Map<string, string>();
  const seenGuids = new Map<string, string>();
  for (const { label, at, parent } of labels) {
    const other = seenIds.get(label.id);
    if (other) fail(`${at}/id`, `"${label.id}" is already the id of ${other}; ids must be unique`);
    seenIds.set(label.id, at);
    const path = (parent ? `${parent.name}/${label.name}` : label.name).toLowerCase().replace(/\s+/g, ' ').trim();
    const same = seenPaths.get(path);
    if (same) fail(`${at}/name`, `"${label.name}" is already the name of ${same}${parent ? ' under the same parent' : ''}; names must be unique`);
    seenPaths.set(path, at);
    const guid = label.purviewId?.toLowerCase();
    const twin = guid === undefined ? undefined : seenGuids.get(guid);
    if (twin) fail(`${at}/purviewId`, `"${label.purviewId}" is already the Purview label of ${twin}; each maps to one label`);
    if (guid !== undefined) seenGuids.set(guid, at);
    if (label.sublabels?.length && label.protection) {
      fail(`${at}/protection`, 'a label with sublabels cannot be applied, so its protection would never apply; put it on its sublabels');
    }
  }

  const custom = policy.roles ?? {};
  for (const [name, rights] of Object.entries(custom)) {
    const builtin = Object.keys(BUILTIN_ROLES).find((b) => b.toLowerCase() === name.toLowerCase());
    if (builtin) fail(`/roles/${name}`, `redefines the built-in role ${builtin}; choose another name`);
    if (!rights.includes('VIEW') && !rights.includes('OWNER')) fail(`/roles/${name}`, 'must include VIEW: without it the person could not open the file');
  }
  const roleNames = [...Object.keys(BUILTIN_ROLES), ...Object.keys(custom)];
  for (const { label, at } of labels) {
    label.protection?.grants?.forEach((g, k) => {
      if (!roleNames.includes(g.role)) fail(`${at}/protection/grants/${k}/role`, `unknown role "${g.role}"; use one of: ${roleNames.join(', ')}`);
    });
  }

  if (policy.defaultLabel !== undefined) {
    const d = flattenLabels(policy).find((l) => l.id === policy.defaultLabel);
    if (!d) fail('/defaultLabel', `no label has the id "${policy.defaultLabel}"; use one of: ${[...seenIds.keys()].join(', ')}`);
    if (!d.applicable) fail('/defaultLabel', `"${d.id}" has sublabels and cannot be applied; name one of them: ${d.sublabels!.join(', ')}`);
  }

  const checkGlobs = (globs: readonly string[] | undefined, at: string) =>
    globs?.forEach((g, i) => {
      try {
        globToRegExp(g.startsWith('!') ? g.slice(1) : g);
      } catch (e) {
        fail(`${at}/${i}`, `"${g}" is not a valid glob (${e instanceof Error ? e.message : String(e)})`);
      }
    });
  checkGlobs(policy.mandatory, '/mandatory');

  const detection = policy.detection;
  checkGlobs(detection?.exclude, '/detection/exclude');
  const typeIds = new Set<string>();
  detection?.customTypes?.forEach((t, i) => {
    if (typeIds.has(t.id)) fail(`/detection/customTypes/${i}/id`, `"${t.id}" is defined twice`);
    typeIds.add(t.id);
    try {
      new RegExp(t.pattern, `g${t.flags ?? ''}`);
    } catch (e) {
      fail(`/detection/customTypes/${i}/pattern`, `does not compile as a JavaScript regular expression (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  const problem = detectionProblems(detection)[0];
  if (problem) fail('/detection', problem);
  // A rule naming a type nobody detects would silently never fire.
  const known = [...BUILTIN_TYPES.map((t) => t.id), ...typeIds];
  detection?.rules?.forEach((r, i) => {
    if (!seenIds.has(r.minLabel)) fail(`/detection/rules/${i}/minLabel`, `no label has the id "${r.minLabel}"; use one of: ${[...seenIds.keys()].join(', ')}`);
    r.types.forEach((t, j) => {
      if (!known.includes(t)) fail(`/detection/rules/${i}/types/${j}`, `unknown type "${t}"; use one of: ${known.join(', ')}`);
    });
  });

  const recoveryIds = new Set<string>();
  policy.recovery?.forEach((r, i) => {
    if (recoveryIds.has(r.id)) fail(`/recovery/${i}`, `${r.email} is listed twice`);
    recoveryIds.add(r.id);
  });
}

/**
 * Parses and validates a policy (policy.json text): JSON Schema, then unique ids and names, a default label
 * that exists and can be applied, rule labels that exist, known roles, compiling globs and regexes, and
 * well-formed recovery identities. Labels' markings are checked first, in words (`checkMarkings`). E_POLICY_INVALID names the bad field by JSON pointer; a newer version is
 * E_UNSUPPORTED_VERSION. `source` (a path) is named in errors.
 */
export function parsePolicy(text: string, source?: string): Policy {
  const json = parseJsonText(text, 'E_POLICY_INVALID', WHAT, source);
  checkVersion(json, 1, WHAT, source);
  checkMarkings(json, WHAT, source);
  const raw = validateSchema<Policy & { $schema?: string }>('policy', json, 'E_POLICY_INVALID', WHAT, source);
  const recovery = raw.recovery?.map((r, i): PublicIdentity => {
    try {
      return parsePublicIdentity(r, { at: `/recovery/${i}`, what: WHAT, file: source });
    } catch (e) {
      // Inside a policy the fault is the policy's.
      throw e instanceof SensitivityError ? new SensitivityError('E_POLICY_INVALID', e.message, source) : e;
    }
  });
  const { $schema: _schema, ...rest } = raw;
  const policy: Policy = recovery ? { ...rest, recovery } : rest;
  checkSemantics(policy, (at, why) => {
    throw new SensitivityError('E_POLICY_INVALID', `${WHAT}: ${at}: ${why}`, source);
  });
  return policy;
}

/** The policy's custom roles, rights normalized (OWNER implies all). Pass to `rightsOfRole`. */
export function customRoles(policy: Policy): Record<string, Right[]> {
  return Object.fromEntries(Object.entries(policy.roles ?? {}).map(([name, rights]) => [name, normalizeRights(rights)]));
}

const mandatoryCache = new WeakMap<Policy, (path: string) => boolean>();

/** True when the policy says the file at `relPath` (workspace-relative, POSIX) must carry a label. */
export function isMandatory(policy: Policy, relPath: string): boolean {
  let match = mandatoryCache.get(policy);
  if (!match) {
    match = compileGlobs(policy.mandatory ?? []);
    mandatoryCache.set(policy, match);
  }
  return match(relPath);
}

const resolve = (policy: Policy, label: PolicyLabel | string) => (typeof label === 'string' ? findLabel(policy, label) : label);

/**
 * Who a label's protection grants access by default, resolved against the people directory: `*` is
 * everyone listed, `@domain` everyone listed at that domain, an email that person (E_PERSON_UNKNOWN when
 * not listed). A person named by several grants gets the union of their rights. The owner and recovery
 * recipients are added by the envelope, not here.
 */
export function resolveProtectionGrants(policy: Policy, label: PolicyLabel | string, people: PeopleDirectory): GrantRequest[] {
  const roles = customRoles(policy);
  const byId = new Map<string, { person: PublicIdentity; rights: Right[] }>();
  const l = resolve(policy, label);
  const named = (email: string, role: string): PublicIdentity => {
    const person = people.people.find((p) => p.email === email);
    if (person) return person;
    const refused = people.refused?.find((r) => r.entry.email === email);
    if (refused) throw refused.error;
    throw new SensitivityError(
      'E_PERSON_UNKNOWN',
      `the label ${l.displayName} grants ${role} to ${email}, who is not in the workspace's people directory`,
      undefined,
      {
        details: { hint: 'add-person', who: email, label: l.displayName },
      },
    );
  };
  for (const g of l.protection?.grants ?? []) {
    const rights = rightsOfRole(g.role, roles);
    const to = g.to.toLowerCase();
    const persons = to === '*' ? people.people : to.startsWith('@') ? people.people.filter((p) => p.email.endsWith(to)) : [named(to, g.role)];
    for (const person of persons) {
      const prior = byId.get(person.id);
      byId.set(person.id, { person, rights: normalizeRights([...(prior?.rights ?? []), ...rights]) });
    }
  }
  return [...byId.values()];
}

/** When content protected now with this label expires by default (its `expiresDays`), or undefined. */
export function defaultExpiry(label: PolicyLabel, now: Date): Date | undefined {
  const days = label.protection?.expiresDays;
  return days === undefined ? undefined : new Date(now.getTime() + days * DAY_MS);
}
