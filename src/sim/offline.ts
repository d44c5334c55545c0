import { majorVersion } from '../domain/version.js';
import { agentQueryFor, agentServiceQueryFor, marksQuery, pollQueries, probeQuery, restoredQuery, restoresQuery, type CatalogQuery } from '../sql/catalog.js';
import { agentJobRow, agentServiceRow, databaseRow, fileRow, historyRow, markRow, parseRows, restoredRow, restoreRow, serverRow } from '../sql/rows.js';
import type { PollResult } from '../sql/poll.js';
import type { Session } from './engine.js';
import type { SimInstance } from './model.js';
import { parseTypeName, type BoundParam } from './params.js';
import { prepareSelect, runPrepared } from './sql/run.js';
import { splitStatements, tokenize } from './tsql.js';

/**
 * The poll batch answered without a socket: each catalog query's text run by the simulator's SQL
 * evaluator (as the TDS server runs it), with values turned into what the driver hands over (datetime
 * as Date, bigint as text), then checked by the same row schemas. For component tests and render
 * benchmarks that need a large, realistic fleet fast; the driver path itself is tested in test/sim and
 * test/fleet.
 */
export function offlinePoll(instance: SimInstance, sinceId = 0, windowDays = 8): PollResult {
  const session: Session = { instance, spid: 51, database: 'master', login: instance.options.login, encrypted: false };
  const params = new Map<string, BoundParam>([
    ['@since_id', { type: parseTypeName('int'), value: sinceId }],
    ['@window_days', { type: parseTypeName('int'), value: windowDays }],
    ['@with_files', { type: parseTypeName('int'), value: 1 }],
    ['@with_marks', { type: parseTypeName('int'), value: 1 }],
    ['@with_restores', { type: parseTypeName('int'), value: 1 }],
  ]);
  const objects = (query: CatalogQuery) => {
    const [statement] = splitStatements(tokenize(query.text));
    const result = runPrepared(session, prepareSelect(session, statement!, params));
    return result.rows.map((row) =>
      Object.fromEntries(
        result.columns.map((c, i) => {
          const v = row[i] ?? null;
          if (v !== null && c.type.kind === 'datetime') return [c.name, new Date(v as number)];
          if (typeof v === 'bigint') return [c.name, v.toString()];
          return [c.name, v];
        }),
      ),
    );
  };
  const [probe] = objects(probeQuery) as { product_version: string; has_view_server_state: number; can_read_agent: number }[];
  const capabilities = { major: majorVersion(probe!.product_version), viewServerState: probe!.has_view_server_state === 1, readAgent: probe!.can_read_agent === 1 };
  const agentQuery = agentQueryFor(capabilities);
  const serviceQuery = agentServiceQueryFor(capabilities);
  const [serverQuery, databasesQuery, filesQuery, historyQuery] = pollQueries(capabilities, sinceId === 0);
  const [server] = parseRows(serverQuery.id, serverRow, objects(serverQuery));
  return {
    server: server!,
    databases: parseRows(databasesQuery.id, databaseRow, objects(databasesQuery)),
    files: parseRows(filesQuery.id, fileRow, objects(filesQuery)),
    history: parseRows(historyQuery.id, historyRow, objects(historyQuery)),
    marks: parseRows(marksQuery.id, markRow, objects(marksQuery)),
    restores: parseRows(restoresQuery.id, restoreRow, objects(restoresQuery)),
    restored: parseRows(restoredQuery.id, restoredRow, objects(restoredQuery)),
    agentJobs: parseRows(agentQuery.id, agentJobRow, objects(agentQuery)),
    agentService: parseRows(serviceQuery.id, agentServiceRow, objects(serviceQuery))[0] ?? null,
    capabilities,
  };
}
