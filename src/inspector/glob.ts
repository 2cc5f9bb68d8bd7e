/**
 * Glob matching for the key filter, in time linear in the key whatever the
 * pattern. A backtracking regex (what picomatch compiles a glob to) takes
 * time exponential in the number of stars on a key that almost matches
 * (`*aa*a*a*a*a*a*a*a*a*a*b` against 48 a's and a c: half a minute); here a
 * glob is parsed, compiled to a small NFA and run as a DFA built lazily, one
 * state per (state, byte class) pair met for the first time:
 * - a byte of the key is one table lookup once its transition is known;
 * - working out an unknown transition visits each NFA instruction at most
 *   once (O(pattern length));
 * - the DFA holds at most `maxStates` states; when full it is emptied and
 *   built again as keys need it (the bound RE2 uses), so memory is bounded
 *   and a key of n bytes costs at most n such steps: O(n × pattern length).
 *
 * Keys are not paths: '/' is an ordinary character. The syntax, over key
 * strings (one char per byte; a pattern typed as text is turned into its
 * UTF-8 bytes first, so a class matches one byte); the key filter shows it
 * from shared/glob-syntax.ts, whose examples test/inspector/glob-syntax.test.ts
 * checks against this parser:
 *   *            any run of bytes, the empty one included ('**' is the same)
 *   ?            any one byte
 *   [abc] [a-z]  one byte of the set; [!a-z] and [^a-z] any byte not in it;
 *                ']' first in the set is literal ('[]a]', '[!]a]'), so is a
 *                '-' first or last ('[a-]'); [[:alpha:]] and the other POSIX
 *                classes (alnum alpha ascii blank cntrl digit graph lower
 *                print punct space upper word xdigit)
 *   {a,b,c}      any one of the alternatives, each a glob (nested, empty
 *                ones allowed: 'a{,s}'); {a..e} a range of single bytes
 *                (either order), {1..12} of integers ({01..12}: zero-padded;
 *                at most MAX_RANGE_ITEMS in all); a brace with neither a
 *                comma nor a range has literal braces ('{a}' is the text
 *                "{a}", what it holds still read as a glob)
 *   \x           x itself (\* \? \[ \{ \, \\ ...)
 *   !glob        at the start: the keys that do not match glob
 * Every other character, '(' ')' '|' '+' '@' '.' ']' '}' included, is literal.
 * Malformed, refused by parseGlob with a GlobSyntaxError, never read some
 * other way: a '[' or '{' never closed ('[', '[]', '[!]', '{a,b'), a
 * reversed class range ('[z-a]'), a '\' that ends the pattern, a {m..n}
 * range past MAX_RANGE_ITEMS; in a pattern typed as text (the key filter),
 * a class holding a character wider than one byte in UTF-8 ('[é]', which
 * would match one of its bytes, never it: write {é,è}). Escape a literal '['
 * or '{' ('\[', '\{').
 */

import { textToKeyString } from '../shared/keytext.js';

/** A set of bytes, 257 entries: 0–255, and 256 for any char above 0xff (never in a key string). */
type ByteSet = Uint8Array;
const OTHER = 256;

type Node = { kind: 'set'; set: ByteSet } | { kind: 'star' } | { kind: 'alt'; alts: Node[][] };

export interface ParsedGlob {
  readonly negated: boolean;
  readonly nodes: Node[];
}

const POSIX: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\u0000-\u007f',
  blank: ' \t',
  cntrl: '\u0000-\u001f\u007f',
  digit: '0-9',
  graph: '\u0021-\u007e',
  lower: 'a-z',
  print: '\u0020-\u007e',
  punct: '!-/:-@[-`{-~',
  space: ' \t\r\n\u000b\f',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: 'A-Fa-f0-9',
};

/** At most this many integers in the {m..n} ranges of a pattern, all of them together; a range past it is literal text. */
export const MAX_RANGE_ITEMS = 1000;

const byteOf = (ch: string) => Math.min(ch.charCodeAt(0), OTHER);

