import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceClient } from '../../src/sql/client.js';
import { configSchema } from '../../src/config/schema.js';
import { connect, smallScenario, startFleet } from './helpers.js';
import type { SimFleet, Endpoint } from '../../src/sim/fleet.js';

let fleet: SimFleet;
let endpoints: Endpoint[];

beforeAll(async () => {
  const input = smallScenario();
  input.instances![0]!.registeredServers = [
    { group: 'Production/ERP', name: 'AX', serverName: 'axsql01,1433' },
    { group: 'Production/ERP/Reporting', name: 'SSRS ]1', serverName: 'ssrs01\\REPORTS' },
    { name: 'Root one', serverName: 'lonely' },
  ];
  input.instances!.push({ name: 'NOROLE', databases: [], permissions: { readCms: false } });
  ({ fleet, endpoints } = await startFleet(input));
});
afterAll(async () => {
  await fleet?.stop();
});

describe('a Central Management Server (msdb sysmanagement_shared_* views)', () => {
  it('has the built-in roots per server type, the folders under the engine root with their counts, and each registration', async () => {
    const pool = await connect(endpoints[0]!, { encrypt: false });
    const groups = (await pool.request().query('SELECT g.server_group_id, g.name, g.server_type, g.parent_id, g.is_system_object, g.num_server_group_children, g.num_registered_server_children FROM msdb.dbo.sysmanagement_shared_server_groups AS g')).recordset;
    expect(groups.filter((g: { is_system_object: boolean }) => g.is_system_object).map((g: { name: string; server_type: number }) => `${g.server_type}:${g.name}`)).toEqual([
      '0:DatabaseEngineServerGroup',
      '1:AnalysisServicesServerGroup',
      '2:ReportingServicesServerGroup',
      '3:IntegrationServicesServerGroup',
      '4:SqlServerCompactEditionServerGroup',
    ]);
    const byName = (n: string) => groups.find((g: { name: string }) => g.name === n);
    expect(byName('Production')).toMatchObject({ parent_id: 1, num_server_group_children: 1, num_registered_server_children: 0, is_system_object: false });
    expect(byName('ERP')).toMatchObject({ parent_id: byName('Production').server_group_id, num_server_group_children: 1, num_registered_server_children: 1 });
    expect(byName('DatabaseEngineServerGroup')).toMatchObject({ num_registered_server_children: 1 });
    const servers = (await pool.request().query('SELECT s.name, s.server_name, s.server_group_id, s.server_type FROM msdb.dbo.sysmanagement_shared_registered_servers AS s')).recordset;
    expect(servers).toEqual([
      { name: 'AX', server_name: 'axsql01,1433', server_group_id: byName('ERP').server_group_id, server_type: 0 },
      { name: 'SSRS ]1', server_name: 'ssrs01\\REPORTS', server_group_id: byName('Reporting').server_group_id, server_type: 0 },
      { name: 'Root one', server_name: 'lonely', server_group_id: 1, server_type: 0 },
    ]);
    await pool.close();
  });

  it('reads the registrations with their folder paths through the client, and a login without ServerGroupReaderRole gets 229', async () => {
    const client = (e: Endpoint) =>
      new InstanceClient({
        instance: configSchema.parse({ version: 1, instances: [{ name: e.name, host: e.host, port: e.port, encrypt: false, auth: { type: 'sql', user: e.login } }] }).instances[0]!,
        password: e.password,
        caPem: null,
        connectTimeoutMs: 5000,
        requestTimeoutMs: 5000,
      });
    const cms = client(endpoints[0]!);
    expect(await cms.registeredServers()).toEqual([
      { name: 'AX', serverName: 'axsql01,1433', group: ['Production', 'ERP'] },
      { name: 'SSRS ]1', serverName: 'ssrs01\\REPORTS', group: ['Production', 'ERP', 'Reporting'] },
      { name: 'Root one', serverName: 'lonely', group: [] },
    ]);
    await cms.close();
    const denied = client(endpoints.find((e) => e.name === 'NOROLE')!);
    await expect(denied.registeredServers()).rejects.toMatchObject({ number: 229 });
    await denied.close();
  });
});
