/** The webview's side of the protocol: typed requests matched to responses by id, host messages dispatched. */
import {
  PROTOCOL_VERSION,
  type HostMessage,
  type ModelMessage,
  type Params,
  type ProgressMessage,
  type RequestType,
  type ResponseMessage,
  type Result,
  type WebviewMessage,
} from '../shared/protocol.js';

/** What VS Code gives a webview script (once: acquireVsCodeApi throws on a second call). */
interface VsCodeApi<S> {
  postMessage(message: WebviewMessage): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface HostListener {
  model(message: ModelMessage): void;
  progress(message: ProgressMessage): void;
}

/** A request the host refused or that failed; `message` is already in words for people. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
}

export class HostClient<S> {
  private readonly api = acquireVsCodeApi<S>();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly listener: HostListener) {
    window.addEventListener('message', (e: MessageEvent<HostMessage>) => this.receive(e.data));
  }

  /** Announces the page; the host answers with the view model. */
  ready(): void {
    this.api.postMessage({ type: 'ready', protocol: PROTOCOL_VERSION });
  }

  /** Sends a request and resolves with its typed result, or rejects with the host's error. */
  request<K extends RequestType>(type: K, params: Params<K>): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.api.postMessage({ type, id, params } as WebviewMessage);
    });
  }

  get state(): S | undefined {
    return this.api.getState();
  }

  set state(s: S) {
    this.api.setState(s);
  }

  private receive(message: HostMessage): void {
    switch (message.type) {
      case 'model':
        return this.listener.model(message);
      case 'progress':
        return this.listener.progress(message);
      case 'response':
        return this.settle(message);
    }
  }

  private settle(response: ResponseMessage): void {
    const p = this.pending.get(response.id);
    if (!p) return;
    this.pending.delete(response.id);
    if (response.ok) p.resolve(response.result);
    else p.reject(new RequestError(response.error));
  }
}
