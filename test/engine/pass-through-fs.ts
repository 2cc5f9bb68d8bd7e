/**
 * An EngineFs that hands every call to another one (the real file system by
 * default). The tests' wrappers (fault injection, recording for crash
 * states) extend it and override only the calls they watch or fail, calling
 * `super` for the real work.
 */
import { realFs, type EngineFs } from '../../src/engine/fs.js';

export class PassThroughFs implements EngineFs {
  constructor(protected readonly inner: EngineFs = realFs) {}

  openSync(p: string, flags: string, mode?: number): number {
    return this.inner.openSync(p, flags, mode);
  }
  closeSync(fd: number): void {
    this.inner.closeSync(fd);
  }
  readSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
    return this.inner.readSync(fd, b, o, l, pos);
  }
  read(fd: number, b: Uint8Array, o: number, l: number, pos: number): Promise<number> {
    return this.inner.read(fd, b, o, l, pos);
  }
  writeSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
    return this.inner.writeSync(fd, b, o, l, pos);
  }
  fdatasyncSync(fd: number): void {
    this.inner.fdatasyncSync(fd);
  }
  fdatasync(fd: number): Promise<void> {
    return this.inner.fdatasync(fd);
  }
  ftruncateSync(fd: number, length: number): void {
    this.inner.ftruncateSync(fd, length);
  }
  fstatSize(fd: number): number {
    return this.inner.fstatSize(fd);
  }
  renameSync(from: string, to: string): void {
    this.inner.renameSync(from, to);
  }
  linkSync(existing: string, to: string): void {
    this.inner.linkSync(existing, to);
  }
  unlinkSync(p: string): void {
    this.inner.unlinkSync(p);
  }
  readdirSync(p: string): string[] {
    return this.inner.readdirSync(p);
  }
  mkdirSync(p: string): void {
    this.inner.mkdirSync(p);
  }
  existsSync(p: string): boolean {
    return this.inner.existsSync(p);
  }
  statSize(p: string): number {
    return this.inner.statSize(p);
  }
  readFileSync(p: string): Buffer {
    return this.inner.readFileSync(p);
  }
  readFile(p: string): Promise<Buffer> {
    return this.inner.readFile(p);
  }
  fsyncDirSync(p: string): void {
    this.inner.fsyncDirSync(p);
  }
}
