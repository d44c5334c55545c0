import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { useSimFleet } from './helpers.js';

/** What a restore drill sends besides RESTORE: DBCC CHECKDB on the copy, then DROP DATABASE. */
const sim = useSimFleet({
  name: 'checkdb',
  description: 'made by the tests',
  historyHours: 26,
  instances: [
    {
      name: 'SQL01',
      version: '15.0.4355.3',
      defaultDataPath: 'E:\\Data\\',
      defaultLogPath: 'F:\\Log\\',
      databases: [
        { name: 'Clean ]db', recovery: 'FULL', dataGb: 1, jobs: [{ type: 'full', every: '1d' }] },
        { name: 'Torn', recovery: 'FULL', dataGb: 1, damagedPages: [8330], jobs: [{ type: 'full', every: '1d' }] },
      ],
    },
    { name: 'OLD2008', version: '10.50.6000.34' },
  ],
});

type Failure = sql.RequestError & { precedingErrors?: sql.RequestError[] };
const fails = (text: string, pool = sim.pool()) =>
  pool
    .request()
    .batch(text)
    .then(
      () => null,
      (e: Failure) => e,
    );

async function messagesOf(text: string): Promise<{ number: number; class: number; message: string }[]> {
  const request = sim.pool().request();
  const seen: { number: number; class: number; message: string }[] = [];
  request.on('info', (m: { number: number; class: number; message: string }) => seen.push({ number: m.number, class: m.class, message: m.message }));
  await request.batch(text);
  return seen;
}

describe('DBCC CHECKDB in the simulator', () => {
  it('says nothing about a clean database WITH NO_INFOMSGS, and reports it without', async () => {
    expect(await messagesOf('DBCC CHECKDB ([Clean ]]db]) WITH NO_INFOMSGS, ALL_ERRORMSGS;')).toEqual([]);
    const chatty = await messagesOf("DBCC CHECKDB (N'Clean ]db');");
    expect(chatty.map((m) => m.number)).toEqual([2536, 8989, 2528]);
    expect(chatty[1]!.message).toBe("CHECKDB found 0 allocation errors and 0 consistency errors in database 'Clean ]db'.");
  });

  it("reports a damaged page as SQL Server does (8939, 8928, then 8989) and fails the batch", async () => {
    const error = await fails('DBCC CHECKDB ([Torn]) WITH NO_INFOMSGS, ALL_ERRORMSGS;');
    const all = [...(error?.precedingErrors ?? []), error!].map((e) => e.number);
    expect(all).toEqual([8939, 8928, 8989]);
    expect(error?.message).toBe("CHECKDB found 0 allocation errors and 2 consistency errors in database 'Torn'.");
    expect(error?.precedingErrors?.[1]?.message).toContain('Page (1:8330) could not be processed.');
  });

  it('finds in a restored copy the damage its backup carried; cannot check it while it restores (927), nor a name that does not exist (2520)', async () => {
    expect((await fails('DBCC CHECKDB ([Nope]) WITH NO_INFOMSGS;'))?.number).toBe(2520);
    const inst = sim.fleet.instance('SQL01');
    const full = inst.backupSetsOf('Torn').find((b) => b.type === 'D')!;
    const restore = (recovery: string) =>
      sim
        .pool()
        .request()
        .input('file', sql.NVarChar(260), inst.devicesOf(full)[0]!.physical_device_name)
        .query(`RESTORE DATABASE [Torn copy] FROM DISK = @file WITH ${recovery}, REPLACE, MOVE N'Torn' TO N'E:\\Data\\Torn copy.mdf', MOVE N'Torn_log' TO N'F:\\Log\\Torn copy_log.ldf'`);
    await restore('NORECOVERY');
    expect((await fails('DBCC CHECKDB ([Torn copy]) WITH NO_INFOMSGS;'))?.number).toBe(927);
    await restore('RECOVERY');
    expect((await fails('DBCC CHECKDB ([Torn copy]) WITH NO_INFOMSGS, ALL_ERRORMSGS;'))?.message).toBe("CHECKDB found 0 allocation errors and 2 consistency errors in database 'Torn copy'.");
    // Nobody uses a copy restored under a new name: it can be dropped at once.
    await sim.pool().request().batch('DROP DATABASE [Torn copy];');
  });
});

describe('DROP DATABASE in the simulator', () => {
  it('refuses a database in use (3702) and one that does not exist (3701), and drops a RESTORING one', async () => {
    expect((await fails('DROP DATABASE [Clean ]]db];'))?.number).toBe(3702);
    expect((await fails('DROP DATABASE [Nope];'))?.number).toBe(3701);
    const inst = sim.fleet.instance('SQL01');
    const full = inst.backupSetsOf('Torn').find((b) => b.type === 'D')!;
    await sim
      .pool()
      .request()
      .input('file', sql.NVarChar(260), inst.devicesOf(full)[0]!.physical_device_name)
      .query(`RESTORE DATABASE [Half] FROM DISK = @file WITH NORECOVERY, MOVE N'Torn' TO N'E:\\Data\\Half.mdf', MOVE N'Torn_log' TO N'F:\\Log\\Half_log.ldf'`);
    expect(inst.findDatabase('Half')?.state).toBe('RESTORING');
    await sim.pool().request().batch('DROP DATABASE [Half];');
    expect(inst.findDatabase('Half')).toBeUndefined();
  });
});

describe('default file paths', () => {
  it("are SERVERPROPERTY's InstanceDefaultDataPath and InstanceDefaultLogPath from 2012 on, NULL on 2008 R2", async () => {
    const q = "SELECT CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(260)) AS d, CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(260)) AS l";
    expect((await sim.pool().request().query(q)).recordset[0]).toEqual({ d: 'E:\\Data\\', l: 'F:\\Log\\' });
    expect((await sim.pool('OLD2008').request().query(q)).recordset[0]).toEqual({ d: null, l: null });
  });
});
