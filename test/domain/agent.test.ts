import { describe, expect, it } from 'vitest';
import { agentNote, jobExplanation, jobsFor, type AgentBackupStep } from '../../src/domain/agent.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const at = (utc: number) => new Date(utc).toISOString().slice(11, 16);

const step = (job: string, command: string, over: Partial<AgentBackupStep> = {}): AgentBackupStep => ({
  job,
  enabled: true,
  command,
  schedules: 1,
  nextRun: NOW + HOUR,
  lastOutcome: 'succeeded',
  lastRun: NOW - HOUR,
  lastFailure: null,
  failuresSinceSuccess: 0,
  failingSince: null,
  runningSince: null,
  ...over,
});

describe('which databases a job step backs up', () => {
  it('reads BACKUP statements with bracketed, quoted and plain names, ] doubled, and the kind', () => {
    const steps = [
      step('a', "BACKUP LOG [Pay]]roll 'Ærø'] TO DISK = N'L:\\p.trn' WITH CHECKSUM;"),
      step('b', 'BACKUP DATABASE "Sales" TO DISK = @f WITH DIFFERENTIAL, CHECKSUM;\nBACKUP DATABASE Staging TO DISK = @g;'),
      step('c', "-- BACKUP LOG [Commented] TO DISK = 'x'\nDECLARE @db sysname = N'x'; BACKUP DATABASE @db TO DISK = @f;"),
    ];
    expect(jobsFor("Pay]roll 'Ærø'", steps).map((j) => [j.step.job, j.kinds])).toEqual([['a', ['log']]]);
    expect(jobsFor('sales', steps).map((j) => [j.step.job, j.kinds])).toEqual([['b', ['diff']]]);
    expect(jobsFor('Staging', steps).map((j) => j.kinds)).toEqual([['full']]);
    // A comment and a variable name back nothing up that rpotop can name.
    expect(jobsFor('Commented', steps)).toEqual([]);
    expect(jobsFor('@db', steps)).toEqual([]);
  });

  it("follows Ola Hallengren's @Databases: the keywords, wildcards and exclusions, in order", () => {
    const ola = (databases: string, type = 'LOG') =>
      step('ola', `EXECUTE [dbo].[DatabaseBackup] @Databases = N'${databases}', @Directory = N'B:\\Backup', @BackupType = '${type}', @Verify = 'Y', @CheckSum = 'Y'`);
    expect(jobsFor('Sales', [ola('USER_DATABASES')]).map((j) => j.kinds)).toEqual([['log']]);
    expect(jobsFor('master', [ola('USER_DATABASES')])).toEqual([]);
    expect(jobsFor('master', [ola('SYSTEM_DATABASES', 'FULL')]).map((j) => j.kinds)).toEqual([['full']]);
    expect(jobsFor('ReportServerTempDB', [ola('USER_DATABASES, -ReportServer%')])).toEqual([]);
    expect(jobsFor('Sales', [ola('USER_DATABASES, -ReportServer%', 'DIFF')]).map((j) => j.kinds)).toEqual([['diff']]);
    expect(jobsFor('AX_model', [ola('AX%')]).map((j) => j.kinds)).toEqual([['log']]);
    expect(jobsFor('Sales', [ola('ALL_DATABASES, -Sales')])).toEqual([]);
  });
});

