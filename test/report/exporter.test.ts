import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveInventory } from '../../src/config/resolve.js';
import { configSchema } from '../../src/config/schema.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { fleetMetrics } from '../../src/report/metrics.js';
import { demoInventory, DEMO_PASSWORD_ENV } from '../../src/sim/demo.js';
import { scenarioSchema } from '../../src/sim/scenario.js';
import { smallScenario, startFleet } from '../sim/helpers.js';
import { root, runRpotop } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rpotop-exporter-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** One sample line of the text format: name, labels, value. */
const SAMPLE = /^([a-z_]+)(?:\{((?:[a-z_]+="(?:[^"\\\n]|\\["\\n])*",?)*)\})? (-?[0-9.e+]+|NaN)$/;

function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

describe('the fleet as Prometheus metrics', () => {
  it('reads the poll: a state set per database, exposure as status computes it, names from the server escaped', async () => {
    const hostile = 'Pay"roll\\\n\u001b[31mGO\u202e';
    const input = smallScenario();
    input.instances![0]!.databases!.push({ name: hostile, recovery: 'FULL', dataGb: 1, rpo: '15m', jobs: [{ type: 'full', every: '1d' }] });
    const { fleet, endpoints } = await startFleet(input);
    const poller = new FleetPoller({ inventory: resolveInventory(configSchema.parse(demoInventory(scenarioSchema.parse(input), endpoints))), env: { [DEMO_PASSWORD_ENV]: fleet.password }, prompt: null });
    try {
      await poller.pollAll();
      const snapshot = poller.snapshot();
      const text = await fleetMetrics(() => snapshot, { version: '9.9.9' }).metrics();
      // Nothing from a server reaches a reader's terminal raw, and no password is anywhere.
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
      expect(text).not.toContain(fleet.password);
      const all = samples(text);
      const odd = all.filter((s) => s.name === 'rpotop_database_status' && s.labels.database === 'Pay"roll\\\\n\\x1b[31mGO\\u202e');
      expect(odd.map((s) => s.labels.status)).toEqual(['OK', 'WARN', 'BREACH', 'UNPROTECTED', 'UNKNOWN']);
      for (const d of snapshot.databases) {
        const states = all.filter((s) => s.name === 'rpotop_database_status' && s.labels.instance_name === d.instance && s.labels.database === d.name.replace(/[\n\u001b\u202e]/g, ''));
        if (d.name !== hostile) expect(states.filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual([d.assessment.status]);
        const exposure = all.find((s) => s.name === 'rpotop_database_exposure_seconds' && s.labels.database === d.name);
        if (d.name !== hostile) expect(exposure?.value ?? null).toBe(d.assessment.exposureMs === null ? null : d.assessment.exposureMs / 1000);
      }
      const full = all.find((s) => s.name === 'rpotop_database_last_backup_timestamp_seconds' && s.labels.database === "Pay]roll 'Ærø'" && s.labels.type === 'full')!;
      expect(full.value * 1000).toBe(snapshot.databases.find((d) => d.name === "Pay]roll 'Ærø'")!.assessment.lastFull!.finish);
      expect(all.find((s) => s.name === 'rpotop_instance_up')).toMatchObject({ labels: { instance_name: 'SQLTEST' }, value: 1 });
      expect(all.find((s) => s.name === 'rpotop_instance_agent_running')).toMatchObject({ labels: { instance_name: 'SQLTEST' }, value: 1 });
      expect(all.find((s) => s.name === 'rpotop_build_info')?.labels.version).toBe('9.9.9');
    } finally {
      await poller.stop();
      await fleet.stop();
    }
  }, 30_000);
});

/** Starts `rpotop exporter` and resolves with the URL it prints once it serves. */
function exporter(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.tsx'), 'exporter', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg') },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /(http:\/\/\S+)\/metrics/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`exporter exited with ${code}: ${out}`)));
  });
}

const run = (args: string[]) => runRpotop(args, dir);

describe('rpotop exporter', () => {
  it('serves /metrics and /healthz on loopback for the demo fleet, and stops on SIGTERM', async () => {
    const { child, url } = await exporter(['--demo', '--listen', '127.0.0.1:0']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const all = samples(await res.text());
    expect(all.filter((s) => s.name === 'rpotop_instance_up').map((s) => s.labels.instance_name)).toContain('BTSDR01');
    expect(all.find((s) => s.name === 'rpotop_database_status' && s.labels.database === 'BizTalkDTADb' && s.labels.instance_name === 'BTSDR01' && s.value === 1)?.labels.status).toBe('BREACH');
    expect(all.find((s) => s.name === 'rpotop_group_common_recovery_point_timestamp_seconds' && s.labels.group === 'biztalk')?.value).toBeGreaterThan(Date.now() / 1000 - 86_400);
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('says how to give --listen, and has its own --help', () => {
    const bad = run(['exporter', '--demo', '--listen', '9187']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--listen is HOST:PORT such as 127.0.0.1:9187 or [::1]:9187, not "9187"');
    const help = run(['exporter', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n  rpotop exporter \[--config FILE \| --demo \[--scenario NAME\]\] \[--listen HOST:PORT\]/);
    expect(help.stdout).toContain('binds to loopback (127.0.0.1:9187)');
  }, 30_000);
});

const installed = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('with Prometheus (Debian prometheus package; .ci/run installs it)', () => {
  it.skipIf(!installed('promtool'))('the alerting rules pass promtool', () => {
    const r = spawnSync('promtool', ['check', 'rules', path.join(root, 'deploy/prometheus/rpotop.rules.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS: 9 rules found');
    expect(r.status).toBe(0);
  });

  it.skipIf(!installed('prometheus'))('a real Prometheus scrapes the demo fleet and answers with a BREACH database and its exposure', async () => {
    const { url } = await exporter(['--demo', '--listen', '127.0.0.1:0']);
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\nrule_files:\n  - ${path.join(root, 'deploy/prometheus/rpotop.rules.yml')}\nscrape_configs:\n  - job_name: rpotop\n    static_configs:\n      - targets: ['${url.replace('http://', '')}']\n`,
    );
    const prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    children.push(prometheus);
    const query = async (q: string) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
      const body = r?.ok ? ((await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }) : null;
      return body?.data.result ?? [];
    };
    const q = 'rpotop_database_exposure_seconds and on (instance_name, database) (rpotop_database_status{status="BREACH"} == 1)';
    let found: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 60 && found.length === 0; i++) {
      found = await query(q);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    const dta = found.find((r) => r.metric.instance_name === 'BTSDR01' && r.metric.database === 'BizTalkDTADb');
    expect(dta, JSON.stringify(found)).toBeDefined();
    expect(Number(dta!.value[1])).toBeGreaterThan(3600);
  }, 90_000);
});
