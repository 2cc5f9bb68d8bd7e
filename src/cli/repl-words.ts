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
  const { words, current } = scanWords(line, false);
  if (current.begun) words.push(current.text);
  return words;
}

/**
 * A line as typed so far (Tab completion): the words before the last one,
 * and the last one, which may still be open. `start` is where its text
 * begins in the line (the line's length when no word has begun: the line is
 * empty or ends with a blank); `text` is what it reads as so far; `open` is
 * the quote it is inside (a `"` or `'` not closed yet), or a backslash that
 * ends the line, waiting for the character it escapes.
 */
export interface PartialLine {
  words: string[];
  current: { start: number; text: string; begun: boolean; open: '"' | "'" | '\\' | undefined };
}

/** splitWords for a line still being typed: never an error, the last word's state said instead (PartialLine). */
export function splitPartialLine(line: string): PartialLine {
  return scanWords(line, true);
}

function scanWords(line: string, partial: boolean): PartialLine {
  const words: string[] = [];
  let word = '';
  /** Whether a word has begun (so that `""` makes an empty one), and where. */
  let inWord = false;
  let start = line.length;
  const ended = (open: '"' | "'" | '\\', text: string): PartialLine => ({ words, current: { start, text, begun: true, open } });
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    if (!inWord) start = i;
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) {
        if (partial) return ended("'", word + line.slice(i + 1));
        throw new LineSyntaxError(`unterminated ' quote at column ${i + 1} (close it with ')`);
      }
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const quoteAt = i;
      i++;
      for (;;) {
        if (i >= line.length) {
          if (partial) return ended('"', word);
          throw new LineSyntaxError(`unterminated " quote at column ${quoteAt + 1} (close it with ")`);
        }
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
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) {
        if (partial) return ended('\\', word);
        throw new LineSyntaxError('the line ends with a backslash, which escapes nothing (write \\\\ for a backslash)');
      }
      word += line[i + 1];
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  return { words, current: inWord ? { start, text: word, begun: true, open: undefined } : { start: line.length, text: '', begun: false, open: undefined } };
}
