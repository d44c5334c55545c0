import type { SqlType } from '../tds/types.js';

/**
 * The T-SQL SELECT the simulator evaluates, as parsed from the text it is sent. Every node that names
 * something keeps the line it stood on, because SQL Server's 207 and 208 messages carry it.
 */
export type Expr =
  | { k: 'literal'; value: string | number | null; type: SqlType; line: number }
  | { k: 'var'; name: string; line: number }
  | { k: 'column'; parts: string[]; line: number }
  | { k: 'unary'; op: '-' | 'NOT'; arg: Expr; line: number }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr; line: number }
  | { k: 'isnull'; arg: Expr; not: boolean; line: number }
  | { k: 'in'; arg: Expr; list: Expr[] | Select; not: boolean; line: number }
  | { k: 'like'; arg: Expr; pattern: Expr; not: boolean; line: number }
  | { k: 'between'; arg: Expr; low: Expr; high: Expr; not: boolean; line: number }
  | { k: 'exists'; query: Select; line: number }
  | { k: 'subquery'; query: Select; line: number }
  | { k: 'case'; operand: Expr | null; whens: { when: Expr; then: Expr }[]; otherwise: Expr | null; line: number }
  | { k: 'cast'; arg: Expr; type: SqlType; line: number }
  /** A function call; `name` holds its parts as written (`sys.fn_x` is ['sys', 'fn_x']), `star` for COUNT(*). */
  | { k: 'call'; name: string[]; args: Expr[]; star: boolean; distinct: boolean; over: Over | null; line: number };

export type BinaryOp = '=' | '<>' | '<' | '>' | '<=' | '>=' | 'AND' | 'OR' | '+' | '-' | '*' | '/' | '%';

export interface Over {
  partitionBy: Expr[];
  orderBy: OrderItem[];
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
}

export type SelectItem =
  | { k: 'star'; qualifier: string | null; line: number }
  | { k: 'expr'; expr: Expr; alias: string | null };

export type Source =
  | { k: 'object'; parts: string[]; alias: string | null; args: Expr[] | null; line: number }
  | { k: 'derived'; query: Select; alias: string; line: number };

export interface Join {
  kind: 'inner' | 'left' | 'right' | 'full' | 'cross' | 'cross apply' | 'outer apply';
  source: Source;
  on: Expr | null;
}

export interface Select {
  distinct: boolean;
  top: Expr | null;
  items: SelectItem[];
  from: { first: Source; joins: Join[] } | null;
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  orderBy: OrderItem[];
  line: number;
}