describe("what SQL Agent says about a database's backups", () => {
  const log = (over: Partial<AgentBackupStep> = {}) => step('LOG backup', 'BACKUP LOG [Sales] TO DISK = @f;', over);

  it('says nothing when an enabled, scheduled job last succeeded', () => {
    expect(jobExplanation('log', jobsFor('Sales', [log()]), NOW, at)).toBeNull();
  });

  it('names a failing job: how often, since when, and the first line of SQL Server message', () => {
    const failing = log({
      lastOutcome: 'failed',
      failuresSinceSuccess: 6,
      failingSince: NOW - 5 * HOUR,
      lastFailure: { at: NOW - HOUR, message: 'Executed as user: NT SERVICE\\SQLSERVERAGENT. Cannot open backup device \'B:\\x.trn\'. Operating system error 112(There is not enough space on the disk.).\u001b[2J' },
    });
    expect(jobExplanation('log', jobsFor('Sales', [failing]), NOW, at)).toBe(
      "log backup job 'LOG backup' failed 6 times since 07:00, 5 h ago: Cannot open backup device 'B:\\x.trn'. Operating system error 112(There is not enough space on the disk.).\\x1b[2J",
    );
  });

  it('names a disabled job, one without a schedule, and the absence of any', () => {
    expect(jobExplanation('log', jobsFor('Sales', [log({ enabled: false })]), NOW, at)).toBe("log backup job 'LOG backup' is disabled; it last ran 11:00");
    expect(jobExplanation('log', jobsFor('Sales', [log({ schedules: 0 })]), NOW, at)).toBe("log backup job 'LOG backup' has no schedule: it runs only when started by hand");
    expect(jobExplanation('full', jobsFor('Sales', [log()]), NOW, at)).toBe('no SQL Agent job takes its full backups');
    // A healthy second job is enough.
    expect(jobExplanation('log', jobsFor('Sales', [log({ enabled: false }), step('other', 'BACKUP LOG Sales TO DISK = @f')]), NOW, at)).toBeNull();
  });

  it('asks about the full while there is none or in SIMPLE recovery, else the log; never of a database not online', () => {
    const db = { name: 'Sales', state: 'ONLINE', recoveryModel: 'FULL' };
    expect(agentNote(db, true, jobsFor('Sales', [log()]), NOW, at)).toBeNull();
    expect(agentNote(db, false, jobsFor('Sales', [log()]), NOW, at)).toBe('no SQL Agent job takes its full backups');
    expect(agentNote({ ...db, recoveryModel: 'SIMPLE' }, true, jobsFor('Sales', [log()]), NOW, at)).toBe('no SQL Agent job takes its full backups');
    expect(agentNote({ ...db, state: 'RESTORING' }, false, [], NOW, at)).toBeNull();
  });

  it('names a run that has lasted longer than the RPO, and only then', () => {
    const hung = jobsFor('Sales', [log({ runningSince: NOW - 3 * HOUR })]);
    expect(jobExplanation('log', hung, NOW, at, 15 * 60_000)).toBe(
      "log backup job 'LOG backup' has been running since 09:00, 3 h ago, longer than the RPO: no backup of it reaches msdb until that run ends, and Agent starts no other run of the job meanwhile",
    );
    // A long full running under a day's RPO, or a run just started, is the job at work.
    expect(jobExplanation('log', hung, NOW, at, 4 * HOUR)).toBeNull();
    expect(jobExplanation('log', jobsFor('Sales', [log({ runningSince: NOW - 60_000 })]), NOW, at, 15 * 60_000)).toBeNull();
    // Without an RPO to measure against, a run going on is not a fault.
    expect(jobExplanation('log', hung, NOW, at)).toBeNull();
    // agentNote measures against the RPO it is given.
    expect(agentNote({ name: 'Sales', state: 'ONLINE', recoveryModel: 'FULL' }, true, hung, NOW, at, 15 * 60_000)).toMatch(/^log backup job 'LOG backup' has been running since/);
  });

  it("judges a group's database on the jobs of every replica, naming the replica", () => {
    const primary = jobsFor('Sales', [step('FULL weekly', 'BACKUP DATABASE Sales TO DISK = @f')]);
    const secondary = jobsFor('Sales', [log()]).map((j) => ({ ...j, replica: 'AG02' }));
    // The primary alone takes no log backup; the secondary's job does.
    expect(jobExplanation('log', primary, NOW, at)).toBe('no SQL Agent job takes its log backups');
    expect(jobExplanation('log', [...primary, ...secondary], NOW, at)).toBeNull();
    expect(jobExplanation('log', [...primary, ...secondary.map((j) => ({ ...j, agentStopped: true }))], NOW, at)).toBe(
      "log backup job 'LOG backup' on AG02 does not run: SQL Server Agent is stopped there",
    );
    const failing = secondary.map((j) => ({ ...j, step: { ...j.step, lastOutcome: 'failed' as const, failuresSinceSuccess: 1 } }));
    expect(jobExplanation('log', [...primary, ...failing], NOW, at)).toBe("log backup job 'LOG backup' on AG02 failed its last run");
  });
});
