/**
 * An EngineFs over the real one that records every call (with the path it
 * touches) and can make the Nth call of one kind fail: with EIO or ENOSPC, or
 * for writes by writing only part of the buffer (the short count is
 * returned, and the next write to that file fails with ENOSPC, the way a
 * full disk behaves).
 */
import { PassThroughFs } from '../engine/pass-through-fs.js';

export type CallKind =
  | 'openSync'
  | 'closeSync'
  | 'readSync'
  | 'writeSync'
  | 'fdatasyncSync'
  | 'fdatasync'
  /** Logged (not counted, never failed) when an fdatasync on the thread pool has finished. */
  | 'fdatasync-done'
  | 'ftruncateSync'
  | 'renameSync'
  | 'linkSync'
  | 'unlinkSync'
  | 'readdirSync'
  | 'mkdirSync'
  | 'fsyncDirSync';

/** The calls that change something on disk (or make it durable): the ones faults are injected into. */
export const FAULT_KINDS: CallKind[] = ['openSync', 'writeSync', 'fdatasyncSync', 'fdatasync', 'ftruncateSync', 'renameSync', 'linkSync', 'unlinkSync', 'fsyncDirSync'];

export type FaultMode = 'EIO' | 'ENOSPC' | 'partial';

export interface Call {
  kind: CallKind;
  /** File or directory the call touches (for fd calls: the path the fd was opened with). */
  path: string;
  /** rename: the target. open: the flags. */
  detail?: string;
}

export interface Fault {
  kind: CallKind;
  /** 1-based: the Nth call of this kind after arm() fails. */
  nth: number;
  mode: FaultMode;
}

function errnoError(code: 'EIO' | 'ENOSPC', what: string): Error {
  const text = code === 'EIO' ? 'i/o error' : 'no space left on device';
  return Object.assign(new Error(`${code}: ${text} (injected), ${what}`), { code, injected: true });
}

export class FaultFs extends PassThroughFs {
  readonly log: Call[] = [];
  private readonly paths = new Map<number, string>();
  private readonly counts = new Map<CallKind, number>();
  private fault: Fault | undefined;
  private recording = false;
  private enospcAfterPartial = new Set<number>();
  /** Set once the armed fault has fired. */
  fired: Call | undefined;

  /** Start counting (and logging) calls; `fault`, if given, fires at its Nth call. */
  arm(fault?: Fault): void {
    this.recording = true;
    this.counts.clear();
    this.log.length = 0;
    this.fault = fault;
    this.fired = undefined;
  }

  disarm(): void {
    this.recording = false;
    this.fault = undefined;
  }

  count(kind: CallKind): number {
    return this.counts.get(kind) ?? 0;
  }

  pathOf(fd: number): string {
    return this.paths.get(fd) ?? `fd ${fd}`;
  }

  /** Records the call; returns the fault mode when this is the call that must fail. */
  private at(kind: CallKind, path: string, detail?: string): FaultMode | undefined {
    if (!this.recording) return undefined;
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    const call: Call = detail === undefined ? { kind, path } : { kind, path, detail };
    this.log.push(call);
    const f = this.fault;
    if (f && !this.fired && f.kind === kind && f.nth === n) {
      this.fired = call;
      return f.mode;
    }
    return undefined;
  }

  private fail(mode: FaultMode, what: string): never {
    throw errnoError(mode === 'EIO' ? 'EIO' : 'ENOSPC', what);
  }

  override openSync(p: string, flags: string, mode?: number): number {
    const m = this.at('openSync', p, flags);
    if (m) this.fail(m, `open ${p}`);
    const fd = super.openSync(p, flags, mode);
    this.paths.set(fd, p);
    return fd;
  }
  override closeSync(fd: number): void {
    this.at('closeSync', this.pathOf(fd));
    this.paths.delete(fd);
    this.enospcAfterPartial.delete(fd);
    super.closeSync(fd);
  }
  override writeSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
    const m = this.at('writeSync', this.pathOf(fd), `${l}@${pos}`);
    if (this.enospcAfterPartial.delete(fd)) this.fail('ENOSPC', `write to ${this.pathOf(fd)} after a short write`);
    if (m === 'partial' && l > 1) {
      this.enospcAfterPartial.add(fd);
      return super.writeSync(fd, b, o, l >> 1, pos);
    }
    if (m) this.fail(m === 'partial' ? 'ENOSPC' : m, `write to ${this.pathOf(fd)}`);
    return super.writeSync(fd, b, o, l, pos);
  }
  override fdatasyncSync(fd: number): void {
    const m = this.at('fdatasyncSync', this.pathOf(fd));
    if (m) this.fail(m, `fdatasync ${this.pathOf(fd)}`);
    super.fdatasyncSync(fd);
  }
  override async fdatasync(fd: number): Promise<void> {
    const m = this.at('fdatasync', this.pathOf(fd));
    if (m) this.fail(m, `fdatasync ${this.pathOf(fd)}`);
    const path = this.pathOf(fd);
    await super.fdatasync(fd);
    if (this.recording) this.log.push({ kind: 'fdatasync-done', path });
  }
  override ftruncateSync(fd: number, len: number): void {
    const m = this.at('ftruncateSync', this.pathOf(fd), String(len));
    if (m) this.fail(m, `ftruncate ${this.pathOf(fd)}`);
    super.ftruncateSync(fd, len);
  }
  override renameSync(a: string, b: string): void {
    const m = this.at('renameSync', a, b);
    if (m) this.fail(m, `rename ${a}`);
    super.renameSync(a, b);
  }
  override linkSync(a: string, b: string): void {
    const m = this.at('linkSync', a, b);
    if (m) this.fail(m, `link ${a}`);
    super.linkSync(a, b);
  }
  override unlinkSync(p: string): void {
    const m = this.at('unlinkSync', p);
    if (m) this.fail(m, `unlink ${p}`);
    super.unlinkSync(p);
  }
  override mkdirSync(p: string): void {
    this.at('mkdirSync', p);
    super.mkdirSync(p);
  }
  override fsyncDirSync(p: string): void {
    const m = this.at('fsyncDirSync', p);
    if (m) this.fail(m, `fsync directory ${p}`);
    super.fsyncDirSync(p);
  }
}
