/**
 * The keys a workspace policy asks its users to trust: recovery recipients (Co-Owner of every file
 * protected there). A policy comes with the workspace — a clone, a commit, a parent folder — so its keys
 * take effect only once this user has accepted exactly that set, by digest, with fingerprints shown.
 * (Trust anchors, such as an organisation's certification key, join this list when policies carry them.)
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url } from 'jose';
import { fingerprint } from './fingerprint.js';
import type { PublicIdentity } from './identity.js';
import type { Policy } from './policy/index.js';

/** One key a policy asks to be trusted, and in which role. */
export interface WorkspaceKey {
  readonly role: 'recovery';
  readonly identity: PublicIdentity;
}

/** The policy's keys, in policy order. */
export function workspaceKeys(policy: Policy): WorkspaceKey[] {
  return (policy.recovery ?? []).map((identity) => ({ role: 'recovery' as const, identity }));
}

/** What acceptance is keyed by: SHA-256 (base64url) over the sorted "role id email enc-key" lines of the set. */
export function workspaceKeysDigest(keys: readonly WorkspaceKey[]): string {
  const lines = keys.map((k) => `${k.role} ${k.identity.id} ${k.identity.email} ${k.identity.enc.x}`).sort();
  return base64url.encode(sha256(new TextEncoder().encode(lines.join('\n'))));
}

/** One line per key as people compare them: "recovery  Name <email>  12345 67890 …". */
export function describeWorkspaceKeys(keys: readonly WorkspaceKey[]): string[] {
  return keys.map((k) => `${k.role}  ${k.identity.name} <${k.identity.email}>  ${fingerprint(k.identity.id)}`);
}
