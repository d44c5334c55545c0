import { readFileSync } from 'node:fs';
import { ConfigError } from './config/errors.js';
import { describeInventory } from './config/describe.js';
import { resolveInventory } from './config/resolve.js';
import { configJsonSchema, configSchema, type Config } from './config/schema.js';
import { render } from 'ink';
import { terminalPrompt } from './config/prompt.js';
import { FleetPoller } from './fleet/poller.js';
import { startDemo } from './sim/demo.js';
import { App } from './ui/App.js';
import { installFrameCache } from './ui/ink-frame-cache.js';
import { GlyphsContext, glyphsFor } from './ui/glyphs.js';
import { enterAlternateScreen } from './ui/terminal.js';
import { CONSOLE_RENDER } from './ui/render-options.js';
import { writingChangedLines } from './ui/changed-lines.js';
import { chooseTheme, loadTheme } from './ui/theme.js';
import { starterInventory } from './config/starter.js';
import { loadConfig, locateConfig, writeNewConfig } from './config/store.js';
import { runExporter } from './report/exporter-command.js';
import { runCmsImport, runCsvImport } from './config/import-command.js';
import { runConfigAdd, terminalAsk } from './config/add-command.js';
import { runStatus } from './report/status-command.js';
import { runPlan } from './actions/plan-command.js';
import { runDrillCommand, runDrillReport } from './actions/drill-command.js';
import { DrillLog } from './actions/drill-log.js';
import { defaultJournalPath, Journal } from './actions/journal.js';
import { ConsoleActions } from './actions/console-actions.js';
import { filterJournal, formatJournal } from './report/journal.js';
import { runSim } from './sim/standalone.js';
import { parseCommand, UsageError, USAGE, usageOf, type Command } from './usage.js';
import { visible } from './domain/visible.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The console over a poller (and, for the demo, the simulated fleet it polls). The only render() call. */
async function runConsole(config: Config, opts: { theme: string | undefined; readOnly: boolean; demo: boolean }, cleanup: () => Promise<void>): Promise<number> {
  let theme: ReturnType<typeof loadTheme>;
  try {
    theme = loadTheme(chooseTheme(opts.theme ?? config.theme, process.env));
  } catch (error) {
    // The demo's simulated servers are already listening: left open, they kept the process alive.
    await cleanup();
    // A theme named on the command line is a usage error (exit 2); one named in the inventory is not.
    throw opts.theme !== undefined ? new UsageError((error as Error).message) : error;
  }
  const inventory = resolveInventory(config);
  const journal = new Journal(defaultJournalPath(process.env, opts.demo));
  const drills = DrillLog.besideJournal(journal.file);
  const poller = new FleetPoller({ inventory, prompt: terminalPrompt(), drills: () => drills.latest() });
  // Passwords are asked for before the console takes the screen.
  await poller.start();
  const readOnly = opts.readOnly || config.readOnly;
  const actions = new ConsoleActions(poller, inventory, journal, readOnly);
  await installFrameCache();
  const restore = enterAlternateScreen();
  try {
    const app = render(
      <GlyphsContext.Provider value={glyphsFor(process.env)}>
        <App source={poller} actions={actions} theme={theme} readOnly={readOnly} />
      </GlyphsContext.Provider>,
      { ...CONSOLE_RENDER, stdout: writingChangedLines(process.stdout) },
    );
    await app.waitUntilExit();
  } finally {
    restore();
    // Quitting (q, Ctrl-C) while a statement runs cancels it: SQL Server is sent an attention and the
    // journal records it as cancelled. Closing is bounded: a server that stops answering cannot hold the
    // process (the driver gives an unanswered cancel 5 s, then drops the connection).
    actions.cancelRunning();
    await Promise.race([(async () => { await poller.stop(); await cleanup(); })(), new Promise((r) => setTimeout(r, SHUTDOWN_MS).unref())]);
    // Whatever is still open by then (a socket waiting on an answer) does not keep the process alive.
    setTimeout(() => process.exit(), 500).unref();
  }
  return EXIT.ok;
}

