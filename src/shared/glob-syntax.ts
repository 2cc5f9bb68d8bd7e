/**
 * The key filter's glob syntax as the inspector shows it, beside the filter.
 * inspector/glob.ts reads the syntax (one parse for matching and for
 * refusing a malformed pattern); this says the same in short, and
 * test/inspector/glob-syntax.test.ts checks that every example here is read
 * as it says and every refused one is refused.
 */

export interface GlobSyntaxEntry {
  /** Patterns showing the syntax, as typed in the filter. */
  readonly examples: readonly string[];
  readonly meaning: string;
}

export const GLOB_SYNTAX: readonly GlobSyntaxEntry[] = [
  { examples: ['*'], meaning: "any run of bytes, the empty one too; '/' is a byte like any other" },
  { examples: ['?'], meaning: 'any one byte (a character outside ASCII is several)' },
  { examples: ['[abc]', '[a-z]'], meaning: 'one byte of the set (ASCII only: for é or è, write {é,è})' },
  { examples: ['[!a-z]', '[^a-z]'], meaning: 'one byte not in the set' },
  { examples: ['[]a]', '[a-]'], meaning: "a ']' first, or a '-' first or last, is one of the set" },
  { examples: ['[[:digit:]]'], meaning: 'a POSIX class: alnum alpha digit lower upper space punct xdigit …' },
  { examples: ['{a,b}', 'a{,s}'], meaning: 'any one of the alternatives, each a glob' },
  { examples: ['{a..e}', '{1..12}'], meaning: 'a range of characters or of numbers ({01..12}: zero-padded)' },
  { examples: ['{a}'], meaning: 'braces with neither a comma nor a range are literal text' },
  { examples: ['\\[', '\\{', '\\*', '\\\\'], meaning: 'a backslash makes the next character literal' },
  { examples: ['!user:*'], meaning: "at the start, '!': the keys that do not match" },
];

/** Patterns refused as malformed (the filter says why), never read some other way: what the list below says. */
export const GLOB_REFUSED_EXAMPLES: readonly string[] = ['[', '[]', '{a,b', '[z-a]', 'a\\', '{1..5000}', '[é]'];

export const GLOB_REFUSED =
  "Refused, saying why: a '[' or '{' never closed ('[', '[]', '{a,b'; write \\[ or \\{ for a literal one), a reversed range ('[z-a]'), a '\\' at the end, a {m..n} past 1,000 numbers, a class holding a character outside ASCII ('[é]').";

/** One line, for the filter field's tooltip. */
export const GLOB_SUMMARY = "glob: * any run, ? one byte, [a-z] [!a-z] one byte, {a,b} either, {1..12} a range, \\ escapes, a leading ! negates";
