import path from 'node:path';
import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMinutes } from './duration.js';
import { presetIds } from './presets.js';

/**
 * The inventory file's schema: the single source of truth for validation, defaults, the JSON Schema
 * editors use (`rpotop config schema`) and the types the rest of rpotop reads.
 */

/** A year and a day: past that an objective means nothing, and "1<400 zeros>d" would be Infinity. */
const MAX_DURATION_MINUTES = 366 * 1440;

const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: 'expected a duration such as "15m", "4h", "1d" or "1h30m"' })
  .transform(parseDurationMinutes)
  .pipe(
    z
      // Only Infinity fails the type: the digits of "1<400 zeros>d" overflow.
      .number({ error: 'expected a duration of at most 366d' })
      .min(1, { error: 'expected a duration of at least 1m' })
      .max(MAX_DURATION_MINUTES, { error: 'expected a duration of at most 366d' }),
  );

/** Whole seconds within bounds that work: Node's timers overflow past 2^31 ms (about 24.8 days). */
const seconds = (min: number, max: number, fallback: number, what: string) =>
  z
    .number()
    .int({ error: `expected whole seconds from ${min} to ${max}` })
    .min(min, { error: `expected whole seconds from ${min} to ${max}` })
    .max(max, { error: `expected whole seconds from ${min} to ${max}` })
    .default(fallback)
    .describe(what);

const targets = z
  .strictObject({
    rpo: duration.optional().describe('Recovery point objective: the most data the business accepts to lose.'),
    rto: duration.optional().describe('Recovery time objective: how long a restore may take.'),
    warnAt: z
      .number({ error: 'expected a fraction between 0 and 1, such as 0.8' })
      .gt(0, { error: 'expected a fraction between 0 and 1, such as 0.8' })
      .lt(1, { error: 'expected a fraction between 0 and 1, such as 0.8' })
      .optional()
      .describe('Exposure past this fraction of the RPO reads WARN.'),
  })
  .describe('Recovery targets; each one resolves explicit > group > instance > default.');

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name such as RPOTOP_SQL01_PASSWORD' });

const passwordEnv = envName
  .optional()
  .describe('Environment variable that holds the password; without it rpotop prompts. Never the password itself.');

const auth = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('sql'), user: z.string().min(1), passwordEnv }).describe('SQL Server login.'),
    z
      .strictObject({ type: z.literal('ntlm'), domain: z.string().min(1), user: z.string().min(1), passwordEnv })
      .describe('Windows account through NTLM.'),
    z
      .strictObject({ type: z.literal('azure-active-directory-default'), clientId: z.string().optional() })
      .describe('Microsoft Entra ID through the default credential chain (managed identity, environment, CLI).'),
  ],
  { error: 'expected auth.type to be "sql", "ntlm" or "azure-active-directory-default"' },
);

const pattern = z.string().min(1).describe('Database name; * matches any run of characters, ? one character.');

const instance = z
  .strictObject({
    name: z.string().min(1).describe('Name shown in rpotop; unique in the inventory.'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535, { error: 'expected a TCP port from 1 to 65535' }).optional(),
    instanceName: z.string().min(1).optional().describe('Named instance, resolved through SQL Server Browser.'),
    auth,
    encrypt: z
      .union([z.boolean(), z.enum(['prefer', 'strict'])], { error: 'expected true, false, "prefer" or "strict"' })
      .default(true)
      .describe(
        'true: require TLS and never send the login to a server that does not offer it; "prefer": TLS when offered, ' +
          'a cleartext link reported; "strict": TDS 8 (TLS first, SQL Server 2022), certificate always checked; false: no TLS.',
      ),
    trustServerCertificate: z.boolean().default(false).describe('Skip the certificate check (not with "strict").'),
    caFile: z
      .string()
      .refine((p) => path.isAbsolute(p), { error: 'expected an absolute path to a PEM file' })
      .optional()
      .describe("PEM file of a certificate authority (or the server's certificate) trusted for this instance, besides the system's."),
    hostNameInCertificate: z
      .string()
      .min(1)
      .optional()
      .describe('The name the certificate must carry, when it differs from host (an IP address, a listener).'),
    readOnly: z.boolean().default(false).describe('Never offer an action that changes this server.'),
    drillTarget: z
      .string()
      .min(1)
      .optional()
      .describe("Instance (by its name here) where this one's restore drills restore their copies; this instance itself when absent. It must read the backup files."),
    tags: z.array(z.string()).default([]),
    targets: targets.optional(),
    databases: z
      .strictObject({
        include: z.array(pattern).default(['*']),
        exclude: z.array(pattern).default([]),
        targets: z
          .record(z.string(), targets)
          .default({})
          .describe('Explicit targets per database name (or pattern): the highest precedence.'),
      })
      .prefault({})
      .describe('Which databases are inventoried; all discovered ones by default.'),
  })
  .refine((i) => i.port === undefined || i.instanceName === undefined, {
    error: 'give either port or instanceName, not both',
    path: ['instanceName'],
  });

