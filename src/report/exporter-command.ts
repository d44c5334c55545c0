import { createServer, type Server } from 'node:http';
import { DrillLog } from '../actions/drill-log.js';
import { defaultJournalPath } from '../actions/journal.js';
import { terminalPrompt } from '../config/prompt.js';
import { resolveInventory } from '../config/resolve.js';
import { configSchema } from '../config/schema.js';
import { loadConfig, locateConfig } from '../config/store.js';
import { visible } from '../domain/visible.js';
import { FleetPoller } from '../fleet/poller.js';
import { startDemo } from '../sim/demo.js';
import { fleetMetrics } from './metrics.js';

export interface ExporterCommand {
  config: string | undefined;
  demo: boolean;
  scenario: string;
  /** Where /metrics is served: loopback unless told otherwise. */
  listen: { host: string; port: number };
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * `rpotop exporter`: polls the fleet as the console does (one poller, the same inventory) and serves the
 * newest state on /metrics in Prometheus' text format, and /healthz. Runs until SIGINT or SIGTERM.
 */
export async function runExporter(cmd: ExporterCommand, out: NodeJS.WritableStream, version: string, stop: Promise<void>): Promise<number> {
  const { host, port } = cmd.listen;
  const demo = cmd.demo ? await startDemo(cmd.scenario) : null;
  let server: Server | null = null;
  let poller: FleetPoller | null = null;
  try {
    const config = demo ? configSchema.parse(demo.inventory) : loadConfig(locateConfig(cmd.config));
    const drills = DrillLog.besideJournal(defaultJournalPath(process.env, cmd.demo));
    poller = new FleetPoller({ inventory: resolveInventory(config), prompt: terminalPrompt(), drills: () => drills.latest() });
    const polling = poller;
    // Served after the first poll, so the first scrape has the fleet (an instance that does not answer is UNKNOWN by then).
    await polling.pollAll();
    await polling.start();
    const registry = fleetMetrics(() => polling.snapshot(), { version });
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('rpotop exporter: /metrics and /healthz\n');
      }
    });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host, () => resolve());
    });
    const address = listening.address();
    const bound = typeof address === 'object' && address ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : `${host}:${port}`;
    out.write(`rpotop exporter: http://${bound}/metrics for ${config.instances.length} instance(s) of fleet ${visible(config.fleet)}; Ctrl-C stops\n`);
    if (!isLoopback(host)) out.write(`rpotop exporter: listening beyond loopback (${visible(host)}): /metrics names every instance and database; keep it behind a firewall\n`);
    await stop;
    return 0;
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await poller?.stop();
    await demo?.fleet.stop();
  }
}
