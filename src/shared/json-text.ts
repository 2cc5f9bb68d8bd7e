/**
 * JSON for the value views without JSON.parse / JSON.stringify: those turn
 * 12345678901234567890 into 12345678901234567000, 1e400 into null, 1.0 into 1,
 * and keep only the last of two equal keys. Here the text is checked and
 * re-indented token by token, and every string and number keeps the exact
 * text it has in the value; nothing is dropped. What JSON.parse would change
 * is reported as notes, so the views can say so.
 */

export interface JsonNotes {
  /** Number literals a JavaScript number cannot hold exactly (as written). */
  inexactNumbers: string[];
  /** Keys that occur twice or more in one object (as written, escaped). */
  duplicateKeys: string[];
}

/**
 * ok: the text is JSON. `text` is it re-indented, or, when `indented` is false, the source as it stands: valid
 * JSON nested so deeply (`depth` levels) that its indented text would be too large to build and show.
 */
export type JsonResult = { ok: true; text: string; notes: JsonNotes; indented: boolean; depth: number } | { ok: false; error: string };

/** At most this many characters of indented text are built; deeper nesting than that allows is shown as stored. */
export const INDENTED_CHARS_MAX = 32 * 1024 * 1024;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** Whether JSON.parse reads this number literal as a double that prints back to the same number. */
function isExact(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  if (value === 0) return !/[1-9]/.test(literal.replace(/[eE].*$/, '')); // 1e-400 underflows to 0
  // Compare digits: the literal's significant digits against the shortest round-trip digits of the double.
  return significand(literal) === significand(String(value));
}

/** The significant digits and decimal exponent of a number literal, normalized ("1.50e2" and "150" agree). */
function significand(literal: string): string {
  const m = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return literal;
  const intPart = m[1] ?? '';
  const frac = m[2] ?? '';
  let digits = intPart + frac;
  let exponent = Number(m[3] ?? 0) + intPart.length;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  exponent -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return '0';
  return `${literal.startsWith('-') ? '-' : ''}${digits}e${exponent}`;
}

/**
 * Checks `source` as JSON and re-indents it by `indent` spaces, keeping every token's text. Iterative (an explicit
 * stack, no recursion), so any depth of nesting is checked; when the indented text would pass `maxChars`
 * characters (deep nesting: its indentation grows with the square of the depth), the source is kept as it is.
 */
export function formatJson(source: string, indent = 2, maxChars = INDENTED_CHARS_MAX): JsonResult {
  const steps = formatJsonSteps(source, indent, maxChars);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Values read between two yields of formatJsonSteps. */
const VALUES_A_STEP = 4096;

/**
 * formatJson as a generator that yields every few thousand values (the yields carry nothing), so a large value can
 * be formatted in slices (runSliced) rather than in one long task.
 */
export function* formatJsonSteps(source: string, indent = 2, maxChars = INDENTED_CHARS_MAX): Generator<void, JsonResult, void> {
  let pos = 0;
  let out: string[] = [];
  /** Joined pieces of `out`, one a step, so no array of millions of tokens is joined at the end. */
  let parts: string[] = [];
  let turns = 0;
  let outChars = 0;
  let indented = true;
  let depth = 0;
  const notes: JsonNotes = { inexactNumbers: [], duplicateKeys: [] };
  /** The open objects and arrays, innermost last: an object's keys seen so far, null for an array. */
  const stack: (Set<string> | null)[] = [];

  /** Past the budget: stop building the indented text (the source is shown as it is). */
  const tooLarge = (chars: number): boolean => {
    if (outChars + chars <= maxChars) return false;
    indented = false;
    out = [];
    parts = [];
    return true;
  };
  const emit = (text: string) => {
    if (!indented || tooLarge(text.length)) return;
    outChars += text.length;
    out.push(text);
  };
  const newline = (level: number) => {
    if (indented && !tooLarge(1 + level * indent)) emit('\n' + ' '.repeat(level * indent));
  };
  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(source);
    pos = WHITESPACE.lastIndex;
  };
  const fail = (what: string): never => {
    const found = pos < source.length ? `“${source.slice(pos, pos + 12)}”` : 'the end of the text';
    let line = 1;
    for (let i = source.indexOf('\n'); i !== -1 && i < pos; i = source.indexOf('\n', i + 1)) line++;
    throw new SyntaxError(`expected ${what} at line ${line} (offset ${pos}), found ${found}`);
  };
  const match = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(source);
    if (!m) return null;
    pos = re.lastIndex;
    return m[0];
  };
  /** An object member's key and colon, at the current level. */
  const memberKey = (seen: Set<string>) => {
    skip();
    const key = match(STRING) ?? fail('a string key');
    if (seen.has(key)) {
      if (!notes.duplicateKeys.includes(key)) notes.duplicateKeys.push(key);
    } else seen.add(key);
    newline(stack.length);
    emit(key);
    skip();
    if (source[pos] !== ':') fail('“:”');
    pos++;
    emit(': ');
  };
  /** A scalar value at `pos` (a string, literal or number). */
  const scalar = () => {
    if (source[pos] === '"') return emit(match(STRING) ?? fail('a valid string'));
    for (const literal of ['true', 'false', 'null']) {
      if (source.startsWith(literal, pos)) {
        pos += literal.length;
        return emit(literal);
      }
    }
    const number = match(NUMBER);
    if (number === null) return fail('a value');
    if (!isExact(number) && !notes.inexactNumbers.includes(number)) notes.inexactNumbers.push(number);
    emit(number);
  };

  try {
    // Each turn reads one value; an opened object or array goes on the stack, and its members are read by later turns.
    value: for (;;) {
      if (++turns >= VALUES_A_STEP) {
        turns = 0;
        if (out.length > 0) parts.push(out.join(''));
        out = [];
        yield;
      }
      skip();
      const c = source[pos];
      if (c === '{' || c === '[') {
        const close = c === '{' ? '}' : ']';
        pos++;
        skip();
        if (source[pos] === close) {
          pos++;
          emit(c + close);
          depth = Math.max(depth, stack.length + 1);
        } else {
          emit(c);
          const seen = c === '{' ? new Set<string>() : null;
          stack.push(seen);
          depth = Math.max(depth, stack.length);
          if (seen) memberKey(seen);
          else newline(stack.length);
          continue value;
        }
      } else scalar();
      // A value ended: a comma goes on to the next member, a close ends the container (and so a value of the one around it).
      for (;;) {
        const seen = stack.at(-1);
        if (seen === undefined) break value;
        const close = seen ? '}' : ']';
        skip();
        if (source[pos] === ',') {
          pos++;
          emit(',');
          if (seen) memberKey(seen);
          else newline(stack.length);
          continue value;
        }
        if (source[pos] !== close) fail(`“,” or “${close}”`);
        pos++;
        stack.pop();
        newline(stack.length);
        emit(close);
      }
    }
    skip();
    if (pos < source.length) fail('the end of the text');
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (indented) parts.push(out.join(''));
  return indented ? { ok: true, text: parts.join(''), notes, indented, depth } : { ok: true, text: source, notes, indented, depth };
}