const group = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    preset: z.enum(presetIds, { error: `expected one of ${presetIds.join(', ')}` }).optional(),
    business: z.string().min(1).optional().describe('dynamics-ax preset: the business database name (default MicrosoftDynamicsAX).'),
    instance: z.string().min(1).optional().describe('Instance of the members that name none; any instance when omitted.'),
    members: z
      .array(z.strictObject({ instance: z.string().min(1).optional(), database: pattern, role: z.string().optional() }))
      .default([]),
    targets: targets.optional(),
  })
  .describe('Databases that must be restorable together: an application estate.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1, { error: 'expected "version": 1' }),
    fleet: z.string().min(1).default('fleet').describe('Name shown in the header and reports.'),
    readOnly: z.boolean().default(false).describe('Never offer an action that changes any server.'),
    defaults: z
      .strictObject({
        rpo: duration.prefault('24h'),
        rto: duration.prefault('4h'),
        warnAt: z.number().gt(0).lt(1).default(0.8),
      })
      .prefault({}),
    drills: z
      .strictObject({
        maxAgeDays: z.number().int().min(1).max(3650).default(30).describe('A database whose last restore drill is older than this is due again.'),
      })
      .prefault({})
      .describe('Restore drills: rpotop drill restores the latest chain under a new name, runs DBCC CHECKDB, drops the copy.'),
    poll: z
      .strictObject({
        intervalSeconds: seconds(5, 86_400, 60, 'Time between two polls of an instance.'),
        jitterSeconds: seconds(0, 3_600, 5, 'Random spread added to each interval, so polls do not arrive together.'),
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(1024, { error: 'expected from 1 to 1024 instances polled at a time' })
          .default(32),
        connectTimeoutSeconds: seconds(1, 600, 15, 'How long to wait for a login before the instance reads UNKNOWN.'),
        requestTimeoutSeconds: seconds(1, 3_600, 30, 'How long a poll query may run before the instance reads UNKNOWN.'),
        staleAfterSeconds: seconds(10, 604_800, 300, 'Figures older than this are shown as stale.'),
      })
      .prefault({}),
    theme: z.string().default('default').describe('A theme in themes/: default, high-contrast, colour-blind, monochrome.'),
    instances: z
      .array(instance, { error: 'expected a list of instances' })
      .min(1, { error: 'empty; list at least one instance (`rpotop config init` writes an example)' }),
    groups: z.array(group).default([]),
  })
  .superRefine((config, ctx) => {
    const names = new Map<string, number>();
    config.instances.forEach((inst, i) => {
      const key = inst.name.toLowerCase();
      if (names.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'name'],
          message: `duplicate instance name "${inst.name}" (also instances[${names.get(key)}])`,
        });
      } else names.set(key, i);
    });
    config.groups.forEach((g, gi) => {
      const refs: [string | undefined, (string | number)[]][] = [
        [g.instance, ['groups', gi, 'instance']],
        ...g.members.map((m, mi): [string | undefined, (string | number)[]] => [m.instance, ['groups', gi, 'members', mi, 'instance']]),
      ];
      for (const [ref, path] of refs) {
        if (ref !== undefined && !names.has(ref.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path, message: `no instance named "${ref}" in instances` });
        }
      }
      if (!g.preset && g.members.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['groups', gi], message: 'a group needs a preset or members' });
      }
    });
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type InstanceConfig = Config['instances'][number];
export type GroupConfig = Config['groups'][number];
export type TargetsConfig = z.output<typeof targets>;

/**
 * How a connection is protected, from the inventory's `encrypt`:
 * - `require` (true): TLS negotiated inside TDS, and the login is never sent if the server does not offer it;
 * - `prefer`: TLS when the server offers it, else cleartext, reported on every surface;
 * - `strict`: TDS 8, TLS before any TDS byte (SQL Server 2022), the certificate always checked;
 * - `off` (false): no TLS asked for.
 */
export type LinkMode = 'require' | 'prefer' | 'strict' | 'off';

export function linkMode(encrypt: InstanceConfig['encrypt']): LinkMode {
  return encrypt === true ? 'require' : encrypt === false ? 'off' : encrypt;
}

/** The JSON Schema of the inventory file, for editors (`"$schema"` in the file). */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
