/**
 * The words of a REPL line, split the way a POSIX shell splits a command's
 * words, and nothing more:
 *   - spaces and tabs separate words;
 *   - '...' keeps everything between the quotes as it is, a backslash too;
 *   - "..." keeps everything between the quotes, except that \" and \\ stand
 *     for " and \ (a backslash before any other character stays, as in sh);
 *   - outside quotes a backslash makes the next character part of the word
 *     (`\ ` a space, `\"` a quote, `\\` a backslash);
 *   - parts next to each other make one word (`a"b c"d` is `ab cd`), and `""`
 *     is an empty word.
 * None of a shell's expansions: `$`, `*`, `~`, `#`, `|`, `;`, `>` are
 * ordinary characters of a key. An unterminated quote, or a backslash that
 * ends the line, is an error that says where, never a guess.
 *
 * Not a library: shell-quote reads `a|b` as a pipe, `a*b` as a glob, `$x` as
 * an (empty) variable and `#` as a comment, and takes an unterminated quote
 * as if it were closed; shellwords treats backslashes inside single quotes
 * and `\n` inside double quotes unlike sh.
 */

export class LineSyntaxError extends Error {}

const BLANK = /[ \t]/;

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  /** Whether a word has begun (so that `""` makes an empty one). */
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new LineSyntaxError(`unterminated ' quote at column ${i + 1} (close it with ')`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new LineSyntaxError(`unterminated " quote at column ${start + 1} (close it with ")`);
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new LineSyntaxError('the line ends with a backslash, which escapes nothing (write \\\\ for a backslash)');
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
