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

export type JsonResult = { ok: true; text: string; notes: JsonNotes } | { ok: false; error: string };

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

/** Checks `source` as JSON and re-indents it by `indent` spaces, keeping every token's text. */
export function formatJson(source: string, indent = 2): JsonResult {
  let pos = 0;
  const out: string[] = [];
  const notes: JsonNotes = { inexactNumbers: [], duplicateKeys: [] };
  const pad = (depth: number) => '\n' + ' '.repeat(depth * indent);

  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(source);
    pos = WHITESPACE.lastIndex;
  };
  const fail = (what: string): never => {
    const found = pos < source.length ? `“${source.slice(pos, pos + 12)}”` : 'the end of the text';
    const line = source.slice(0, pos).split('\n').length;
    throw new SyntaxError(`expected ${what} at line ${line} (offset ${pos}), found ${found}`);
  };
  const match = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(source);
    if (!m) return null;
    pos = re.lastIndex;
    return m[0];
  };

  /** After a member of an object or array: true at a comma (another follows), false at its close (written). */
  const goesOn = (depth: number, close: '}' | ']'): boolean => {
    skip();
    if (source[pos] === ',') {
      pos++;
      out.push(',');
      return true;
    }
    if (source[pos] !== close) fail(`“,” or “${close}”`);
    pos++;
    out.push(pad(depth), close);
    return false;
  };

  const value = (depth: number): void => {
    skip();
    const c = source[pos];
    if (c === '{') {
      pos++;
      skip();
      if (source[pos] === '}') {
        pos++;
        out.push('{}');
        return;
      }
      out.push('{');
      const seen = new Set<string>();
      for (;;) {
        skip();
        const key = match(STRING) ?? fail('a string key');
        if (seen.has(key)) {
          if (!notes.duplicateKeys.includes(key)) notes.duplicateKeys.push(key);
        } else seen.add(key);
        out.push(pad(depth + 1), key);
        skip();
        if (source[pos] !== ':') fail('“:”');
        pos++;
        out.push(': ');
        value(depth + 1);
        if (!goesOn(depth, '}')) return;
      }
    }
    if (c === '[') {
      pos++;
      skip();
      if (source[pos] === ']') {
        pos++;
        out.push('[]');
        return;
      }
      out.push('[');
      for (;;) {
        out.push(pad(depth + 1));
        value(depth + 1);
        if (!goesOn(depth, ']')) return;
      }
    }
    if (c === '"') {
      out.push(match(STRING) ?? fail('a valid string'));
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (source.startsWith(literal, pos)) {
        pos += literal.length;
        out.push(literal);
        return;
      }
    }
    const number = match(NUMBER);
    if (number === null) return fail('a value');
    if (!isExact(number) && !notes.inexactNumbers.includes(number)) notes.inexactNumbers.push(number);
    out.push(number);
  };

  try {
    value(0);
    skip();
    if (pos < source.length) fail('the end of the text');
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, text: out.join(''), notes };
}
