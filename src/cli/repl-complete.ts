/**
 * Tab completion of an interactive `kvscope repl` line (readline's
 * completer): a command name as the first word; a key of the store as the
 * key of get, delete/del, history and set (its first word only: the rest is
 * the value).
 *
 * Keys are found by prefix the way `kvscope list --prefix` finds them: a
 * native store's keydir answers a bounded prefix query (Store.scanKeys with
 * a limit: only the prefix's keys are looked at), another engine's store
 * binary-searches its sorted keys. At most MAX_KEY_CANDIDATES are offered;
 * when more keys match, what all of them share is completed (the first and
 * the last in key order tell it), and the list shown ends with a note to
 * type more of the key.
 *
 * A candidate is the word as typed so far, followed by the rest of the key
 * written the way the REPL's word splitter (repl-words.ts) reads it back in
 * the quoting the word is in: outside quotes a blank, quote or backslash is
 * escaped with a backslash (`my\ key`); inside "..." a `"` or `\` is; inside
 * '...' a `'` is written '\''. A single candidate closes its quote and is
 * followed by a space, as a shell completes.
 *
 * With --key-hex a key is its hex bytes (lower case; what was typed is kept
 * as typed). As text, a key is offered only when it can be typed: valid
 * UTF-8 with no control character (the others need --key-hex).
 */
import { isUtf8 } from 'node:buffer';
import type { OpenedStore } from '../engine/open.js';
import { keyFromString } from '../engine/keys.js';
import { lowerBound, prefixSuccessor, StringKeyList } from '../engine/key-list.js';
import { splitPartialLine, type PartialLine } from './repl-words.js';

/** The REPL's commands, as Tab offers them. */
export const REPL_COMMANDS: readonly string[] = ['set', 'get', 'delete', 'del', 'list', 'history', 'compact', 'verify', 'stats', 'help', 'quit', 'exit'];

/** The commands whose first argument is a key. */
const KEY_COMMANDS = new Set(['set', 'get', 'delete', 'del', 'history']);

/** The most keys one Tab offers. */
export const MAX_KEY_CANDIDATES = 100;

/**
 * The last entry of a list cut at MAX_KEY_CANDIDATES. It begins with a space, which no candidate does (a blank
 * of a key is escaped or quoted), so that readline, which inserts what all entries share, inserts nothing
 * the first 100 keys share but the others may not; the '' before it puts it on a line of its own.
 */
export const MORE_KEYS_NOTE = ' … more keys match: type more of the key';

export interface CompleterOptions {
  keyHex?: boolean;
  /** At most this many keys (MAX_KEY_CANDIDATES). */
  maxKeys?: number;
}

/** readline's completer: the line up to the cursor in, [candidates, the text they replace] out. */
export function replCompleter(opened: OpenedStore, opts: CompleterOptions = {}): (line: string) => [string[], string] {
  return (line) => {
    try {
      return complete(opened, line, opts);
    } catch {
      // A store that cannot answer (closed, damaged under it) completes nothing: Tab must not end the session.
      return [[], line];
    }
  };
}

export function complete(opened: OpenedStore, line: string, opts: CompleterOptions = {}): [string[], string] {
  const { words, current } = splitPartialLine(line);
  const typed = line.slice(current.start);
  if (words.length === 0) {
    if (current.open !== undefined) return [[], typed];
    const names = REPL_COMMANDS.filter((name) => name.startsWith(current.text.toLowerCase()));
    return [names.length === 1 ? [`${names[0]} `] : names, typed];
  }
  if (words.length !== 1 || !KEY_COMMANDS.has(words[0]!.toLowerCase())) return [[], typed];
  return completeKey(opened, current, typed, opts);
}

function completeKey(opened: OpenedStore, current: PartialLine['current'], typed: string, opts: CompleterOptions): [string[], string] {
  const max = opts.maxKeys ?? MAX_KEY_CANDIDATES;
  const hex = opts.keyHex ?? false;
  let range: ByteRange;
  if (hex) {
    if (!/^[0-9a-f]*$/i.test(current.text)) return [[], typed];
    range = hexRange(current.text);
  } else {
    range = { prefix: Buffer.from(current.text, 'utf8') };
  }
  const found = keysIn(opened, range, max);
  // A key as the word reads it: its hex, or its text (undefined: it cannot be typed as text).
  const spelled = (key: Buffer): string | undefined => (hex ? key.toString('hex') : typable(key) ? key.toString('utf8') : undefined);
  // After a backslash that ends the line, a key must go on: the backslash escapes its next character.
  const match = (text: string): boolean =>
    (hex ? text.startsWith(current.text.toLowerCase()) : text.startsWith(current.text)) && (current.open !== '\\' || text.length > current.text.length);
  const write = (text: string, close: boolean): string => typed + rest(text.slice(current.text.length), current.open) + (close ? closing(current.open) : '');
  if (found.more) {
    // More keys than are offered: complete what every one of them shares (the first and the last in key order
    // share it). Only when the keys offered share more than was typed is the last one looked up: what they
    // all share is no longer than that.
    const sharedBy = (a: Buffer, b: Buffer): string => (hex ? commonPrefix(a.toString('hex'), b.toString('hex')) : typablePrefix(commonBytes(a, b)));
    const extendsTyped = (shared: string): boolean => shared.length > current.text.length && match(shared);
    if (extendsTyped(sharedBy(found.keys[0]!, found.keys.at(-1)!))) {
      const shared = sharedBy(found.keys[0]!, found.last());
      if (extendsTyped(shared)) return [[write(shared, false)], typed];
    }
  }
  const texts: string[] = [];
  for (const key of found.keys) {
    const text = spelled(key);
    if (text !== undefined && match(text)) texts.push(text);
  }
  if (!found.more && texts.length === 1) return [[`${write(texts[0]!, true)} `], typed];
  const candidates = texts.map((text) => write(text, true));
  return [found.more ? [...candidates, '', MORE_KEYS_NOTE] : candidates, typed];
}

