import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { pollInstance, probeServer } from '../../src/sql/poll.js';
import { toStandbyCopies } from '../../src/sql/rows.js';
import { useSimFleet } from './helpers.js';

/**
 * A primary and a standby the primary's logs are shipped to, as SQL Server's log shipping or BizTalk's
 * destination system keeps one: the simulator restores them as the restore job would, and records them in
 * the standby's msdb as SQL Server does.
 */
const DB = "Ledger ]'Ø";
const STOPPED = 'Stopped';
const sim = useSimFleet({
  name: 'log-shipping',
  description: 'made by the tests',
  historyHours: 30,
  instances: [
    {
      name: 'PRIMARY01',
      databases: [DB, STOPPED].map((name) => ({
        name,
        recovery: 'FULL' as const,
        dataGb: 1,
        jobs: [
          { type: 'full' as const, every: '1d', offset: '1h' },
          { type: 'log' as const, every: '15m' },
        ],
      })),
    },
    {
      name: 'STANDBY01',
      timeZoneMinutes: 120,
      logShipping: [
        { from: 'PRIMARY01', databases: [DB] },
        { from: 'PRIMARY01', databases: [STOPPED], until: '-3h' },
      ],
    },
  ],
});

interface Restored {
  destination_database_name: string;
  restore_type: string;
  restore_date: Date;
  server_name: string;
  database_name: string;
  backup_set_uuid: string;
  backup_finish_date: Date;
}

async function restoresOn(name: string): Promise<Restored[]> {
  const result = await sim
    .pool('STANDBY01')
    .request()
    .input('db', sql.NVarChar(128), name)
    .query<Restored>(
      `SELECT rh.destination_database_name, rh.restore_type, rh.restore_date, b.server_name, b.database_name, b.backup_set_uuid, b.backup_finish_date
       FROM msdb.dbo.restorehistory AS rh JOIN msdb.dbo.backupset AS b ON b.backup_set_id = rh.backup_set_id
       WHERE rh.destination_database_name = @db ORDER BY rh.restore_history_id`,
    );
  return result.recordset;
}

describe('log shipping in the simulator', () => {
  it('keeps the copy RESTORING, the primary full first and then every log, each recorded against a backupset row of its own', async () => {
    const rows = await restoresOn(DB);
    expect(rows[0]).toMatchObject({ restore_type: 'D', server_name: 'PRIMARY01', database_name: DB });
    expect(rows.slice(1).every((r) => r.restore_type === 'L' && r.server_name === 'PRIMARY01')).toBe(true);
    // Each restored set is the primary's own, by its uuid: the copy in the standby's msdb is of that header.
    const primary = sim.fleet.instance('PRIMARY01').backupSetsOf(DB);
    for (const r of rows) expect(primary.some((b) => b.backup_set_uuid === r.backup_set_uuid)).toBe(true);
    const standby = sim.fleet.instance('STANDBY01');
    expect(standby.findDatabase(DB)?.state).toBe('RESTORING');
    // restore_date is the standby's wall clock (two hours ahead); the backup's finish the primary's.
    const last = rows.at(-1)!;
    const lag = last.restore_date.getTime() - 120 * 60_000 - last.backup_finish_date.getTime();
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(15 * 60_000);
  });

  it('stops where the restore job stopped, and catches up when time moves on', async () => {
    const stopped = await restoresOn(STOPPED);
    const cut = sim.fleet.clock.now() - 3 * 3_600_000;
    expect(stopped.at(-1)!.restore_date.getTime() - 120 * 60_000).toBeLessThanOrEqual(cut);
    const before = (await restoresOn(DB)).length;
    sim.fleet.advance(15 * 60_000);
    expect((await restoresOn(DB)).length).toBe(before + 1);
  });

  it('refuses to read a backup that went to NUL, as the restore job would fail on it', async () => {
    const error = await sim
      .pool('STANDBY01')
      .request()
      .batch(`RESTORE LOG [Ledger ]]'Ø] FROM DISK = N'NUL' WITH NORECOVERY`)
      .then(
        () => null,
        (e: sql.RequestError & { precedingErrors?: sql.RequestError[] }) => e,
      );
    expect(error?.number).toBe(3013);
    expect(error?.precedingErrors?.map((e) => [e.number, e.message])).toEqual([
      [3241, "The media family on device 'NUL' is incorrectly formed. SQL Server cannot process this media family."],
    ]);
  });

  it("is what the poll's restores query reads: a copy of another server's database, never a restore of this server's own backups", async () => {
    const standby = await pollInstance(sim.pool('STANDBY01'), await probeServer(sim.pool('STANDBY01')), 0, 8, false);
    const copies = toStandbyCopies(standby.restores, standby.server);
    expect(copies.get(DB.toLowerCase())).toMatchObject({ sourceServer: 'PRIMARY01', sourceDatabase: DB, restoreType: 'L' });
    expect(copies.get(STOPPED.toLowerCase())?.holdsTo).toBeLessThan(sim.fleet.clock.now() - 3 * 3_600_000);

    // On the primary, a database left RESTORING from its own backups is a restore under way, not a standby.
    const inst = sim.fleet.instance('PRIMARY01');
    const full = inst.backupSetsOf(STOPPED).filter((b) => b.type === 'D').at(-1)!;
    const pool = sim.pool('PRIMARY01');
    await pool
      .request()
      .input('file', sql.NVarChar(260), inst.devicesOf(full)[0]!.physical_device_name)
      .input('position', sql.Int, full.position)
      .query(
        `RESTORE DATABASE [Stopped copy] FROM DISK = @file WITH FILE = @position, NORECOVERY,
           MOVE N'Stopped' TO N'D:\\Copy\\Stopped.mdf', MOVE N'Stopped_log' TO N'L:\\Copy\\Stopped_log.ldf'`,
      );
    const primary = await pollInstance(pool, await probeServer(pool), 0, 8, false);
    expect(primary.databases.find((d) => d.name === 'Stopped copy')?.state_desc).toBe('RESTORING');
    expect(primary.restores.map((r) => r.database_name)).toEqual(['Stopped copy']);
    expect(toStandbyCopies(primary.restores, primary.server).size).toBe(0);
  });
});