function addRanges(set: ByteSet, spec: string): void {
  for (let i = 0; i < spec.length; i++) {
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      for (let b = spec.charCodeAt(i); b <= spec.charCodeAt(i + 2); b++) set[b] = 1;
      i += 2;
    } else {
      set[spec.charCodeAt(i)] = 1;
    }
  }
}

const ANY: ByteSet = new Uint8Array(OTHER + 1).fill(1);

/**
 * What is malformed in a pattern, by indices into the string the parser read
 * (for the key filter, the UTF-8 bytes of what was typed: `parseKeyFilterGlob`
 * says it again in terms of the text).
 */
export type GlobProblem =
  /** A '[' or '{' with no closing ']' or '}'. */
  | { kind: 'unclosed'; open: '[' | '{'; at: number }
  /** A class range whose ends are the bytes at `lo` and `hi`, the first above the second. */
  | { kind: 'reversed'; lo: number; hi: number }
  /** A '\' that ends the pattern. */
  | { kind: 'trailing-escape'; at: number }
  /** A {m..n} brace, p[from, to), past MAX_RANGE_ITEMS integers (with the pattern's other ranges) or not a safe integer. */
  | { kind: 'long-range'; from: number; to: number }
  /** In a pattern typed as text (parseKeyFilterGlob), a class holding a character that is more than one byte in UTF-8, its first byte at `at`. */
  | { kind: 'wide-in-class'; at: number };

/** How a problem's positions and text are said: the pattern read, or the text it was made from. */
interface PatternView {
  /** The 1-based position of the character holding the pattern's index `at`. */
  position(at: number): number;
  /** The characters holding the pattern's indices [from, to). */
  text(from: number, to: number): string;
}

const ownView = (pattern: string): PatternView => ({ position: (at) => at + 1, text: (from, to) => pattern.slice(from, to) });

function describe(problem: GlobProblem, view: PatternView): string {
  switch (problem.kind) {
    case 'unclosed':
      return `the ${problem.open} at position ${view.position(problem.at)} is never closed (write \\${problem.open} for a literal one)`;
    case 'reversed': {
      const [lo, hi] = [view.text(problem.lo, problem.lo + 1), view.text(problem.hi, problem.hi + 1)];
      return `the range ${lo}-${hi} is reversed (write ${hi}-${lo})`;
    }
    case 'trailing-escape':
      return 'a trailing \\ escapes nothing (write \\\\ for a backslash)';
    case 'long-range':
      return `the range ${view.text(problem.from, problem.to)} is too long: a pattern's ranges hold at most ${MAX_RANGE_ITEMS} numbers in all (write \\{ for literal text)`;
    case 'wide-in-class': {
      const ch = view.text(problem.at, problem.at + 1);
      return `the ${ch} at position ${view.position(problem.at)} is ${new TextEncoder().encode(ch).length} bytes in UTF-8, and a class [...] matches one byte (write {${ch},…} for a choice of characters)`;
    }
  }
}

/** A malformed pattern: thrown by `parseGlob` (and so by `new GlobMatcher`), with what is wrong and where. */
export class GlobSyntaxError extends Error {
  constructor(
    readonly problem: GlobProblem,
    message: string,
  ) {
    super(message);
    this.name = 'GlobSyntaxError';
  }
}

/** A class: its bytes and the index after its ']', and the first problem in it if any. */
interface Bracket {
  set: ByteSet;
  end: number;
  problem?: GlobProblem;
}

class Parser {
  private readonly literals = new Map<number, ByteSet>();
  /** bracket() and braceExtent() by start index: each scans the rest of the pattern once. */
  private readonly brackets = new Map<number, Bracket | undefined>();
  private readonly braces = new Map<number, { close: number; commas: number[] } | undefined>();
  private rangeItems = 0;
  /** `textBytes`: p is the UTF-8 bytes of a pattern typed as text, where a byte from 0x80 up in a class is part of a wider character. */
  constructor(
    private readonly p: string,
    private readonly textBytes = false,
  ) {}

  fail(problem: GlobProblem): GlobSyntaxError {
    return new GlobSyntaxError(problem, describe(problem, ownView(this.p)));
  }

