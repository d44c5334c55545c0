import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { buildRestorePlan, defaultPlanRequest } from '../../src/actions/plan.js';
import { matchesPattern } from '../../src/config/pattern.js';
import type { JournalEntry } from '../../src/actions/journal.js';
import { hasInvisible, visible } from '../../src/domain/visible.js';
import type { DatabaseSnapshot, FleetSnapshot } from '../../src/fleet/snapshot.js';
import { formatJournal } from '../../src/report/journal.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatPlanSql } from '../../src/report/plan.js';
import { formatTable } from '../../src/report/table.js';
import { quoteName, quoteString, unscriptableName } from '../../src/sql/quote.js';
import { App } from '../../src/ui/App.js';
import { loadTheme } from '../../src/ui/theme.js';
import { HistoryBuilder } from '../domain/history-builder.js';
import { useSimFleet } from '../sim/helpers.js';
import { FIXTURE_NOW, fixtureSnapshot } from '../ui/fixture.js';

/** Names and paths as a hostile server or file could hold them (NUL aside: SQL Server refuses it in names). */
const CORPUS = [
  "Evil\nGO\nBACKUP DATABASE [Payroll] TO DISK = 'NUL'\nGO\n--",
  'a\r\nGO\r\nb',
  'Pay]roll',
  "O'Brien ]]'",
  '--',
  '*/ /*',
  'GO',
  '\x1b]0;pwned\x07',
  '\x1b[2J\x1b[H',
  'abc\u202edcba',
  'tab\there',
  'line\u2028separator',
  'zero\u200bwidth',
  'x'.repeat(128),
  'Ærø Ünïcødé 数据库',
];
const GO_LINE = /^\s*go\s*$/i;

describe('hostile text in T-SQL', () => {
  const { pool } = useSimFleet();

  it('holds any value in a string literal, yet no line of the script is GO or holds a control character', async () => {
    for (const value of CORPUS) {
      const declare = `DECLARE @v nvarchar(260) = ${quoteString(value)};`;
      expect(declare.split(/\r\n|\r|\n/), JSON.stringify(value)).toHaveLength(1);
      expect(hasInvisible(declare), JSON.stringify(value)).toBe(false);
      const back = await pool().request().query(`SELECT ${quoteString(value)} AS v`);
      expect(back.recordset[0].v, JSON.stringify(value)).toBe(value);
    }
  });

  it('refuses to write T-SQL naming a database that could split a script, and quotes every other name', async () => {
    for (const name of CORPUS) {
      const refused = unscriptableName(name);
      if (hasInvisible(name)) {
        expect(refused, JSON.stringify(name)).toContain(visible(name));
        expect(hasInvisible(refused!)).toBe(false);
        continue;
      }
      expect(refused).toBeNull();
      const r = await pool().request().query(`SELECT 1 AS ${quoteName(name)}`);
      expect(Object.keys(r.recordset[0]), JSON.stringify(name)).toEqual([name]);
    }
  });
});

/** A database with a week of history whose backup files msdb records under a hostile path. */
function hostileDatabase(name: string, device: string): DatabaseSnapshot {
  const h = new HistoryBuilder(Date.UTC(2026, 10, 20, 0, 0));
  h.full({ device: `${device}.bak` });
  for (let i = 0; i < 6; i++) h.log({ after: 60, device: `${device}_${i}.trn` });
  const state = { ...h.state(), name };
  return { key: `SQL01/${name}`, instance: 'SQL01', name, state, history: h.rows, assessment: { chain: null } } as unknown as DatabaseSnapshot;
}

describe('the ticket script (rpotop plan --format sql)', () => {
  const header = { instance: 'SQL01', target: 'the latest point', offsetMinutes: 0, generatedAt: Date.UTC(2026, 10, 27) };
  const request = { ...defaultPlanRequest, tailFirst: false };

  it('keeps a hostile path inside its literal and every comment one line: GO only between the steps', () => {
    for (const path of CORPUS.filter((p) => p !== 'x'.repeat(128))) {
      const db = hostileDatabase("Pay]roll 'Q4'", `B:\\Backup\\${path}`);
      const plan = buildRestorePlan(db, request, Date.UTC(2026, 10, 20, 8, 0), 0);
      if (!plan.ok) throw new Error(plan.reason);
      const lines = formatPlanSql(plan, { ...header, database: db.name }).split('\n');
      expect(lines.filter((l) => GO_LINE.test(l)), JSON.stringify(path)).toHaveLength(plan.steps.length);
      for (const line of lines) {
        expect(hasInvisible(line), `${JSON.stringify(path)}: ${JSON.stringify(line)}`).toBe(false);
        expect(line.startsWith('--') || !/BACKUP DATABASE \[Payroll\]/.test(line) || line.startsWith('DECLARE'), line).toBe(true);
      }
    }
  });

  it('is refused for a database whose name could split it, naming it escaped', () => {
    const plan = buildRestorePlan(hostileDatabase(CORPUS[0]!, 'B:\\Backup\\x'), request, Date.UTC(2026, 10, 20, 8, 0), 0);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.reason).toContain('Evil\\nGO\\nBACKUP DATABASE');
  });
});

