/**
 * Just enough T-SQL for the statements an operator's console sends: a tokenizer that respects
 * [bracketed]] identifiers], N'quoted'' strings', comments and @variables, and statement splitting.
 */
export type Tok = (
  | { t: 'word'; v: string; upper: string }
  | { t: 'ident'; v: string }
  /** `unicode`: an N'...' literal (nvarchar), else varchar. */
  | { t: 'string'; v: string; unicode?: boolean }
  | { t: 'number'; v: string }
  | { t: 'var'; v: string }
  | { t: 'punct'; v: string }
) & {
  /** The line of the batch the token starts on, counted from 1 as SQL Server's messages count it. */
  line?: number;
};

export class TsqlSyntaxError extends Error {
  constructor(readonly near: string) {
    super(`Incorrect syntax near '${near}'.`);
  }
}

export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  let line = 1;
  let counted = 0;
  let tokenStart = 0;
  const push = (tok: Tok): void => {
    // Lines are counted lazily, up to where each token starts.
    for (; counted < tokenStart; counted++) if (text.charCodeAt(counted) === 10) line++;
    tok.line = line;
    out.push(tok);
  };
  while (i < n) {
    const c = text[i]!;
    tokenStart = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === '[') {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw new TsqlSyntaxError(v);
        if (text[i] === ']') {
          if (text[i + 1] === ']') {
            v += ']';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      push({ t: 'ident', v });
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) throw new TsqlSyntaxError(text.slice(i));
      push({ t: 'ident', v: text.slice(i + 1, end) });
      i = end + 1;
    } else if (c === "'" || ((c === 'N' || c === 'n') && text[i + 1] === "'")) {
      const unicode = c !== "'";
      i += unicode ? 2 : 1;
      let v = '';
      for (;;) {
        if (i >= n) throw new TsqlSyntaxError(v);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      push({ t: 'string', v, unicode });
    } else if (c === '@') {
      const m = /^@@?[\p{L}\p{N}_#$@]+/u.exec(text.slice(i));
      if (!m) throw new TsqlSyntaxError('@');
      push({ t: 'var', v: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i))!;
      push({ t: 'number', v: m[0] });
      i += m[0].length;
    } else if (/[\p{L}_#]/u.test(c)) {
      const m = /^[\p{L}\p{N}_#$@]+/u.exec(text.slice(i))!;
      push({ t: 'word', v: m[0], upper: m[0].toUpperCase() });
      i += m[0].length;
    } else {
      push({ t: 'punct', v: c });
      i++;
    }
  }
  return out;
}

/** Splits tokens into statements at `;` and at keywords that begin a statement. */
const STATEMENT_STARTS = new Set(['SELECT', 'SET', 'BACKUP', 'RESTORE', 'ALTER', 'USE', 'EXEC', 'EXECUTE', 'DECLARE', 'PRINT', 'IF', 'WAITFOR', 'KILL', 'CHECKPOINT', 'DBCC', 'DROP']);

export function splitStatements(tokens: readonly Tok[]): Tok[][] {
  const statements: Tok[][] = [];
  let current: Tok[] = [];
  let depth = 0;
  for (const tok of tokens) {
    if (tok.t === 'punct' && tok.v === '(') depth++;
    if (tok.t === 'punct' && tok.v === ')') depth--;
    if (tok.t === 'punct' && tok.v === ';' && depth === 0) {
      if (current.length) statements.push(current);
      current = [];
      continue;
    }
    // "SET" inside ALTER DATABASE ... SET and inside UPDATE is not a new statement.
    const startsNew =
      tok.t === 'word' &&
      depth === 0 &&
      STATEMENT_STARTS.has(tok.upper) &&
      current.length > 0 &&
      !(tok.upper === 'SET' && current.some((x) => x.t === 'word' && (x.upper === 'ALTER' || x.upper === 'UPDATE')));
    if (startsNew) {
      statements.push(current);
      current = [];
    }
    current.push(tok);
  }
  if (current.length) statements.push(current);
  return statements;
}

/** A cursor over one statement's tokens. */
export class Cursor {
  i = 0;
  constructor(
    readonly toks: readonly Tok[],
    private readonly params: ReadonlyMap<string, unknown> = new Map(),
  ) {}
  peek(offset = 0): Tok | undefined {
    return this.toks[this.i + offset];
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new TsqlSyntaxError(this.toks.at(-1)?.v ?? '');
    return t;
  }
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t?.t === 'word' && words.includes(t.upper);
  }
  acceptWord(...words: string[]): string | null {
    if (this.isWord(...words)) return (this.next() as { upper: string }).upper;
    return null;
  }
  expectWord(...words: string[]): string {
    const got = this.acceptWord(...words);
    if (got === null) throw new TsqlSyntaxError(this.peek()?.v ?? '');
    return got;
  }
  acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t?.t === 'punct' && t.v === p) {
      this.i++;
      return true;
    }
    return false;
  }
  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw new TsqlSyntaxError(this.peek()?.v ?? '');
  }
  /** A name: [bracketed], "quoted", a plain word, or a variable holding it. */
  name(): string {
    const t = this.next();
    if (t.t === 'ident' || t.t === 'word') return t.v;
    if (t.t === 'var') return String(this.variable(t.v));
    throw new TsqlSyntaxError(t.v);
  }
  /** A value: string, number or variable. */
  value(): string {
    const t = this.next();
    if (t.t === 'string' || t.t === 'number') return t.v;
    if (t.t === 'var') return String(this.variable(t.v));
    throw new TsqlSyntaxError(t.v);
  }
  variable(name: string): unknown {
    const key = name.toLowerCase();
    if (!this.params.has(key)) throw new UndeclaredVariable(name);
    return this.params.get(key);
  }
}

export class UndeclaredVariable extends Error {
  constructor(readonly variableName: string) {
    super(`Must declare the scalar variable "${variableName}".`);
  }
}
