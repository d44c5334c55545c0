import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { HistoryCache } from '../../src/fleet/history-cache.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import type { FleetSnapshot } from '../../src/fleet/snapshot.js';
import { SimClock } from '../../src/sim/clock.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { SimFleet, type Endpoint } from '../../src/sim/fleet.js';
import { loadScenario } from '../../src/sim/scenarios.js';
import { scenarioSchema, type ScenarioInput } from '../../src/sim/scenario.js';
import { smallScenario, startFleet } from '../sim/helpers.js';

const scenario = loadScenario('seeds');
let fleet: SimFleet;
let endpoints: Endpoint[];
let clock: SimClock;

/** Timeouts are generous (a loaded CI machine is slow); the failure test asks for short ones. */
function inventory(change: (c: ConfigInput) => void = () => undefined, timeoutSeconds = 15) {
  const input = demoInventory(scenario, endpoints);
  input.poll = { ...input.poll, connectTimeoutSeconds: timeoutSeconds, requestTimeoutSeconds: timeoutSeconds, concurrency: 8, staleAfterSeconds: 600 };
  change(input);
  return resolveInventory(configSchema.parse(input));
}

function poller(inv = inventory(), now?: () => number) {
  return new FleetPoller({ inventory: inv, env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null, ...(now ? { now } : {}) });
}

/** A fleet of the test's own scenario (fresh, with its own clock) and a poller of its demo inventory. */
async function ownFleetPoller(input: ScenarioInput) {
  const { fleet: own, endpoints } = await startFleet(input);
  const inv = resolveInventory(configSchema.parse(demoInventory(scenarioSchema.parse(input), endpoints)));
  return { own, p: new FleetPoller({ inventory: inv, env: { [DEMO_PASSWORD_ENV]: own.password }, prompt: null }) };
}

const db = (s: FleetSnapshot, key: string) => {
  const found = s.databases.find((d) => d.key === key);
  if (!found) throw new Error(`no ${key} in the snapshot`);
  return found;
};

beforeAll(async () => {
  clock = new SimClock();
  fleet = new SimFleet({ scenario, clock, manualClock: true, statementThroughput: 50 * 1024 ** 3 });
  endpoints = await fleet.start();
});
afterAll(async () => fleet?.stop());