describe('what reaches a terminal', () => {
  const now = FIXTURE_NOW;
  const base = fixtureSnapshot(now);
  const hostile = (name: string): FleetSnapshot => ({
    ...base,
    fleet: `fleet\x1b]0;pwned\x07`,
    databases: base.databases.map((d, i) =>
      i === 0 ? { ...d, name, key: `${d.instance}/${name}`, assessment: { ...d.assessment, reason: `reason \x1b[2J ${name}` } } : d,
    ),
  });
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  it('status as a table and as Markdown: escapes shown, none sent', () => {
    for (const name of CORPUS) {
      const s = hostile(name);
      for (const out of [formatTable(s, false), formatMarkdown(s)]) {
        expect(RAW.test(out), JSON.stringify(name)).toBe(false);
        expect(out).toContain('fleet\\x1b]0;pwned\\x07');
      }
      expect(formatTable(s, false)).toContain(visible(name));
    }
  });

  it('the journal: names, scripts and SQL Server messages escaped', () => {
    const entry = (event: JournalEntry['event'], extra: Partial<JournalEntry> = {}): JournalEntry =>
      ({ v: 1, event, id: 'e1', at: '2026-11-27T10:00:00.000Z', who: { user: 'dba', host: 'jump' }, planId: null, step: null, instance: 'SQL01', database: '\x1b]0;pwned\x07', kind: 'tail-log', sql: 'BACKUP LOG [x] TO DISK = @file1;', ...extra }) as JournalEntry;
    const out = formatJournal([entry('start'), entry('end', { outcome: 'failed', messages: ['Msg 3201: Cannot open backup device \'\x1b[2J\'.'], error: { number: 3201, message: 'x' }, durationMs: 5 })], []);
    expect(RAW.test(out)).toBe(false);
    expect(out).toContain('\\x1b]0;pwned\\x07');
    expect(out).toContain('\\x1b[2J');
  });

  it('the console: the dashboard and the detail view', async () => {
    const name = '\x1b]0;pwned\x07 \u202eevil';
    const s = hostile(name);
    const r = render(<App source={{ snapshot: () => s, subscribe: () => () => undefined, refresh: () => undefined }} theme={loadTheme('default')} readOnly size={{ columns: 160, rows: 40 }} now={() => now} />);
    try {
      await new Promise((res) => setTimeout(res, 100));
      const grid = r.lastFrame() ?? '';
      expect(grid).toContain('\\x1b]0;pwned\\x07');
      expect(grid).not.toContain('\x07');
      expect(grid).not.toContain('\u202e');
      r.stdin.write(':');
      for (const c of `db ${s.databases[0]!.name.slice(0, 3)}`) r.stdin.write(c);
      r.stdin.write('\r');
      await new Promise((res) => setTimeout(res, 100));
      r.stdin.write('\r');
      await new Promise((res) => setTimeout(res, 150));
      const detail = r.lastFrame() ?? '';
      expect(detail).not.toContain('\x07');
      expect(detail).not.toContain('\u202e');
    } finally {
      r.unmount();
    }
  });
});

describe('inventory patterns', () => {
  it('match every character, line breaks too: such a database stays inventoried and counted', () => {
    for (const name of CORPUS) {
      expect(matchesPattern('*', name), JSON.stringify(name)).toBe(true);
      expect(matchesPattern(`${name.slice(0, 1)}*`, name), JSON.stringify(name)).toBe(true);
    }
    expect(matchesPattern('App?', 'App\n')).toBe(true);
    expect(matchesPattern('Pay*', "Pay\nroll")).toBe(true);
  });
});
