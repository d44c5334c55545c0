import { databaseRow, fileRow, historyRow, parseRows, serverRow } from '../sql/rows.js';
import type { PollResult } from '../sql/poll.js';
import { catalogHandlers, type Result } from './catalog-handlers.js';
import type { SimInstance } from './model.js';

/**
 * The poll batch answered without a socket: the catalog handlers' rows, with values turned into what
 * the driver hands over (datetime as Date, bigint as text), then checked by the same row schemas.
 * For component tests and render benchmarks that need a large, realistic fleet fast; the driver path
 * itself is tested in test/sim and test/fleet.
 */
export function offlinePoll(instance: SimInstance, sinceId = 0, windowDays = 8): PollResult {
  const session = { instance, spid: 51, database: 'master', login: instance.options.login, encrypted: false };
  const params = new Map<string, number>([
    ['@since_id', sinceId],
    ['@window_days', windowDays],
    ['@with_files', 1],
  ]);
  const objects = (id: string) =>
    catalogHandlers[id]!(session, params).flatMap((r: Result) =>
      r.rows.map((row) =>
        Object.fromEntries(
          r.columns.map((c, i) => {
            const v = row[i] ?? null;
            if (v !== null && c.type.kind === 'datetime') return [c.name, new Date(v as number)];
            if (typeof v === 'bigint') return [c.name, v.toString()];
            return [c.name, v];
          }),
        ),
      ),
    );
  const [server] = parseRows('server.v1', serverRow, objects('server.v1'));
  return {
    server: server!,
    databases: parseRows('databases.v1', databaseRow, objects('databases.v1')),
    files: parseRows('files.v1', fileRow, objects('files.v1')),
    history: parseRows('history.v2', historyRow, objects('history.v2')),
  };
}
