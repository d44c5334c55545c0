import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigInput } from '../config/schema.js';
import { demoInventory } from './demo.js';
import { SimFleet, type Endpoint } from './fleet.js';
import type { Scenario } from './scenario.js';
import { loadScenario } from './scenarios.js';
import { makeTestCertificates } from './tls-cert.js';

export interface SimCommand {
  scenario: string;
  basePort: number | undefined;
  json: boolean;
  tls: boolean;
}

/** Fixes the simulated login's password (scripts, demos); otherwise each run makes a random one. */
export const SIM_PASSWORD_ENV = 'RPOTOP_SIM_PASSWORD';

function table(endpoints: Endpoint[]): string {
  const rows = [['name', 'host', 'port', 'login', 'password'], ...endpoints.map((e) => [e.name, e.host, String(e.port), e.login, e.password])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** `rpotop sim`: the simulated fleet on loopback until interrupted, with what a client needs to log in. */
export async function runSim(cmd: SimCommand, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const scenario = loadScenario(cmd.scenario);
  const certs = cmd.tls ? makeTestCertificates() : null;
  const password = process.env[SIM_PASSWORD_ENV];
  const fleet = new SimFleet({
    scenario,
    ...(cmd.basePort ? { basePort: cmd.basePort } : {}),
    ...(password ? { password } : {}),
    ...(certs ? { tls: certs } : {}),
  });
  const endpoints = await fleet.start();
  if (cmd.json) {
    for (const e of endpoints) out.write(`${JSON.stringify(e)}\n`);
  } else {
    err.write(`rpotop simulator: scenario ${scenario.name}, ${endpoints.length} instances on 127.0.0.1 (Ctrl-C stops)\n`);
    out.write(`${table(endpoints)}\n`);
  }
  // An inventory for these instances, so that going from here to rpotop's own console is one command.
  const caFile = certs ? path.join(tmpdir(), `rpotop-sim-ca-${process.pid}.pem`) : null;
  if (certs && caFile) writeFileSync(caFile, certs.ca);
  const inventoryFile = path.join(tmpdir(), `rpotop-sim-inventory-${process.pid}.json`);
  writeFileSync(inventoryFile, `${JSON.stringify(simInventory(scenario, endpoints, caFile), null, 2)}\n`);
  err.write(
    `inventory for these instances: ${inventoryFile}${caFile ? ` (TDS 8 strict, CA in ${caFile})` : ''}\n` +
      `  ${SIM_PASSWORD_ENV}=${endpoints[0]?.password ?? ''} rpotop --config ${inventoryFile}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fleet.stop();
  for (const file of [inventoryFile, caFile]) if (file) rmSync(file, { force: true });
  return 0;
}

/** The demo's inventory for these endpoints, with the password from $RPOTOP_SIM_PASSWORD and TLS as served. */
function simInventory(scenario: Scenario, endpoints: readonly Endpoint[], caFile: string | null): ConfigInput {
  const inventory = demoInventory(scenario, endpoints);
  inventory.fleet = `sim: ${scenario.name}`;
  inventory.instances = inventory.instances!.map((i) => ({
    ...i,
    auth: { ...i.auth, passwordEnv: SIM_PASSWORD_ENV } as typeof i.auth,
    ...(caFile ? { encrypt: 'strict' as const, caFile } : {}),
  }));
  return inventory;
}