  literal(b: number): Node {
    let set = this.literals.get(b);
    if (!set) {
      set = new Uint8Array(OTHER + 1);
      set[b] = 1;
      this.literals.set(b, set);
    }
    return { kind: 'set', set };
  }

  /**
   * Nodes of p[from, to). The whole pattern, or one alternative of a brace:
   * a class, brace or escape never runs across an alternative's ends, since
   * braceExtent() skipped classes and escapes as this does.
   */
  sequence(from: number, to: number): Node[] {
    const p = this.p;
    const out: Node[] = [];
    let i = from;
    while (i < to) {
      const ch = p[i]!;
      if (ch === '*') {
        if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
        i++;
      } else if (ch === '?') {
        out.push({ kind: 'set', set: ANY });
        i++;
      } else if (ch === '\\') {
        if (i + 1 >= to) throw this.fail({ kind: 'trailing-escape', at: i });
        out.push(this.literal(byteOf(p[i + 1]!)));
        i += 2;
      } else if (ch === '[') {
        const cls = this.bracket(i);
        if (!cls) throw this.fail({ kind: 'unclosed', open: '[', at: i });
        if (cls.problem) throw this.fail(cls.problem);
        out.push({ kind: 'set', set: cls.set });
        i = cls.end;
      } else if (ch === '{') {
        const extent = this.braceExtent(i);
        if (!extent) throw this.fail({ kind: 'unclosed', open: '{', at: i });
        const node = this.brace(i, extent);
        if (node) {
          out.push(node);
          i = extent.close + 1;
        } else {
          // Neither alternatives nor a range: the braces are literal, what they hold is read on.
          out.push(this.literal(byteOf(ch)));
          i++;
        }
      } else {
        out.push(this.literal(byteOf(ch)));
        i++;
      }
    }
    return out;
  }

  /** The class starting at p[at] === '[', or undefined when no ']' closes it. */
  bracket(at: number): Bracket | undefined {
    if (!this.brackets.has(at)) this.brackets.set(at, this.scanBracket(at));
    return this.brackets.get(at);
  }

