/**
 * Opening a store while another open is under way (a second Open, the shell's
 * open-directory, the ?open= of the URL, Re-open as…): the answers can come in
 * any order. The open asked for last is the one shown; one that answers after
 * a later open began, or after the store was closed, is closed at once, never
 * shown (it would replace the later one, and nothing would ever close it: its
 * session would keep the writer lock).
 */
import type { KvscopeApi, RequestOf, SessionInfo } from '../../shared/contract.js';

export type OpenApi = Pick<KvscopeApi, 'openStore' | 'closeStore'>;

/** Numbers the opens: the latest is the only one whose answer is shown. */
export class OpenSequence {
  private latest = 0;

  /** A new open begins: earlier ones are superseded. */
  begin(): number {
    return ++this.latest;
  }

  /** The store was closed: every open under way is superseded. */
  supersede(): void {
    this.latest++;
  }

  isLatest(open: number): boolean {
    return open === this.latest;
  }
}

/**
 * Open number `open` (from seq.begin()): shows its session when it is still the latest once answered, closing
 * the one shown before; else closes it. Throws what openStore throws (the caller says it when still the latest).
 */
export async function openAsLatest(
  seq: OpenSequence,
  open: number,
  api: OpenApi,
  request: RequestOf<'openStore'>,
  current: () => SessionInfo | null,
  show: (info: SessionInfo) => void,
): Promise<'shown' | 'superseded'> {
  const info = await api.openStore(request);
  const drop = async () => {
    await api.closeStore({ sessionId: info.sessionId }).catch(() => undefined);
    return 'superseded' as const;
  };
  if (!seq.isLatest(open)) return drop();
  const previous = current();
  if (previous && previous.sessionId !== info.sessionId) await api.closeStore({ sessionId: previous.sessionId }).catch(() => undefined);
  // Another open may have begun while the previous session closed.
  if (!seq.isLatest(open)) return drop();
  show(info);
  return 'shown';
}