describe('polling the seeds fleet through the driver', () => {
  let p: FleetPoller;
  let first: FleetSnapshot;
  beforeAll(async () => {
    p = poller();
    await p.pollAll();
    first = p.snapshot();
  }, 20_000);
  afterAll(async () => p.stop());

  it('reaches every status from real msdb rows', () => {
    expect(first.counts.OK).toBeGreaterThan(20);
    expect(db(first, 'AXSQL01/SharePoint_Config').assessment.status).toBe('WARN');
    expect(db(first, 'AXSQL01/ReportServer').assessment.status).toBe('BREACH');
    expect(db(first, 'BTSSQL01/BizTalkDTADb').assessment.status).toBe('UNPROTECTED');
    expect(first.worst).toBe('UNPROTECTED');
  });

  it('merges availability group history: backups on the secondary protect the primary', () => {
    const primary = db(first, 'SQLAG01/SalesDW');
    expect(primary.assessment.status).toBe('OK');
    expect(primary.mergedFrom).toEqual(['SQLAG02']);
    expect(primary.assessment.lastLog?.recordedOn).toBe('SQLAG02');
  });

  it('reads only new rows on the next poll, and picks up new backups', async () => {
    const tracker = p.trackers.find((t) => t.name === 'AXSQL01')!;
    const sinceBefore = tracker.sinceId;
    await p.pollAll();
    // Files were read on the first poll; a steady poll is the server row and one row per database.
    expect(tracker.lastPollRows).toBe(1 + tracker.databases.length);
    fleet.advance(15 * 60_000);
    await p.pollAll();
    expect(tracker.sinceId).toBeGreaterThan(sinceBefore);
    // The newest row is held. (The count of rows held may fall: sifting drops what aged out of the window.)
    expect(tracker.databases.some((d) => tracker.historyOf(d.name).some((b) => b.backupSetId === tracker.sinceId))).toBe(true);
    const newRows = tracker.lastPollRows - (1 + tracker.databases.length);
    // Four databases back up their log every 15 minutes or less on AXSQL01; nothing older comes back: the
    // poll read exactly msdb's rows (one per stripe) past what it had (fulls too, when the quarter hour held them).
    const inst = fleet.instance('AXSQL01');
    const newer = inst.backupset.filter((b) => b.backup_set_id > sinceBefore && ['D', 'I', 'L'].includes(b.type));
    const stripes = newer.reduce((n, b) => n + inst.mediafamily.filter((m) => m.media_set_id === b.media_set_id && m.mirror === 0).length, 0);
    expect(newRows).toBeGreaterThanOrEqual(3);
    expect(newRows).toBe(stripes);
  });

  it('resets the history of a database restored under the same name', async () => {
    const name = 'MicrosoftDynamicsAX_model';
    await p.pollAll();
    const before = db(p.snapshot(), `AXSQL01/${name}`);
    expect(before.assessment.status).toBe('OK');
    const inst = fleet.instance('AXSQL01');
    const full = inst.backupset.filter((b) => b.database_name === name && b.type === 'D').at(-1)!;
    const pool = await new sql.ConnectionPool({ server: '127.0.0.1', port: endpoints[0]!.port, user: fleet.login, password: fleet.password, options: { encrypt: false } }).connect();
    await pool.request().batch(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE`);
    await pool.request().batch(`RESTORE DATABASE [${name}] FROM DISK = N'${inst.devicesOf(full)[0]!.physical_device_name}' WITH REPLACE, RECOVERY`);
    await pool.close();
    await p.pollAll();
    const after = db(p.snapshot(), `AXSQL01/${name}`);
    expect(after.state.databaseGuid).not.toBe(before.state.databaseGuid);
    expect(after.history.every((b) => b.databaseGuid === after.state.databaseGuid)).toBe(true);
    expect(after.assessment.status).toBe('UNPROTECTED');
    expect(after.assessment.reason).toBe('never backed up');
  });

  it('drops rows msdb purged', async () => {
    const inst = fleet.instance('LYNCSQL01');
    const tracker = p.trackers.find((t) => t.name === 'LYNCSQL01')!;
    inst.purgeHistory(inst.localNow() - 12 * 3_600_000);
    await p.pollAll();
    const oldest = Math.min(...inst.backupset.map((b) => b.backup_set_id));
    const kept = db(p.snapshot(), 'LYNCSQL01/xds').history;
    expect(kept.every((b) => b.backupSetId >= oldest)).toBe(true);
    expect(tracker.rowCount).toBeGreaterThan(0);
  });
});

describe('snapshots as the console reads them', () => {
  it('serves one snapshot until a poll changes something or a second passes, and tells listeners of both', async () => {
    let t = Date.now();
    const p = poller(inventory(), () => t);
    try {
      await p.pollAll();
      const first = p.snapshot();
      t += 999;
      expect(p.snapshot()).toBe(first);
      t += 1;
      const ticked = p.snapshot();
      expect(ticked).not.toBe(first);
      expect(ticked.takenAt).toBe(t);
      // Histories keep their identity while no rows arrive, so what is derived from them is not
      // derived again every second: a database never backed up and a merged AG database included.
      for (const key of ['AXSQL01/ReportServerTempDB', 'SQLAG01/SalesDW', 'AXSQL01/ReportServer']) {
        expect(db(ticked, key).history, key).toBe(db(first, key).history);
      }

      const heard: FleetSnapshot[] = [];
      const unsubscribe = p.subscribe((s) => heard.push(s));
      t += 1000;
      await vi.waitFor(() => expect(heard.map((s) => s.takenAt)).toEqual([t]), { timeout: 3000 });
      await p.pollAll();
      // A poll is heard at once, though no time passed.
      await vi.waitFor(() => expect(heard).toHaveLength(2), { timeout: 3000 });
      expect(heard[1]).not.toBe(heard[0]);
      expect(heard[1]!.takenAt).toBe(t);
      unsubscribe();
    } finally {
      await p.stop();
    }
  });
});

describe('instances that fail', () => {
  it('shows down, hung and dropping instances as UNKNOWN while the others report, without waiting on them', async () => {
    await fleet.server('LYNCMON01').setFaults({ hangQuery: true });
    await fleet.server('SQLAG01').setFaults({ refuse: true });
    await fleet.server('LYNCSQL01').setFaults({ dropMidResult: true });
    const p = poller(inventory(undefined, 1));
    try {
      const started = Date.now();
      await p.pollAll();
      const s = p.snapshot();
      // Bounded by the 1 s connect + 1 s request timeouts (and the guard), not by the hung instance.
      expect(Date.now() - started).toBeLessThan(9000);
      const byName = new Map(s.instances.map((i) => [i.name, i]));
      expect(byName.get('LYNCMON01')).toMatchObject({ status: 'UNKNOWN' });
      expect(byName.get('LYNCMON01')!.error).toMatch(/Failed to connect|Timeout|no answer/);
      expect(byName.get('SQLAG01')!.error).toMatch(/^Failed to connect to 127\.0\.0\.1:\d+/);
      expect(byName.get('LYNCSQL01')!.status).toBe('UNKNOWN');
      expect(byName.get('AXSQL01')).toMatchObject({ status: 'OK', error: null });
      expect(db(s, 'AXSQL01/MicrosoftDynamicsAX').assessment.status).toBe('OK');
      expect(s.worst).toBe('UNKNOWN');
      // Failing instances back off: the next attempt waits longer than the interval.
      const t = p.trackers.find((x) => x.name === 'SQLAG01')!;
      expect(t.failures).toBe(1);
    } finally {
      await p.stop();
      await fleet.server('LYNCMON01').setFaults({ hangQuery: false });
      await fleet.server('SQLAG01').setFaults({ refuse: false });
      await fleet.server('LYNCSQL01').setFaults({ dropMidResult: false });
    }
  }, 20_000);

  it('cuts off a server that streams its answer slowly: the poll and stop end within the stated timeouts', async () => {
    // A proxy that trickles one packet a second: the driver's request timeout sends an attention, but the
    // rest of the answer keeps coming, and closing the pool waited for all of it (minutes).
    await fleet.server('AXSQL01').setFaults({ slowPacketMs: 1000 });
    const p = poller(inventory(undefined, 1));
    try {
      const started = Date.now();
      await p.pollAll();
      const instance = p.snapshot().instances.find((i) => i.name === 'AXSQL01')!;
      expect(instance.status).toBe('UNKNOWN');
      expect(instance.error).toMatch(/Timeout|no answer/);
      await p.stop();
      // 1 s to log in, 1 s for the answer and the 5 s guard: about 7 s (46 s before the sockets were cut).
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await p.stop();
      await fleet.server('AXSQL01').setFaults({ slowPacketMs: 0 });
    }
  }, 60_000);

  it('reports a refused login as a login failure with its fix, not as an unreachable instance', async () => {
    const p = new FleetPoller({ inventory: inventory((c) => {
        c.instances = c.instances!.slice(0, 1);
        c.groups = [];
      }), env: { [DEMO_PASSWORD_ENV]: 'wrong' }, prompt: null });
    try {
      await p.pollAll();
      const i = p.snapshot().instances[0]!;
      expect(i.status).toBe('UNKNOWN');
      expect(i.error).toBe(`login failed (18456): Login failed for user '${endpoints[0]!.login}'. Check the login and the password its passwordEnv holds (the server log gives the reason state)`);
      expect(i.error).not.toContain('wrong');
    } finally {
      await p.stop();
    }
  });

  it('turns data UNKNOWN when it grows stale, with its age', async () => {
    let offset = 0;
    const p = poller(inventory((c) => (c.poll = { ...c.poll, staleAfterSeconds: 60 })), () => Date.now() + offset);
    try {
      await p.pollAll();
      offset = 10 * 60_000;
      const s = p.snapshot();
      const d = db(s, 'AXSQL01/MicrosoftDynamicsAX');
      expect(d.assessment.status).toBe('UNKNOWN');
      expect(d.assessment.reason).toMatch(/^data is 10 min old; at most \d+ min of data lost now if no backup ran since \(last polled 10 min ago\)$/);
      // Its last log was seen at most 15 minutes before the poll: 10 more since, so 10 to 25 minutes at most.
      expect(d.assessment.exposureAtMostMs).toBeGreaterThanOrEqual(10 * 60_000);
      expect(d.assessment.exposureAtMostMs).toBeLessThanOrEqual(26 * 60_000);
    } finally {
      await p.stop();
    }
  });

  it('reports a missing password as the instance\'s error, never blocking the rest', async () => {
    const p = new FleetPoller({ inventory: inventory(), env: {}, prompt: null });
    try {
      await p.pollAll();
      const s = p.snapshot();
      expect(s.instances[0]!.error).toBe(`no password: $${DEMO_PASSWORD_ENV} is not set and there is no terminal to ask on`);
    } finally {
      await p.stop();
    }
  });
});

describe('inventory rules', () => {
  it('lists databases no rule covers as not inventoried, and leaves them out of the worst status', async () => {
    const p = poller(
      inventory((c) => {
        c.instances = c.instances!.filter((i) => i.name === 'AXSQL01').map((i) => ({ ...i, databases: { ...i.databases, exclude: ['ReportServer*', '*_model'] } }));
        c.groups = [];
      }),
    );
    try {
      await p.pollAll();
      const s = p.snapshot();
      const excluded = db(s, 'AXSQL01/ReportServerTempDB');
      expect(excluded.inventoried).toBe(false);
      expect(excluded.assessment.status).toBe('UNPROTECTED');
      // Its UNPROTECTED counts nowhere: not in the counts, not in the worst status.
      expect(s.counts.UNPROTECTED).toBe(0);
      expect(s.worst).not.toBe('UNPROTECTED');
    } finally {
      await p.stop();
    }
  });
});

describe('passwords', () => {
  it('asks once for a login that instances share, naming them, and separately for another login', async () => {
    const questions: string[] = [];
    const inv = inventory((c) => {
      c.instances = c.instances!.filter((i) => ['AXSQL01', 'BTSSQL01', 'LYNCSQL01'].includes(i.name)).map((i) => ({ ...i, auth: { type: 'sql' as const, user: i.name === 'LYNCSQL01' ? 'lync_monitor' : fleet.login } }));
      c.groups = [];
    });
    const p = new FleetPoller({
      inventory: inv,
      env: {},
      prompt: async (q) => {
        questions.push(q);
        return q.includes('lync_monitor') ? 'wrong' : fleet.password;
      },
    });
    try {
      await p.pollAll();
      // A password the server refuses is asked for again, twice, then the console opens without it.
      const again = (n: number) => `LYNCSQL01 refused that password, login failed (18456) (attempt ${n} of 3). Password for lync_monitor on LYNCSQL01: `;
      expect(questions).toEqual([`Password for ${fleet.login} on AXSQL01 and BTSSQL01: `, 'Password for lync_monitor on LYNCSQL01: ', again(2), again(3)]);
      const byName = new Map(p.snapshot().instances.map((i) => [i.name, i]));
      expect(byName.get('BTSSQL01')!.status).toBe('OK');
      // A wrong password reads as what it is, never as an unreachable server.
      expect(byName.get('LYNCSQL01')!.error).toMatch(/^login failed \(18456\)/);
    } finally {
      await p.stop();
    }
  });
});

describe('a typed password the server refuses', () => {
  it('is asked for again, and the second, right one polls; one from the environment is never asked for', async () => {
    const questions: string[] = [];
    const typed = ['not-it', fleet.password];
    const inv = inventory((c) => {
      c.instances = c.instances!.filter((i) => ['AXSQL01', 'BTSSQL01'].includes(i.name)).map((i) => ({ ...i, auth: { type: 'sql' as const, user: fleet.login, ...(i.name === 'BTSSQL01' ? { passwordEnv: 'BTS_PASSWORD' } : {}) } }));
      c.groups = [];
    });
    const p = new FleetPoller({
      inventory: inv,
      env: { BTS_PASSWORD: 'wrong-in-env' },
      prompt: async (q) => {
        questions.push(q);
        return typed.shift() ?? 'none left';
      },
    });
    try {
      await p.pollAll();
      expect(questions).toEqual([`Password for ${fleet.login} on AXSQL01: `, `AXSQL01 refused that password, login failed (18456) (attempt 2 of 3). Password for ${fleet.login} on AXSQL01: `]);
      const byName = new Map(p.snapshot().instances.map((i) => [i.name, i]));
      expect(byName.get('AXSQL01')!.error).toBeNull();
      expect(byName.get('AXSQL01')!.lastSuccessAt).not.toBeNull();
      expect(byName.get('BTSSQL01')!.error).toMatch(/^login failed \(18456\)/);
    } finally {
      await p.stop();
    }
  });
});

describe('what msdb documents as nullable', () => {
  it('keeps a backup set without LSNs or dates out of the chain, with a finding, and the poll succeeds', async () => {
    const inst = fleet.instance('AXSQL01');
    const model = inst.backupset.filter((b) => b.database_name === 'MicrosoftDynamicsAX');
    const newestFull = Math.max(...model.filter((b) => b.type === 'D').map((b) => b.backup_set_id));
    // A log from before the newest full: the chain the status rests on does not need it.
    const row = model.filter((b) => b.type === 'L' && b.backup_set_id < newestFull).at(-1)!;
    inst.blankBackupSetColumns(row.backup_set_id, ['first_lsn', 'backup_start_date']);
    const p = poller(
      inventory((c) => {
        c.instances = c.instances!.filter((i) => i.name === 'AXSQL01');
        c.groups = c.groups!.filter((g) => g.instance === 'AXSQL01');
      }),
    );
    try {
      await p.pollAll();
      const s = p.snapshot();
      expect(s.instances[0]!.status).toBe('OK');
      const ax = db(s, 'AXSQL01/MicrosoftDynamicsAX');
      const finding = ax.findings.find((f) => f.code === 'incomplete-history');
      expect(finding?.text).toBe(`1 backup set(s) in msdb have no first_lsn, backup_start_date (#${String(row.backup_set_id)}): left out of the restore chain`);
      expect(ax.history.some((b) => b.backupSetId === row.backup_set_id)).toBe(false);
      expect(['OK', 'WARN']).toContain(ax.assessment.status);
    } finally {
      inst.blankBackupSetColumns(row.backup_set_id, []);
      await p.stop();
    }
  });
});

describe('whole histories read on demand', () => {
  it('are kept for a few databases and a few minutes, and a failed read is asked again', async () => {
    const cache = new HistoryCache(2, 1000);
    let reads = 0;
    const read = (fail = false) => async () => {
      reads++;
      if (fail) throw new Error('no answer');
      return [];
    };
    await cache.get('a', 0, read());
    await cache.get('a', 500, read());
    expect(reads).toBe(1);
    await cache.get('a', 1500, read());
    expect(reads).toBe(2);
    await cache.get('b', 1500, read());
    await cache.get('c', 1500, read());
    expect(cache.size).toBe(2);
    await cache.get('a', 1600, read());
    expect(reads).toBe(5);
    await expect(cache.get('d', 1600, read(true))).rejects.toThrow('no answer');
    await new Promise((r) => setTimeout(r, 0));
    await cache.get('d', 1600, read());
    expect(reads).toBe(7);
  });

  it('read the database through the driver, with what polls read since', async () => {
    const p = poller();
    await p.pollAll();
    const db = p.snapshot().databases.find((d) => d.key === 'AXSQL01/MicrosoftDynamicsAX')!;
    const whole = await p.history(db);
    expect(whole.length).toBeGreaterThan(db.history.length);
    expect(new Set(whole.map((b) => b.backupSetId))).toEqual(new Set([...whole, ...db.history].map((b) => b.backupSetId)));
    await p.stop();
  });
});

describe("SQL Agent's word on a database's backups, read through the driver", () => {
  it('names the failing log job with SQL Server message, and the disabled one, in the reason, the findings and the jobs', async () => {
    const p = poller(inventory((c) => {
      c.instances = c.instances!.filter((i) => i.name === 'AXSQL01');
      c.groups = [];
    }));
    try {
      await p.pollAll();
      const s = p.snapshot();
      const report = db(s, 'AXSQL01/ReportServer');
      expect(report.assessment.status).toBe('BREACH');
      expect(report.assessment.reason).toMatch(
        /; log backup job 'LOG backup - ReportServer' failed \d+ times since \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+1\), \d+ h( \d+ min)? ago: Cannot open backup device 'B:\\Backup\\AXSQL01\\ReportServer\\LOG\\ReportServer_LOG\.trn'\. Operating system error 112\(There is not enough space on the disk\.\)/,
      );
      expect(report.findings.some((f) => f.code === 'backup-job' && f.text.startsWith("log backup job 'LOG backup - ReportServer' failed"))).toBe(true);
      // The daily full fails from its next run on (the share filled six hours ago); the hourly log already has.
      expect(report.jobs!.map((j) => [j.step.job, j.kinds, j.step.enabled])).toEqual([
        ['FULL backup - ReportServer', ['full'], true],
        ['LOG backup - ReportServer', ['log'], true],
      ]);
      expect(report.jobs![1]!.step.lastOutcome).toBe('failed');
      expect(db(s, 'AXSQL01/SharePoint_Config').assessment.reason).toMatch(/; log backup job 'LOG backup - SharePoint_Config' is disabled; it last ran /);
      // A database whose jobs are fine is told nothing more.
      const ok = db(s, 'AXSQL01/MicrosoftDynamicsAX');
      expect(ok.assessment.status).toBe('OK');
      expect(ok.findings.some((f) => f.code === 'backup-job')).toBe(false);
      expect(ok.jobs!.map((j) => j.step.lastOutcome)).toEqual(expect.arrayContaining(['succeeded']));
    } finally {
      await p.stop();
    }
  });
});