  private scanBracket(at: number): Bracket | undefined {
    const p = this.p;
    const to = p.length;
    let i = at + 1;
    const negate = p[i] === '!' || p[i] === '^';
    if (negate) i++;
    const set = new Uint8Array(OTHER + 1);
    let problem: GlobProblem | undefined;
    let first = true;
    // A byte, escaped or not: [its value, its index, the index after it].
    const read = (at: number): [number, number, number] => (p[at] === '\\' && at + 1 < to ? [byteOf(p[at + 1]!), at + 1, at + 2] : [byteOf(p[at]!), at, at + 1]);
    for (; i < to; first = false) {
      const ch = p[i]!;
      if (ch === ']' && !first) {
        if (negate) for (let b = 0; b <= OTHER; b++) set[b] ^= 1;
        return { set, end: i + 1, ...(problem ? { problem } : {}) };
      }
      if (ch === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2);
        const spec = close > 0 ? POSIX[p.slice(i + 2, close)] : undefined;
        if (spec !== undefined) {
          addRanges(set, spec);
          i = close + 2;
          continue;
        }
      }
      const [lo, loAt, next] = read(i);
      // Typed as text, such a byte is one of a wider character's: the class would match one of its bytes, never it.
      if (this.textBytes && lo >= 0x80) problem ??= { kind: 'wide-in-class', at: loAt };
      // A range: an unescaped '-' between two bytes (not before the closing ']').
      if (p[next] === '-' && next + 1 < to && p[next + 1] !== ']') {
        const [hi, hiAt, after] = read(next + 1);
        if (this.textBytes && hi >= 0x80) problem ??= { kind: 'wide-in-class', at: hiAt };
        if (hi < lo) problem ??= { kind: 'reversed', lo: loAt, hi: hiAt };
        for (let b = lo; b <= hi; b++) set[b] = 1;
        i = after;
      } else {
        set[lo] = 1;
        i = next;
      }
    }
    return undefined;
  }

  /** The index of the '}' closing the brace at p[at] === '{' and its top-level commas, or undefined when none does. */
  braceExtent(at: number): { close: number; commas: number[] } | undefined {
    if (!this.braces.has(at)) this.braces.set(at, this.scanBrace(at));
    return this.braces.get(at);
  }

  private scanBrace(at: number): { close: number; commas: number[] } | undefined {
    const p = this.p;
    const to = p.length;
    const commas: number[] = [];
    let depth = 0;
    for (let i = at + 1; i < to; i++) {
      const ch = p[i]!;
      if (ch === '\\') i++;
      else if (ch === '[') {
        // An unclosed '[' is an error sequence() finds; here it is one character.
        const cls = this.bracket(i);
        if (cls) i = cls.end - 1;
      } else if (ch === '{') depth++;
      else if (ch === '}') {
        if (depth === 0) return { close: i, commas };
        depth--;
      } else if (ch === ',' && depth === 0) commas.push(i);
    }
    return undefined;
  }

  /** The brace at p[at] as alternatives or a range, or undefined when it is neither. */
  brace(at: number, { close, commas }: { close: number; commas: number[] }): Node | undefined {
    if (commas.length > 0) {
      const bounds = [at, ...commas, close];
      const alts: Node[][] = [];
      for (let k = 0; k + 1 < bounds.length; k++) alts.push(this.sequence(bounds[k]! + 1, bounds[k + 1]!));
      return { kind: 'alt', alts };
    }
    return this.range(at, close);
  }

  /** {a..e} (single chars, either order) or {m..n} (integers) at p[at, close], else undefined. */
  range(at: number, close: number): Node | undefined {
    const body = this.p.slice(at + 1, close);
    const chars = /^([^\\])\.\.([^\\])$/s.exec(body);
    if (chars) {
      const [a, b] = [byteOf(chars[1]!), byteOf(chars[2]!)];
      const set = new Uint8Array(OTHER + 1);
      for (let x = Math.min(a, b); x <= Math.max(a, b); x++) set[x] = 1;
      return { kind: 'set', set };
    }
    const ints = /^(-?\d+)\.\.(-?\d+)$/.exec(body);
    if (!ints) return undefined;
    const [a, b] = [Number(ints[1]), Number(ints[2])];
    const items = Math.abs(a - b) + 1;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || this.rangeItems + items > MAX_RANGE_ITEMS) {
      throw this.fail({ kind: 'long-range', from: at, to: close + 1 });
    }
    this.rangeItems += items;
    const padded = /^-?0\d/.test(ints[1]!) || /^-?0\d/.test(ints[2]!);
    const width = padded ? Math.max(ints[1]!.replace('-', '').length, ints[2]!.replace('-', '').length) : 0;
    const alts: Node[][] = [];
    for (let x = a; ; x += a <= b ? 1 : -1) {
      const text = (x < 0 ? '-' : '') + String(Math.abs(x)).padStart(width, '0');
      alts.push([...text].map((ch) => this.literal(byteOf(ch))));
      if (x === b) break;
    }
    return { kind: 'alt', alts };
  }
}

/** The byte a node stands for when it is one literal byte, else -1. */
function literalByte(node: Node): number {
  if (node.kind !== 'set' || node.set[OTHER] === 1) return -1;
  let found = -1;
  for (let b = 0; b < OTHER; b++) {
    if (node.set[b] === 0) continue;
    if (found >= 0) return -1;
    found = b;
  }
  return found;
}

/**
 * The one reading of the syntax: the parsed glob, or a GlobSyntaxError
 * saying what is malformed (an unclosed '[' or '{', a reversed class range,
 * a trailing '\', a {m..n} range too long). Matching and the key filter's
 * refusal both come from here, so a pattern is refused exactly when it
 * cannot be read as written.
 */
export function parseGlob(pattern: string, { textBytes = false }: { textBytes?: boolean } = {}): ParsedGlob {
  let start = 0;
  while (pattern[start] === '!') start++;
  const parser = new Parser(pattern, textBytes);
  return { negated: start % 2 === 1, nodes: parser.sequence(start, pattern.length) };
}

