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
 * UTF-8 bytes first, so a class matches one byte):
 *   *            any run of bytes, the empty one included ('**' is the same)
 *   ?            any one byte
 *   [abc] [a-z]  one byte of the set; [!a-z] and [^a-z] any byte not in it;
 *                ']' first in the set is literal; [[:alpha:]] and the other
 *                POSIX classes (alnum alpha ascii blank cntrl digit graph
 *                lower print punct space upper word xdigit); a '[' with no
 *                closing ']' is literal
 *   {a,b,c}      any one of the alternatives, each a glob (nested, empty
 *                ones allowed: 'a{,s}'); {a..e} a range of single bytes,
 *                {1..12} of integers ({01..12}: zero-padded); a brace with
 *                neither a comma nor a range is literal text
 *   \x           x itself (\* \? \[ \{ \, \\ ...)
 *   !glob        at the start: the keys that do not match glob
 * Every other character, '(' ')' '|' '+' '@' '.' included, is literal.
 */

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

class Parser {
  private readonly literals = new Map<number, ByteSet>();
  /** bracket() and braceExtent() by start index: each scans the rest of the pattern once. */
  private readonly brackets = new Map<number, { set: ByteSet; end: number } | undefined>();
  private readonly braces = new Map<number, { close: number; commas: number[] } | undefined>();
  private rangeItems = 0;
  constructor(private readonly p: string) {}

  literal(b: number): Node {
    let set = this.literals.get(b);
    if (!set) {
      set = new Uint8Array(OTHER + 1);
      set[b] = 1;
      this.literals.set(b, set);
    }
    return { kind: 'set', set };
  }

  /** Nodes of p[from, to). */
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
      } else if (ch === '\\' && i + 1 < to) {
        out.push(this.literal(byteOf(p[i + 1]!)));
        i += 2;
      } else if (ch === '[') {
        const cls = this.bracket(i, to);
        if (cls) {
          out.push({ kind: 'set', set: cls.set });
          i = cls.end;
        } else {
          out.push(this.literal(byteOf(ch)));
          i++;
        }
      } else if (ch === '{') {
        const brace = this.brace(i, to);
        if (brace) {
          out.push(brace.node);
          i = brace.end;
        } else {
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

  /** The class starting at p[at] === '[' and the index after its ']', or undefined when it has none before `to`. */
  bracket(at: number, to: number): { set: ByteSet; end: number } | undefined {
    if (!this.brackets.has(at)) this.brackets.set(at, this.scanBracket(at));
    const found = this.brackets.get(at);
    return found && found.end <= to ? found : undefined;
  }

  private scanBracket(at: number): { set: ByteSet; end: number } | undefined {
    const p = this.p;
    const to = p.length;
    let i = at + 1;
    const negate = p[i] === '!' || p[i] === '^';
    if (negate) i++;
    const set = new Uint8Array(OTHER + 1);
    let first = true;
    // A byte, escaped or not: [its value, the index after it].
    const read = (at: number): [number, number] => (p[at] === '\\' && at + 1 < to ? [byteOf(p[at + 1]!), at + 2] : [byteOf(p[at]!), at + 1]);
    for (; i < to; first = false) {
      const ch = p[i]!;
      if (ch === ']' && !first) {
        if (negate) for (let b = 0; b <= OTHER; b++) set[b] ^= 1;
        return { set, end: i + 1 };
      }
      if (ch === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2);
        const spec = close > 0 && close + 2 <= to ? POSIX[p.slice(i + 2, close)] : undefined;
        if (spec !== undefined) {
          addRanges(set, spec);
          i = close + 2;
          continue;
        }
      }
      const [lo, next] = read(i);
      // A range: an unescaped '-' between two bytes (not before the closing ']'); a reversed one holds nothing.
      if (p[next] === '-' && next + 1 < to && p[next + 1] !== ']') {
        const [hi, after] = read(next + 1);
        for (let b = lo; b <= hi; b++) set[b] = 1;
        i = after;
      } else {
        set[lo] = 1;
        i = next;
      }
    }
    return undefined;
  }

  /** The index after the '}' closing the brace at p[at] === '{' and its top-level commas, or undefined. */
  braceExtent(at: number, to: number): { close: number; commas: number[] } | undefined {
    if (!this.braces.has(at)) this.braces.set(at, this.scanBrace(at));
    const found = this.braces.get(at);
    return found && found.close < to ? found : undefined;
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
        const cls = this.bracket(i, to);
        if (cls) i = cls.end - 1;
      } else if (ch === '{') depth++;
      else if (ch === '}') {
        if (depth === 0) return { close: i, commas };
        depth--;
      } else if (ch === ',' && depth === 0) commas.push(i);
    }
    return undefined;
  }

  brace(at: number, to: number): { node: Node; end: number } | undefined {
    const extent = this.braceExtent(at, to);
    if (!extent) return undefined;
    const { close, commas } = extent;
    if (commas.length > 0) {
      const bounds = [at, ...commas, close];
      const alts: Node[][] = [];
      for (let k = 0; k + 1 < bounds.length; k++) alts.push(this.sequence(bounds[k]! + 1, bounds[k + 1]!));
      return { node: { kind: 'alt', alts }, end: close + 1 };
    }
    const range = this.range(this.p.slice(at + 1, close));
    return range && { node: range, end: close + 1 };
  }

  /** {a..e} (single chars, either order) or {m..n} (integers), else undefined. */
  range(body: string): Node | undefined {
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
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
    const items = Math.abs(a - b) + 1;
    if (this.rangeItems + items > MAX_RANGE_ITEMS) return undefined;
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

export function parseGlob(pattern: string): ParsedGlob {
  let start = 0;
  while (pattern[start] === '!') start++;
  const parser = new Parser(pattern);
  return { negated: start % 2 === 1, nodes: parser.sequence(start, pattern.length) };
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

  constructor(pattern: string, maxStates?: number) {
    const parsed = parseGlob(pattern);
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
 * What is wrong with a glob typed as a key filter, or null when nothing is:
 * an unclosed '[' or '{', a reversed range ('[z-a]') or a trailing '\'.
 * The matcher reads such a pattern leniently (a '[' without its ']' is
 * literal, a reversed range holds nothing), so it would match nothing, or
 * not what was meant, without saying why; the key filter refuses it
 * instead, naming the problem (escape a literal one: '\[', '\{').
 */
export function globProblem(pattern: string): string | null {
  const p = pattern;
  let i = 0;
  while (p[i] === '!') i++;
  const braces: number[] = [];
  while (i < p.length) {
    const ch = p[i]!;
    if (ch === '\\') {
      if (i + 1 >= p.length) return `a trailing \\ escapes nothing (write \\\\ for a backslash)`;
      i += 2;
    } else if (ch === '[') {
      const end = bracketEnd(p, i);
      if (typeof end === 'string') return end;
      i = end;
    } else if (ch === '{') {
      braces.push(i);
      i++;
    } else if (ch === '}') {
      braces.pop(); // a '}' with no '{' is literal
      i++;
    } else {
      i++;
    }
  }
  if (braces.length > 0) return `the { at position ${braces[0]! + 1} is never closed (write \\{ for a literal one)`;
  return null;
}

/** The index after the ']' closing the class at p[at] === '[' (the parser's reading of it), or what is wrong with it. */
function bracketEnd(p: string, at: number): number | string {
  let i = at + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  const read = (k: number): [string, number] => (p[k] === '\\' && k + 1 < p.length ? [p[k + 1]!, k + 2] : [p[k]!, k + 1]);
  for (let first = true; i < p.length; first = false) {
    const ch = p[i]!;
    if (ch === ']' && !first) return i + 1;
    if (ch === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close > 0 && POSIX[p.slice(i + 2, close)] !== undefined) {
        i = close + 2;
        continue;
      }
    }
    const [lo, next] = read(i);
    if (p[next] === '-' && next + 1 < p.length && p[next + 1] !== ']') {
      const [hi, after] = read(next + 1);
      if (hi.charCodeAt(0) < lo.charCodeAt(0)) return `the range ${lo}-${hi} is reversed (write ${hi}-${lo})`;
      i = after;
    } else {
      i = next;
    }
  }
  return `the [ at position ${at + 1} is never closed (write \\[ for a literal one)`;
}
