/**
 * The keys a workspace policy asks its users to trust: recovery recipients (Co-Owner of every file
 * protected there), the organisation it names (whose certification key vouches for the people granted by
 * email) and the Double Key services its labels name (which every file protected under them depends on). A policy comes with the workspace — a clone, a
 * commit, a parent folder — so its keys take effect only once this user has accepted exactly that set, by
 * digest, with fingerprints shown.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url } from 'jose';
import { fingerprint } from './fingerprint.js';
import type { PublicIdentity } from './identity.js';
import type { Policy } from './policy/index.js';
import { flattenLabels } from './policy/labels.js';

/** One key a policy asks to be trusted, and in which role. */
export type WorkspaceKey =
  | { readonly role: 'recovery'; readonly identity: PublicIdentity }
  /** The organisation at `url`, whose certification key has `fingerprint` (six groups of five digits). */
  | { readonly role: 'organisation'; readonly url: string; readonly fingerprint: string }
  /**
   * A Double Key service its labels name (`protection.doubleKey.url`): every file protected under such a label
   * then depends on it — a service that stops answering, or retires its key, locks the file for everyone.
   */
  | { readonly role: 'key-service'; readonly url: string };

/**
 * The policy's keys, in policy order: its recovery recipients, then its organisation with the fingerprint of
 * its certification key — the policy's own `certificationKey`, else `organisationKey` (the one pinned, or the
 * one the directory offers); without either, the organisation is left out (it cannot be accepted yet) —
 * then each Double Key service its labels name, once.
 */
export function workspaceKeys(policy: Policy, organisationKey?: string): WorkspaceKey[] {
  const keys: WorkspaceKey[] = (policy.recovery ?? []).map((identity) => ({ role: 'recovery' as const, identity }));
  const org = policy.organisation;
  const print = org?.certificationKey ?? organisationKey;
  if (org && print) keys.push({ role: 'organisation', url: org.url, fingerprint: print });
  for (const url of doubleKeyServices(policy)) keys.push({ role: 'key-service', url });
  return keys;
}

/** The Double Key service URLs the policy's labels (and sublabels) name, each once, in policy order. */
function doubleKeyServices(policy: Policy): string[] {
  const urls = flattenLabels(policy).flatMap((l) => (l.protection?.doubleKey ? [l.protection.doubleKey.url] : []));
  return [...new Set(urls)];
}

const line = (k: WorkspaceKey) =>
  k.role === 'recovery'
    ? `${k.role} ${k.identity.id} ${k.identity.email} ${k.identity.enc.x}`
    : k.role === 'organisation'
      ? `${k.role} ${k.url} ${k.fingerprint}`
      : `${k.role} ${k.url}`;

/** What acceptance is keyed by: SHA-256 (base64url) over the sorted "role id email enc-key" / "organisation url fingerprint" lines of the set. */
export function workspaceKeysDigest(keys: readonly WorkspaceKey[]): string {
  return base64url.encode(sha256(new TextEncoder().encode(keys.map(line).sort().join('\n'))));
}

/**
 * One line per key as people compare them: "recovery  Name <email>  12345 67890 …", "organisation  https://…
 * 12345 67890 …", "Double Key service  https://…/keyName".
 */
export function describeWorkspaceKeys(keys: readonly WorkspaceKey[]): string[] {
  return keys.map((k) =>
    k.role === 'recovery'
      ? `${k.role}  ${k.identity.name} <${k.identity.email}>  ${fingerprint(k.identity.id)}`
      : k.role === 'organisation'
        ? `${k.role}  ${k.url}  ${k.fingerprint}`
        : `Double Key service  ${k.url}`,
  );
}
