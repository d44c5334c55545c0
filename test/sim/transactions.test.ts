import { spawn, spawnSync } from 'node:child_process';
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { useSimFleet } from './helpers.js';

/**
 * Transaction manager requests (TDS packet type 0x0E): tedious sends them for beginTransaction, and so
 * does pytds (Debian's python3-tds, which .ci/run installs) for a connection without autocommit: a second,
 * independent client. SQL Server refuses BACKUP, RESTORE and ALTER DATABASE inside a transaction.
 */
const PYTHON = '/usr/bin/python3';
const pytdsAvailable = spawnSync(PYTHON, ['-c', 'import pytds'], { encoding: 'utf8' }).status === 0;

const sim = useSimFleet();

describe('transaction manager requests', () => {
  it('begins, commits and rolls back a transaction for tedious', async () => {
    const tx = new sql.Transaction(sim.pool());
    await tx.begin();
    const r = await tx.request().query('SELECT d.name FROM sys.databases AS d WHERE d.database_id = 1');
    expect(r.recordset[0].name).toBe('master');
    await tx.commit();
    const again = new sql.Transaction(sim.pool());
    await again.begin();
    await again.rollback();
  });

  it('refuses BACKUP inside a transaction with 3021, and ALTER DATABASE with 226', async () => {
    const tx = new sql.Transaction(sim.pool());
    await tx.begin();
    try {
      type Failure = sql.RequestError & { precedingErrors?: { number: number }[] };
      const backup = (await tx.request().batch("BACKUP LOG [Simple] TO DISK = N'X:\\in-tx.trn'").catch((e: unknown) => e)) as Failure;
      expect([backup.precedingErrors?.[0]?.number, backup.number]).toEqual([3021, 3013]);
      const alter = await tx.request().batch('ALTER DATABASE [Simple] SET SINGLE_USER').catch((e: unknown) => e as sql.RequestError);
      expect((alter as sql.RequestError).number).toBe(226);
    } finally {
      await tx.rollback();
    }
  });
});

/** Runs a pytds script against the simulator; the simulator answers from this process, so it runs asynchronously. */
function pytds(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const ep = sim.endpoint();
    const child = spawn(PYTHON, ['-c', script], { env: { ...process.env, SIM_PORT: String(ep.port), SIM_USER: ep.login, SIM_PASSWORD: ep.password } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!pytdsAvailable)('pytds, a second client that sends transaction manager requests', () => {
  it('logs in without autocommit (TM begin), reads, commits and rolls back (TM commit and rollback with a new transaction)', async () => {
    const r = await pytds(`
import os, pytds
conn = pytds.connect(server='127.0.0.1', port=int(os.environ['SIM_PORT']), user=os.environ['SIM_USER'],
                     password=os.environ['SIM_PASSWORD'], autocommit=False, login_timeout=10, timeout=10)
cur = conn.cursor()
cur.execute("SELECT d.name, d.recovery_model_desc FROM sys.databases AS d WHERE d.name = %s", ('Simple',))
print('row', cur.fetchone())
conn.commit()
cur.execute("SELECT COUNT(*) FROM msdb.dbo.backupset AS b WHERE b.database_name = %s", ('Simple',))
print('count', cur.fetchone()[0] > 0)
conn.rollback()
try:
    cur.execute("SELECT b.family_count FROM msdb.dbo.backupmediaset AS b")
except pytds.ProgrammingError as e:
    print('error', e.msg_no, e.text)
conn.close()
print('closed')
`);
    expect(r.out).toContain("row ('Simple', 'SIMPLE')");
    expect(r.out).toContain('count True');
    expect(r.out).toContain("error 207 Invalid column name 'family_count'.");
    expect(r.out).toContain('closed');
    expect(r.code).toBe(0);
  });
});