/** How long quitting waits for connections to close before it leaves them. */
const SHUTDOWN_MS = 4000;

async function run(command: Command): Promise<number> {
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${command.topic ? usageOf(command.topic) : USAGE}\n`);
      return EXIT.ok;
    case 'version':
      process.stdout.write(`rpotop ${version()}\n`);
      return EXIT.ok;
    case 'config-path': {
      const where = locateConfig(command.config);
      process.stdout.write(`${visible(where.path)}\n`);
      process.stderr.write(`(from ${where.source})\n`);
      return EXIT.ok;
    }
    case 'config-check': {
      const where = locateConfig(command.config);
      const inventory = resolveInventory(loadConfig(where));
      process.stdout.write(`${describeInventory(inventory, where.path, process.env)}\n`);
      return EXIT.ok;
    }
    case 'config-init': {
      const where = locateConfig(command.config);
      writeNewConfig(where, starterInventory(new URL('../schema/rpotop.schema.json', import.meta.url).href));
      process.stdout.write(`wrote a starter inventory to ${visible(where.path)}\nedit it, then run: rpotop config check\n`);
      return EXIT.ok;
    }
    case 'config-add':
      return runConfigAdd(command, process.stdout, process.stderr, terminalAsk());
    case 'config-import-csv':
      return runCsvImport(command, process.stdout);
    case 'config-import-cms':
      return runCmsImport(command, process.stdout);
    case 'config-schema':
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return EXIT.ok;
    case 'status':
      return runStatus(command, process.stdout);
    case 'exporter': {
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return runExporter(command, process.stdout, version(), stop);
    }
    case 'plan':
      return runPlan(command, process.stdout);
    case 'drill':
      return runDrillCommand(command, process.stdout);
    case 'drill-report':
      return runDrillReport(command, process.stdout);
    case 'journal': {
      const journal = new Journal(defaultJournalPath(process.env, command.demo));
      const read = journal.read();
      const entries = filterJournal(read.entries, command.filter);
      const { damaged } = read;
      process.stdout.write(command.format === 'json' ? entries.map((e) => `${JSON.stringify(e)}\n`).join('') : `${formatJournal(entries, damaged)}\n`);
      process.stderr.write(`(${journal.file})\n`);
      return EXIT.ok;
    }
    case 'sim':
      return runSim(command, process.stdout, process.stderr);
    case 'demo': {
      const demo = await startDemo(command.scenario);
      return runConsole(configSchema.parse(demo.inventory), { ...command, demo: true }, () => demo.fleet.stop());
    }
    case 'tui':
      return runConsole(loadConfig(locateConfig(command.config)), { ...command, demo: false }, async () => undefined);
  }
}

/** `rpotop status` speaks the monitoring-plugin convention: anything that stops the run is 3 (UNKNOWN). */
const STATUS_FAILED = 3;

async function main(): Promise<void> {
  // `rpotop plan ... | head`: a reader that stops early is not a failure to report with a stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  });
  const argv = process.argv.slice(2);
  // status and drill speak the monitoring convention: a run that could not happen is 3 (UNKNOWN).
  const isStatus = argv[0] === 'status' || argv[0] === 'drill';
  let code: number;
  try {
    code = await run(parseCommand(argv));
  } catch (error) {
    // Every line escaped: arguments, file names and server messages can hold escape sequences.
    const say = (message: string) => process.stderr.write(`rpotop: ${message.split('\n').map(visible).join('\n')}\n`);
    if (error instanceof UsageError) {
      say(error.message);
      process.stderr.write(`\n${USAGE}\n`);
      code = isStatus ? STATUS_FAILED : EXIT.usage;
    } else if (error instanceof ConfigError) {
      say(error.message);
      code = isStatus ? STATUS_FAILED : EXIT.failed;
    } else {
      // Messages are for operators; the stack only when asked for.
      say(process.env.RPOTOP_DEBUG ? ((error as Error).stack ?? String(error)) : (error as Error).message);
      code = isStatus ? STATUS_FAILED : EXIT.failed;
    }
  }
  process.exitCode = code;
}

await main();