/**
 * The longest run of bytes every key matching the glob holds ('' when there
 * is none: a negated glob, or no literal byte outside alternatives): read
 * from the parsed glob, so a class, brace or escape is never taken for text.
 * The key index looks for it first and tests only the keys that hold it.
 */
export function globLiteral({ negated, nodes }: ParsedGlob): string {
  if (negated) return '';
  let best = '';
  let run = '';
  for (const node of nodes) {
    const b = literalByte(node);
    if (b >= 0) {
      run += String.fromCharCode(b);
      if (run.length > best.length) best = run;
    } else {
      run = '';
    }
  }
  return best;
}

// The NFA: one instruction per byte set, star and alternation (Thompson's construction).
const CHAR = 0; // consume one byte of sets[arg]; then pc + 1
const STAR = 1; // consume any byte and stay; or go on to pc + 1 without consuming
const SPLIT = 2; // go on to every pc of splits[arg] without consuming
const JMP = 3; // go on to arg without consuming
const MATCH = 4;

/**
 * A DFA transition holds the offset of its target's row in the table
 * (state id × classes), or one of these: not worked out yet, or a state from
 * which no key matches (no NFA instruction left), or one from which every
 * key matches (a star that can reach the end): the answer is known at once.
 */
const UNKNOWN = -1;
const DEAD = -2;
const ALWAYS = -3;

export interface GlobStats {
  /** DFA states built (transitions worked out), since the matcher was made. */
  built: number;
  /** NFA instructions visited while building them. */
  visits: number;
  /** Times the DFA was full and emptied. */
  flushes: number;
}

/** A compiled glob: `test(key)` is true when the key matches. */
export class GlobMatcher {
  readonly negated: boolean;
  private readonly op: Uint8Array;
  private readonly arg: Int32Array;
  private readonly splits: number[][] = [];
  private readonly sets: ByteSet[] = [];
  /** Char code → its byte class: bytes in the same class are in exactly the same sets (every code from 256 up is 'OTHER'). */
  private readonly classOf = new Uint16Array(65536);
  /** A byte of each class. */
  private readonly representative: number[] = [];
  private readonly classes: number;
  /** For a STAR pc: whether MATCH can be reached from pc + 1 without consuming (then every key from here on matches). */
  private readonly starEnds: Uint8Array;
  private readonly startPcs: Int32Array;

  private states: Int32Array[] = [];
  private ids = new Map<string, number>();
  private trans: Int32Array;
  private accept: Uint8Array;
  /** What a transition into each state holds: its row's offset, DEAD or ALWAYS. */
  private target: Int32Array;
  /** The start state's target value. */
  private start = 0;
  /**
   * The literal text the glob starts and ends with: checked first, natively
   * (most keys fail there), and left out of the DFA, which matches only what
   * lies between them (their lengths are fixed, so the split is unique).
   */
  readonly prefix: string;
  readonly suffix: string;
  /** Cap on the DFA's states (its table holds states × classes transitions). */
  readonly maxStates: number;

  // Scratch for closures.
  private readonly mark: Uint32Array;
  private generation = 0;
  private readonly stack: number[] = [];

  readonly stats: GlobStats = { built: 0, visits: 0, flushes: 0 };

