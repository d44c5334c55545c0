import { describe, expect, it } from 'vitest';
import { buildRestoreChain } from '../../src/domain/chain.js';
import { estimateRto, DEFAULT_THROUGHPUT, STEP_OVERHEAD_SECONDS } from '../../src/domain/rto.js';
import { findings } from '../../src/domain/findings.js';
import { HistoryBuilder } from './history-builder.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

function chainOf(h: HistoryBuilder) {
  const r = buildRestoreChain(h.rows, { kind: 'latest' });
  if (!r.ok) throw new Error(r.reason);
  return r.chain;
}

describe('estimateRto', () => {
  const h = new HistoryBuilder();
  h.full({ size: 10 * GB });
  h.log({ after: 15, size: 100 * MB });
  h.log({ after: 15, size: 100 * MB });
  const chain = chainOf(h);

  it('prefers measured restores, weighting them by bytes', () => {
    const e = estimateRto(chain, [
      { kind: 'restore', bytes: 2000 * MB, seconds: 10 },
      { kind: 'restore', bytes: 1000 * MB, seconds: 10 },
      { kind: 'restore', bytes: 3000 * MB, seconds: 10 },
      { kind: 'backup', bytes: 1, seconds: 1 },
    ]);
    expect(e.throughput).toBe(200 * MB);
    expect(e.seconds).toBeCloseTo((10 * GB + 200 * MB) / (200 * MB) + 3 * STEP_OVERHEAD_SECONDS, 6);
    expect(e.basis).toMatch(/^3 past restore\(s\) on this instance, 200 MB\/s; 3 restore statement\(s\): full, log/);
    expect(e.steps).toHaveLength(3);
  });

  it('falls back to half the backup throughput, where small logs do not drag a big full down', () => {
    const e = estimateRto(chain, [
      { kind: 'backup', bytes: 10 * GB, seconds: 40 },
      { kind: 'backup', bytes: 1 * MB, seconds: 1 },
      { kind: 'backup', bytes: 1 * MB, seconds: 1 },
    ]);
    expect(e.throughput).toBeCloseTo(((10 * GB + 2 * MB) / 42) * 0.5, 0);
    expect(e.basis).toContain('no restore measured; 0.5x the throughput of 3 backup(s)');
  });

  it('assumes a default when nothing was measured, and ignores empty samples', () => {
    const e = estimateRto(chain, [{ kind: 'restore', bytes: 0, seconds: 0 }]);
    expect(e.throughput).toBe(DEFAULT_THROUGHPUT);
    expect(e.basis).toContain('nothing measured; assumed 100 MB/s');
  });
});

describe('findings', () => {
  const codes = (f: ReturnType<typeof findings>) => f.map((x) => `${x.severity}:${x.code}`).sort();

  it('finds nothing in a clean history', () => {
    const h = new HistoryBuilder();
    h.full();
    h.log({ after: 15 });
    const state = h.state({
      files: [
        { type: 'ROWS', logicalName: 'Sales', physicalName: 'D:\\Data\\Sales.mdf', volumeMountPoint: 'D:\\' },
        { type: 'LOG', logicalName: 'Sales_log', physicalName: 'L:\\Log\\Sales_log.ldf', volumeMountPoint: 'L:\\' },
      ],
    });
    expect(findings(state, h.rows)).toEqual([]);
  });

  it('flags NUL, damaged, copy-only-only, missing checksums, snapshots and bulk-logged logs', () => {
    const h = new HistoryBuilder();
    h.full({ copyOnly: true, snapshot: true, device: '{4D5A8C1E-0000-0000-0000-000000000001}' });
    h.log({ after: 15, nul: true });
    h.log({ after: 15, damaged: true, checksum: false });
    h.log({ after: 15, bulk: true, checksum: false });
    const f = findings(h.state(), h.rows);
    expect(codes(f)).toEqual([
      'critical:backup-to-nul',
      'info:bulk-logged-log',
      'info:no-checksum',
      'warning:copy-only-only',
      'warning:damaged-backup',
      'warning:snapshot-backup',
    ]);
    expect(f.find((x) => x.code === 'backup-to-nul')!.text).toContain('chain is broken');
  });

  it('warns of a full to NUL less loudly than a log to NUL', () => {
    const h = new HistoryBuilder();
    h.full();
    h.full({ after: 10, nul: true });
    expect(findings(h.state(), h.rows).filter((x) => x.code === 'backup-to-nul').map((x) => x.severity)).toEqual(['warning']);
  });

  it('flags data and log on one volume, and backups written to the data volume', () => {
    const h = new HistoryBuilder();
    h.full({ device: 'd:\\backup\\Sales.bak' });
    const state = h.state({
      files: [
        { type: 'ROWS', logicalName: 'Sales', physicalName: 'D:\\Data\\Sales.mdf', volumeMountPoint: null },
        { type: 'LOG', logicalName: 'Sales_log', physicalName: 'D:\\Log\\Sales_log.ldf', volumeMountPoint: null },
      ],
    });
    const f = findings(state, h.rows);
    expect(codes(f)).toEqual(['warning:backup-on-data-volume', 'warning:data-log-same-volume']);
    expect(f[0]!.text).toContain('d:\\');
  });

  it('does not treat a URL or virtual device backup as on the data volume', () => {
    const h = new HistoryBuilder();
    const full = h.full({ device: 'D:\\x.bak' });
    full.media[0]!.deviceType = 9;
    const state = h.state({
      files: [{ type: 'ROWS', logicalName: 'Sales', physicalName: 'D:\\Data\\Sales.mdf', volumeMountPoint: null }],
    });
    expect(findings(state, h.rows)).toEqual([]);
  });
});

describe('rtoFinding', () => {
  it('flags an estimate past the RTO, with the basis', async () => {
    const { rtoFinding } = await import('../../src/domain/findings.js');
    const estimate = { seconds: 3 * 3600, steps: [], throughput: 1, basis: 'nothing measured; assumed 100 MB/s' };
    expect(rtoFinding(estimate, 240)).toBeNull();
    expect(rtoFinding(estimate, 60)).toEqual({
      code: 'rto-exceeded',
      severity: 'warning',
      text: 'estimated restore time 180 min exceeds the RTO of 60 min (nothing measured; assumed 100 MB/s)',
    });
  });
});
