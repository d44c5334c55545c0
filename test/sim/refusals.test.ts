import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { useSimFleet } from './helpers.js';

/**
 * Statements SQL Server refuses, refused by the simulator with SQL Server's numbers and words: CHECKSUM
 * on a backup taken without checksums (3187), RESTORE and ALTER DATABASE over a database in an
 * availability group (3104, 1468), and what a login without BACKUP LOG or CREATE DATABASE may not do (262).
 */
const jobs = [
  { type: 'full' as const, every: '1d', offset: '1h', checksum: false },
  { type: 'log' as const, every: '1h', checksum: false },
];
const scenario: ScenarioInput = {
  name: 'refusals',
  description: 'made by the tests',
  historyHours: 26,
  instances: [
    { name: 'PRIMARY1', databases: [{ name: 'NoChecksums', recovery: 'FULL', dataGb: 1, jobs }] },
    { name: 'SECONDARY1' },
    { name: 'MONITOR1', permissions: { backupLog: false, createAnyDatabase: false }, databases: [{ name: 'Watched', recovery: 'FULL', dataGb: 1, jobs }] },
  ],
  availabilityGroups: [
    { name: 'AG1', primary: 'PRIMARY1', secondary: 'SECONDARY1', preferredBackupReplica: 'SECONDARY1', databases: [{ name: 'InGroup', recovery: 'FULL', dataGb: 1, jobs: [{ type: 'full', every: '1d', offset: '1h' }, { type: 'log', every: '1h' }] }] },
  ],
};

const sim = useSimFleet(scenario);

async function refused(instance: string, text: string): Promise<[number | undefined, number, string]> {
  try {
    await sim.pool(instance).request().batch(text);
  } catch (error) {
    const e = error as sql.RequestError & { number: number; precedingErrors?: { number: number; message: string }[] };
    const first = e.precedingErrors?.[0];
    return [first?.number, e.number, first?.message ?? e.message];
  }
  throw new Error(`expected ${text} to be refused`);
}

const lit = (s: string) => `N'${s.replace(/'/g, "''")}'`;
const deviceOf = (instance: string, database: string, type: 'D' | 'L') => {
  const inst = sim.fleet.instance(instance);
  const backup = inst.backupset.filter((b) => b.database_name === database && b.type === type).at(-1)!;
  return inst.devicesOf(backup)[0]!.physical_device_name;
};

describe('CHECKSUM on a backup taken without checksums', () => {
  it('is refused by VERIFYONLY and RESTORE with 3187, and accepted without CHECKSUM', async () => {
    const full = lit(deviceOf('PRIMARY1', 'NoChecksums', 'D'));
    expect(await refused('PRIMARY1', `RESTORE VERIFYONLY FROM DISK = ${full} WITH CHECKSUM`)).toEqual([
      3187, 3013, 'RESTORE WITH CHECKSUM cannot be specified because the backup set does not contain checksum information.',
    ]);
    await sim.pool('PRIMARY1').request().batch(`RESTORE VERIFYONLY FROM DISK = ${full}`);
    const moves = `MOVE N'NoChecksums' TO N'D:\\x\\copy.mdf', MOVE N'NoChecksums_log' TO N'L:\\x\\copy.ldf'`;
    expect((await refused('PRIMARY1', `RESTORE DATABASE [Copy] FROM DISK = ${full} WITH ${moves}, NORECOVERY, CHECKSUM`)).slice(0, 2)).toEqual([3187, 3013]);
    await sim.pool('PRIMARY1').request().batch(`RESTORE DATABASE [Copy] FROM DISK = ${full} WITH ${moves}, NORECOVERY`);
  });
});

describe('a database in an availability group', () => {
  it('cannot be set SINGLE_USER (1468) nor restored over (3104), but can be restored under a new name', async () => {
    expect(await refused('PRIMARY1', 'ALTER DATABASE [InGroup] SET SINGLE_USER WITH ROLLBACK IMMEDIATE')).toEqual([
      1468, 5069,
      'The operation cannot be performed on database "InGroup" because it is involved in a database mirroring session or an availability group. Some operations are not allowed on a database that is participating in a database mirroring session or in an availability group.',
    ]);
    const full = lit(deviceOf('SECONDARY1', 'InGroup', 'D'));
    expect((await refused('SECONDARY1', `RESTORE DATABASE [InGroup] FROM DISK = ${full} WITH REPLACE`)).slice(0, 2)).toEqual([3104, 3013]);
    await sim.pool('SECONDARY1').request().batch(`RESTORE DATABASE [InGroup_copy] FROM DISK = ${full} WITH MOVE N'InGroup' TO N'D:\\c\\g.mdf', MOVE N'InGroup_log' TO N'L:\\c\\g.ldf', RECOVERY`);
    expect(sim.fleet.instance('SECONDARY1').findDatabase('InGroup_copy')?.state).toBe('ONLINE');
  });
});

describe('a login without BACKUP LOG and CREATE DATABASE', () => {
  it('is refused a log backup and a restore as a new database with 262', async () => {
    expect(await refused('MONITOR1', "BACKUP LOG [Watched] TO DISK = N'X:\\w.trn'")).toEqual([262, 3013, "BACKUP LOG permission denied in database 'Watched'."]);
    const full = lit(deviceOf('MONITOR1', 'Watched', 'D'));
    expect(await refused('MONITOR1', `RESTORE DATABASE [Watched2] FROM DISK = ${full} WITH MOVE N'Watched' TO N'D:\\w2.mdf', MOVE N'Watched_log' TO N'L:\\w2.ldf'`)).toEqual([
      262, 3013, "CREATE DATABASE permission denied in database 'master'.",
    ]);
    const perms = await sim.pool('MONITOR1').request().query("SELECT HAS_PERMS_BY_NAME(N'Watched', 'DATABASE', 'BACKUP LOG') AS b, HAS_PERMS_BY_NAME(NULL, NULL, 'CREATE ANY DATABASE') AS c");
    expect(perms.recordset[0]).toEqual({ b: 0, c: 0 });
  });
});