  /** Throws a GlobSyntaxError when `pattern` is malformed. */
  constructor(pattern: string | ParsedGlob, maxStates?: number) {
    const parsed = typeof pattern === 'string' ? parseGlob(pattern) : pattern;
    this.negated = parsed.negated;
    const nodes = parsed.nodes;
    let head = 0;
    while (head < nodes.length && literalByte(nodes[head]!) >= 0) head++;
    let tail = nodes.length;
    while (tail > head && literalByte(nodes[tail - 1]!) >= 0) tail--;
    const text = (from: number, to: number) => String.fromCharCode(...nodes.slice(from, to).map(literalByte));
    this.prefix = text(0, head);
    this.suffix = text(tail, nodes.length);
    const op: number[] = [];
    const arg: number[] = [];
    const emit = (o: number, a = 0) => (op.push(o), arg.push(a), op.length - 1);
    const compile = (nodes: Node[]) => {
      for (const node of nodes) {
        if (node.kind === 'star') emit(STAR);
        else if (node.kind === 'set') {
          let index = this.sets.indexOf(node.set);
          if (index < 0) index = this.sets.push(node.set) - 1;
          emit(CHAR, index);
        } else {
          const targets: number[] = [];
          emit(SPLIT, this.splits.push(targets) - 1);
          const jumps: number[] = [];
          for (const alt of node.alts) {
            targets.push(op.length);
            compile(alt);
            jumps.push(emit(JMP));
          }
          for (const j of jumps) arg[j] = op.length;
        }
      }
    };
    compile(nodes.slice(head, tail));
    emit(MATCH);
    this.op = Uint8Array.from(op);
    this.arg = Int32Array.from(arg);
    this.mark = new Uint32Array(op.length);

    // Byte classes, refined set by set.
    let classes = 1;
    for (const set of this.sets) {
      const split = new Map<number, number>();
      for (let b = 0; b <= OTHER; b++) {
        const key = this.classOf[b]! * 2 + set[b]!;
        let c = split.get(key);
        if (c === undefined) split.set(key, (c = split.size));
        this.classOf[b] = c;
      }
      classes = split.size;
    }
    this.classes = classes;
    for (let b = OTHER; b >= 0; b--) this.representative[this.classOf[b]!] = b;
    this.classOf.fill(this.classOf[OTHER]!, OTHER);

    this.starEnds = new Uint8Array(op.length);
    for (let pc = 0; pc < op.length; pc++) {
      if (this.op[pc] === STAR) this.starEnds[pc] = this.closure([pc + 1]).includes(op.length - 1) ? 1 : 0;
    }
    this.startPcs = this.closure([0]);
    this.maxStates = maxStates ?? Math.max(16, Math.floor((1 << 22) / classes));
    const initial = Math.min(64, this.maxStates);
    this.trans = new Int32Array(initial * classes).fill(UNKNOWN);
    this.accept = new Uint8Array(initial);
    this.target = new Int32Array(initial);
    this.start = this.target[this.intern(this.startPcs)]!;
  }

  /** Number of NFA instructions (the pattern's size as the matcher sees it). */
  get programSize(): number {
    return this.op.length;
  }

