/**
 * The host side of a webview's requests, shared by the access panel and the audit view: a request is
 * answered by id with its handler's result or the error in people's words; a message that fails validation is
 * logged by its reason only (never its content) and, when it named a usable id, answered with a refusal.
 */

/** An answer to request `id` of type `T`. */
export type Answer<T extends string, R = unknown> =
  | { readonly type: 'response'; readonly id: number; readonly request: T; readonly ok: true; readonly result: R }
  | { readonly type: 'response'; readonly id: number; readonly request: T; readonly ok: false; readonly error: string };

/** Runs `handler` on the request's params: its result, or what `words` says about the error. */
export async function respond<T extends string, P, R>(
  request: { readonly type: T; readonly id: number; readonly params: P },
  handler: (params: P) => Promise<R>,
  words: (e: unknown) => string,
): Promise<Answer<T, R>> {
  try {
    return { type: 'response', id: request.id, request: request.type, ok: true, result: await handler(request.params) };
  } catch (e) {
    return { type: 'response', id: request.id, request: request.type, ok: false, error: words(e) };
  }
}

/** Logs a rejected message by its reason; returns the refusal to post when it was a request with a usable id. */
export function refusal<T extends string>(
  rejected: { readonly reason: string; readonly request?: { readonly id: number; readonly type: T } },
  log: { warn(message: string): void },
  view: string,
  error: string,
): Answer<T, never> | undefined {
  log.warn(`${view}: rejected a message from the webview: ${rejected.reason}`);
  const r = rejected.request;
  return r && { type: 'response', id: r.id, request: r.type, ok: false, error };
}
