/**
 * Who may unwrap with which key (in the manner of the reference DKE service's EmailAuthorizer and
 * RoleAuthorizer): a caller is admitted by email, email domain, group or role (a service account only when named), unless a revocation —
 * of the person, the content id or the label — applies. Revocations win.
 */
import type { AllowRules, Policy, Revocations } from './config.js';
import { HttpError } from './http-error.js';
import type { Caller } from './tokens.js';

/** What a request concerns, beyond the key. */
export interface RequestContext {
  readonly contentId?: string;
  readonly label?: string;
}

/** Throws E_REVOKED when any revocation list names the caller or the content; checked before the rules. */
export function checkRevocations(caller: Caller, lists: readonly Revocations[], ctx: RequestContext): void {
  for (const r of lists) {
    if ([caller.email, caller.sub.toLowerCase(), caller.serviceAccount?.toLowerCase()].some((who) => who !== undefined && r.people.includes(who)))
      throw new HttpError('E_REVOKED', 'your access was revoked by the organisation');
    if (ctx.contentId !== undefined && r.contentIds.includes(ctx.contentId))
      throw new HttpError('E_REVOKED', 'access to this content was revoked by the organisation');
    if (ctx.label !== undefined && r.labels.includes(ctx.label))
      throw new HttpError('E_REVOKED', 'access to content with this label was revoked by the organisation');
  }
}

/** True when the rules admit the caller. */
export function admits(rules: AllowRules, caller: Caller): boolean {
  const { email, serviceAccount } = caller;
  if (serviceAccount !== undefined) return rules.serviceAccounts.includes(serviceAccount);
  const domain = email?.slice(email.lastIndexOf('@') + 1);
  return (
    (email !== undefined && rules.emails.includes(email)) ||
    (domain !== undefined && rules.domains.includes(domain)) ||
    caller.groups.some((g) => rules.groups.includes(g)) ||
    caller.roles.some((r) => rules.roles.includes(r))
  );
}

/** Decides a decrypt request for `keyName`: E_REVOKED, E_NOT_AUTHORISED, or returns. */
export function authoriseDecrypt(policy: Policy, keyName: string, caller: Caller, ctx: RequestContext): void {
  const key = policy.keys.get(keyName);
  checkRevocations(caller, key ? [policy.revoked, key.revoked] : [policy.revoked], ctx);
  if (!key || !admits(key.allow, caller)) throw new HttpError('E_NOT_AUTHORISED', `you are not authorised to use the key "${keyName}"; ask your administrator`);
}