describe('a backup job whose run does not end, and a group judged on every replica', () => {
  it('names the run going on since it outlasted the RPO, from sysjobactivity through the driver', async () => {
    const input = smallScenario();
    const payroll = input.instances![0]!.databases![0]!;
    payroll.rpo = '30m';
    // No backup after the hang but the hung log job's: a full or a differential since would hold the exposure down
    // at some times of day. The fulls stop three hours ago (their job then reads as disabled).
    payroll.jobs = [
      { type: 'full', every: '12h', until: '-3h' },
      { type: 'log', every: '15m', hangsFrom: '-2h' },
    ];
    const { own, p } = await ownFleetPoller(input);
    try {
      await p.pollAll();
      const s = p.snapshot();
      const d = db(s, "SQLTEST/Pay]roll 'Ærø'");
      expect(d.assessment.status).toBe('BREACH');
      const log = d.jobs!.find((j) => j.kinds.includes('log'))!;
      // The hung run started at the first quarter hour at or after two hours ago; the run before it succeeded.
      const started = Math.ceil((own.clock.now() - 2 * 3_600_000) / 900_000) * 900_000;
      expect(log.step.runningSince).toBe(started);
      expect(log.step.lastOutcome).toBe('succeeded');
      expect(log.step.lastRun).toBe(started - 900_000);
      expect(d.assessment.reason).toMatch(
        /; log backup job 'LOG backup - Pay]roll 'Ærø'' has been running since \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+1\), \d+ h( \d+ min)? ago, longer than the RPO: no backup of it reaches msdb until that run ends/,
      );
      expect(d.findings.some((f) => f.code === 'backup-job' && f.text.includes('has been running since'))).toBe(true);
      // The other database's job is not running.
      expect(db(s, 'SQLTEST/Simple').jobs![0]!.step.runningSince).toBeNull();
    } finally {
      await p.stop();
      await own.stop();
    }
  });

  it("counts a group database's log job on its secondary: the primary alone has none, and nothing is said", async () => {
    const p = poller(inventory((c) => {
      c.instances = c.instances!.filter((i) => i.name === 'SQLAG01' || i.name === 'SQLAG02');
      c.groups = [];
    }));
    try {
      await p.pollAll();
      const s = p.snapshot();
      const onPrimary = db(s, 'SQLAG01/SalesDW');
      expect(onPrimary.jobs!.map((j) => [j.step.job, j.kinds, j.replica ?? null])).toEqual(
        expect.arrayContaining([
          [expect.stringMatching(/^FULL backup - SalesDW/), ['full'], null],
          [expect.stringMatching(/^LOG backup - SalesDW/), ['log'], 'SQLAG02'],
        ]),
      );
      expect(onPrimary.findings.some((f) => f.code === 'backup-job')).toBe(false);
      expect(db(s, 'SQLAG02/SalesDW').jobs!.some((j) => j.replica === 'SQLAG01')).toBe(true);
    } finally {
      await p.stop();
    }
  });
});

describe('a stopped SQL Server Agent', () => {
  it('is a critical finding on its instance, and the reason of a database its stop left behind', async () => {
    const input = smallScenario();
    input.instances![0]!.agentStoppedFrom = '-3h';
    input.instances![0]!.databases![0]!.rpo = '1h';
    const { own, p } = await ownFleetPoller(input);
    try {
      await p.pollAll();
      const s = p.snapshot();
      expect(s.instances[0]!.findings).toContainEqual({
        code: 'agent-stopped',
        severity: 'critical',
        text: 'SQL Server Agent is not running (Stopped): no backup job runs until it is started (start the SQL Server Agent service, and set it to start automatically)',
      });
      const payroll = db(s, "SQLTEST/Pay]roll 'Ærø'");
      expect(payroll.assessment.status).toBe('BREACH');
      expect(payroll.assessment.reason).toMatch(/; SQL Server Agent is not running \(Stopped\): no backup job runs until it is started$/);
    } finally {
      await p.stop();
      await own.stop();
    }
  });
});
