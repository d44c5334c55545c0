/**
 * Checks an inventory's JSON before JSON.parse sees it, for two reasons. JSON.parse's own messages quote
 * the text around the error (`Unexpected token 'P', "password": Pw-LE"... is not valid JSON`), which in
 * an inventory can be a password typed without quotes; and a file nested thousands of levels deep parses
 * but overflows the stack of whatever walks it next. The problem found here names a position and the
 * class of character found there (a letter, a digit, `}`), never the file's text.
 */

/** Deeper than any inventory needs (the schema's deepest path is 5 levels), shallow enough for every walker. */
export const MAX_JSON_DEPTH = 32;

export interface JsonSyntaxProblem {
  /** Character offset of the problem. */
  offset: number;
  expected: string;
  found: string;
}

class Refused extends Error {
  constructor(readonly problem: JsonSyntaxProblem) {
    super('refused');
  }
}

const STRUCTURAL = new Set(['{', '}', '[', ']', ',', ':']);

/** What stands at an offset, in words that cannot carry a secret. */
function describeFound(text: string, at: number): string {
  if (at >= text.length) return 'the end of the file';
  const c = text[at]!;
  if (STRUCTURAL.has(c)) return `'${c}'`;
  if (c === '"') return 'a double quote';
  if (c === "'") return "a single quote (JSON strings take double quotes)";
  if (/\p{L}/u.test(c)) return 'a letter';
  if (/\d/.test(c)) return 'a digit';
  if (/\s/.test(c)) return 'white space';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(c)) return 'a control character';
  return 'a symbol';
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SIMPLE_ESCAPES = '"\\/bfnrt';

class Scanner {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  check(): void {
    this.value(0);
    this.space();
    if (this.at < this.text.length) this.fail('the end of the file after the top-level object');
  }

  private fail(expected: string): never {
    throw new Refused({ offset: this.at, expected, found: describeFound(this.text, this.at) });
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private value(depth: number): void {
    this.space();
    const c = this.text[this.at];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) this.fail(`at most ${this.maxDepth} levels of nesting`);
      this.at++;
      if (c === '{') this.members(depth + 1);
      else this.elements(depth + 1);
    } else if (c === '"') {
      this.string();
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.at;
      if (!NUMBER.test(this.text)) this.fail('a number');
      this.at = NUMBER.lastIndex;
    } else {
      for (const word of ['true', 'false', 'null']) {
        if (this.text.startsWith(word, this.at)) {
          this.at += word.length;
          return;
        }
      }
      this.fail('a value (an object, array, "string", number, true, false or null)');
    }
  }

  private members(depth: number): void {
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('a key in double quotes');
      this.string();
      this.space();
      if (this.text[this.at] !== ':') this.fail("':' after the key");
      this.at++;
      this.value(depth);
      this.space();
      const next = this.text[this.at];
      this.at++;
      if (next === '}') return;
      if (next !== ',') {
        this.at--;
        this.fail("',' or '}' after the value");
      }
    }
  }

  private elements(depth: number): void {
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.value(depth);
      this.space();
      const next = this.text[this.at];
      this.at++;
      if (next === ']') return;
      if (next !== ',') {
        this.at--;
        this.fail("',' or ']' after the value");
      }
    }
  }

  private string(): void {
    this.at++;
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail('the closing double quote of a string');
      if (c === '"') {
        this.at++;
        return;
      }
      if (c === '\\') {
        const next = this.text[this.at + 1];
        if (next !== undefined && SIMPLE_ESCAPES.includes(next)) this.at += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) this.at += 6;
        else this.fail('an escape such as \\n, \\" or \\u00e9 after the backslash');
      } else if (c < ' ') {
        this.fail('no control character inside a string (write a line break as \\n)');
      } else {
        this.at++;
      }
    }
  }
}

/** The first syntax problem in the text, or null when JSON.parse will accept it and the nesting is bounded. */
export function checkJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonSyntaxProblem | null {
  try {
    new Scanner(text, maxDepth).check();
    return null;
  } catch (error) {
    if (error instanceof Refused) return error.problem;
    throw error;
  }
}