/** The keys to look at: those starting with `prefix`, and within [start, end) when given. */
interface ByteRange {
  prefix: Buffer;
  start?: Buffer;
  end?: Buffer;
}

/** Hex digits typed so far: their whole bytes are a prefix, and an odd last digit narrows it to 16 byte values. */
function hexRange(digits: string): ByteRange {
  const whole = digits.length - (digits.length % 2);
  const prefix = Buffer.from(digits.slice(0, whole), 'hex');
  if (whole === digits.length) return { prefix };
  const nibble = parseInt(digits[whole]!, 16);
  const start = Buffer.concat([prefix, Buffer.from([nibble << 4])]);
  const end = nibble === 15 ? prefixSuccessor(prefix) : Buffer.concat([prefix, Buffer.from([(nibble + 1) << 4])]);
  return { prefix, start, ...(end ? { end } : {}) };
}

/** The first `max` keys of the range in key order; whether there are more, and then `last()`, the range's last key. */
function keysIn(opened: OpenedStore, range: ByteRange, max: number): { keys: Buffer[]; more: boolean; last: () => Buffer } {
  if (opened.native) {
    const native = opened.native;
    // An empty prefix is no prefix: scanKeys then picks the smallest keys in one pass rather than sorting them all.
    const bounds = { ...(range.prefix.length > 0 ? { prefix: range.prefix } : {}), ...(range.start ? { start: range.start } : {}), ...(range.end ? { end: range.end } : {}) };
    const keys = native.scanKeys({ ...bounds, limit: max + 1 }).map(keyFromString);
    const more = keys.length > max;
    return { keys: more ? keys.slice(0, max) : keys, more, last: () => keyFromString(native.scanKeys({ ...bounds, reverse: true, limit: 1 })[0]!) };
  }
  const store = opened.store;
  const list = store.sortedKeyList?.() ?? new StringKeyList(store.sortedKeys());
  const lo = lowerBound(list, range.start ?? range.prefix);
  const end = range.end ?? prefixSuccessor(range.prefix);
  const hi = end === undefined ? list.length : lowerBound(list, end, lo);
  const keys: Buffer[] = [];
  for (let i = lo; i < hi && i < lo + max; i++) keys.push(keyFromString(list.keyAt(i)));
  return { keys, more: hi - lo > max, last: () => keyFromString(list.keyAt(hi - 1)) };
}

/** Bytes that type as text: UTF-8 with no control character (U+0000–U+001F, U+007F). */
function typable(key: Buffer): boolean {
  for (const b of key) if (b < 0x20 || b === 0x7f) return false;
  return isUtf8(key);
}

/** The longest start of `bytes` that types as text. */
function typablePrefix(bytes: Buffer): string {
  let end = bytes.findIndex((b) => b < 0x20 || b === 0x7f);
  if (end < 0) end = bytes.length;
  while (end > 0 && !isUtf8(bytes.subarray(0, end))) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function commonBytes(a: Buffer, b: Buffer): Buffer {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.subarray(0, n);
}

function commonPrefix(a: string, b: string): string {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

/** `text` written to go on a word in the state `open`, so that the splitter reads it back as it is. */
function rest(text: string, open: PartialLine['current']['open']): string {
  switch (open) {
    case '"':
      return text.replace(/["\\]/g, '\\$&');
    case "'":
      return text.replaceAll("'", "'\\''");
    case '\\':
      // The backslash typed last escapes the next character, whatever it is.
      return text.length === 0 ? '' : text[0]! + rest(text.slice(1), undefined);
    default:
      return text.replace(/[ \t'"\\]/g, '\\$&');
  }
}

function closing(open: PartialLine['current']['open']): string {
  return open === '"' || open === "'" ? open : '';
}