  /** The consuming pcs (and MATCH) reachable from `from` without consuming, sorted. */
  private closure(from: number[]): Int32Array {
    const gen = ++this.generation;
    const out: number[] = [];
    const stack = this.stack;
    stack.length = 0;
    for (let k = from.length - 1; k >= 0; k--) stack.push(from[k]!);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (this.mark[pc] === gen) continue;
      this.mark[pc] = gen;
      this.stats.visits++;
      const o = this.op[pc]!;
      if (o === CHAR || o === MATCH) out.push(pc);
      else if (o === STAR) {
        out.push(pc);
        stack.push(pc + 1);
      } else if (o === JMP) stack.push(this.arg[pc]!);
      else for (const t of this.splits[this.arg[pc]!]!) stack.push(t);
    }
    return Int32Array.from(out).sort();
  }

  /** The id of the DFA state for these pcs, made if new. */
  private intern(pcs: Int32Array): number {
    const key = pcs.join(',');
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.states.length;
    if (id >= this.accept.length) {
      const trans = new Int32Array(this.trans.length * 2).fill(UNKNOWN);
      trans.set(this.trans);
      this.trans = trans;
      const accept = new Uint8Array(this.accept.length * 2);
      accept.set(this.accept);
      this.accept = accept;
      const target = new Int32Array(this.target.length * 2);
      target.set(this.target);
      this.target = target;
    }
    this.states.push(pcs);
    this.ids.set(key, id);
    const matchPc = this.op.length - 1;
    this.accept[id] = pcs.length > 0 && pcs[pcs.length - 1] === matchPc ? 1 : 0;
    let target = pcs.length === 0 ? DEAD : id * this.classes;
    for (const pc of pcs) if (this.op[pc] === STAR && this.starEnds[pc] === 1) target = ALWAYS;
    this.target[id] = target;
    return id;
  }

  /** The transition from the state whose row is at `row` on a byte of class `c`: worked out once, then a table lookup. */
  private step(row: number, c: number): number {
    const b = this.representative[c]!;
    const next: number[] = [];
    for (const pc of this.states[row / this.classes]!) {
      this.stats.visits++;
      const o = this.op[pc]!;
      if (o === CHAR) {
        if (this.sets[this.arg[pc]!]![b] === 1) next.push(pc + 1);
      } else if (o === STAR) next.push(pc);
    }
    const pcs = this.closure(next);
    this.stats.built++;
    if (!this.ids.has(pcs.join(',')) && this.states.length >= this.maxStates) {
      // Full: start again with the start state and this one (the caller holds no other state id).
      this.stats.flushes++;
      this.states = [];
      this.ids = new Map();
      this.trans.fill(UNKNOWN);
      this.intern(this.startPcs);
      return this.target[this.intern(pcs)]!;
    }
    const to = this.target[this.intern(pcs)]!;
    this.trans[row + c] = to;
    return to;
  }

  /** Whether s[from, to) matches (the whole of it: a glob is anchored at both ends). */
  matchRange(s: string, from: number, to: number): boolean {
    const { prefix, suffix } = this;
    if (prefix.length + suffix.length > 0) {
      if (to - from < prefix.length + suffix.length) return this.negated;
      if (prefix.length > 0 && !s.startsWith(prefix, from)) return this.negated;
      if (suffix.length > 0 && !s.endsWith(suffix, to)) return this.negated;
      from += prefix.length;
      to -= suffix.length;
    }
    let row = this.start;
    if (row < 0) return (row === ALWAYS) !== this.negated;
    let trans = this.trans;
    const classOf = this.classOf;
    for (let i = from; i < to; i++) {
      const c = classOf[s.charCodeAt(i)]!;
      let next = trans[row + c]!;
      if (next < 0) {
        if (next === UNKNOWN) {
          next = this.step(row, c);
          trans = this.trans;
        }
        if (next < 0) return (next === ALWAYS) !== this.negated;
      }
      row = next;
    }
    return (this.accept[row / this.classes]! === 1) !== this.negated;
  }

  test(key: string): boolean {
    return this.matchRange(key, 0, key.length);
  }
}

/** The glob as a predicate over key strings. */
export function compileGlob(pattern: string): (key: string) => boolean {
  const m = new GlobMatcher(pattern);
  return (key) => m.matchRange(key, 0, key.length);
}

/**
 * The key filter's glob, typed as text: parsed over its UTF-8 bytes (what
 * keys are matched as), or what is malformed in it, said in terms of the
 * text (positions count its characters). The service refuses the filter with
 * this problem; the key index matches with this glob.
 */
export function parseKeyFilterGlob(text: string): { glob: ParsedGlob; problem?: undefined } | { glob?: undefined; problem: string } {
  try {
    return { glob: parseGlob(textToKeyString(text), { textBytes: true }) };
  } catch (err) {
    if (!(err instanceof GlobSyntaxError)) throw err;
    return { problem: describe(err.problem, textView(text)) };
  }
}

/** What is malformed in a key filter's glob typed as text, or null when nothing is. */
export function globProblem(text: string): string | null {
  return parseKeyFilterGlob(text).problem ?? null;
}

/** Indices into the UTF-8 bytes of `text` said as its characters (code points; a lone surrogate is encoded as U+FFFD, 3 bytes). */
function textView(text: string): PatternView {
  const chars = [...text];
  const charOfByte: number[] = [];
  const encoder = new TextEncoder();
  chars.forEach((ch, k) => {
    for (let n = encoder.encode(ch).length; n > 0; n--) charOfByte.push(k);
  });
  return {
    position: (at) => charOfByte[at]! + 1,
    text: (from, to) => chars.slice(charOfByte[from], charOfByte[to - 1]! + 1).join(''),
  };
}
