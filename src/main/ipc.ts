/**
 * One ipcMain.handle per contract method, generated from the contract. Each
 * handler checks the sender (a frame of our own renderer), validates the
 * request with the contract's schema and answers with an envelope, so error
 * codes survive the trip (a thrown Error would lose them).
 */
import { METHOD_NAMES, ipcChannel, type MethodName } from '../shared/contract.js';
import { ApiError, type Envelope } from '../shared/errors.js';
import { validateRequest } from '../shared/validate.js';

/** The slice of Electron's IpcMainInvokeEvent the wiring reads. */
export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export type Dispatch = (method: MethodName, request: unknown) => Promise<unknown>;

export interface IpcWiring {
  ipcMain: IpcMainLike;
  dispatch: Dispatch;
  /** Whether a frame URL is our own renderer. */
  isTrustedUrl: (url: string) => boolean;
  toError: (err: unknown) => ApiError;
}

export function registerContractHandlers(wiring: IpcWiring): { channels: string[]; dispose(): void } {
  const channels: string[] = [];
  for (const method of METHOD_NAMES) {
    const channel = ipcChannel(method);
    wiring.ipcMain.handle(channel, async (event, raw): Promise<Envelope<unknown>> => {
      try {
        const url = event.senderFrame?.url;
        if (typeof url !== 'string' || !wiring.isTrustedUrl(url)) {
          throw new ApiError('FORBIDDEN', 'IPC from a frame that is not the kvscope renderer was refused');
        }
        const request = validateRequest(method, raw);
        return { ok: true, value: await wiring.dispatch(method, request) };
      } catch (err) {
        return { ok: false, error: wiring.toError(err).toJSON() };
      }
    });
    channels.push(channel);
  }
  return {
    channels,
    dispose() {
      for (const channel of channels) wiring.ipcMain.removeHandler(channel);
    },
  };
}
