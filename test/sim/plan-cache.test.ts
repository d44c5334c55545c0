import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { smallScenario, useSimFleet } from './helpers.js';

/**
 * The simulator keeps each session's compiled SELECTs, as SQL Server keeps a batch's plan (src/sim/sql/run.ts):
 * a kept plan must read everything of the run it serves -- its parameters, msdb's rows, the clock -- and
 * nothing of the run before.
 */

const sim = useSimFleet(smallScenario());
const name = smallScenario().instances![0]!.databases![0]!.name;

describe('a plan kept for the next run of its text', () => {
  it("reads the next run's parameters, rows and clock", async () => {
    const p = sim.pool();
    const text =
      'SELECT d.name, (SELECT COUNT(*) FROM msdb.dbo.backupset AS b WHERE b.database_name = d.name AND b.type = @type) AS n, GETDATE() AS now FROM sys.databases AS d WHERE d.name = @db';
    const run = async (type: string) => (await p.request().input('db', sql.NVarChar(128), name).input('type', sql.Char(1), type).query(text)).recordset[0] as { name: string; n: number; now: Date };
    const count = (type: string) => sim.fleet.instance('SQLTEST').backupset.filter((b) => b.database_name === name && b.type === type).length;

    const logs = await run('L');
    expect([logs.name, logs.n]).toEqual([name, count('L')]);
    // The same text with another value: the subquery is not answered from the run before.
    expect((await run('D')).n).toBe(count('D'));
    expect(count('D')).not.toBe(count('L'));

    sim.fleet.advance(3_600_000);
    const later = await run('L');
    expect(later.n).toBe(count('L'));
    expect(later.n).toBeGreaterThan(logs.n);
    expect(later.now.getTime() - logs.now.getTime()).toBeGreaterThanOrEqual(3_600_000);
  });

  it('is bound again when the parameters change type, and a misspelled text is refused every time', async () => {
    const p = sim.pool();
    const text = 'SELECT COUNT(*) AS n FROM msdb.dbo.backupset AS b WHERE b.backup_set_id > @id';
    expect((await p.request().input('id', sql.Int, 0).query(text)).recordset[0].n).toBe(sim.fleet.instance('SQLTEST').backupset.length);
    // As nvarchar the comparison converts each side as SQL Server would: the same answer through a new plan.
    expect((await p.request().input('id', sql.NVarChar(10), '0').query(text)).recordset[0].n).toBe(sim.fleet.instance('SQLTEST').backupset.length);
    for (let i = 0; i < 2; i++) {
      await expect(p.request().query('SELECT b.nope FROM msdb.dbo.backupset AS b')).rejects.toMatchObject({ number: 207 });
    }
  });
});
