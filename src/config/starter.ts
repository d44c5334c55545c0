/**
 * The inventory `rpotop config init` writes: one instance and one application group, every password
 * left to an environment variable. `$schema` points at the JSON Schema shipped with this install, so
 * editors complete and check the file. Edited by hand afterwards; `rpotop config check` validates it.
 */
export const starterInventory = (schemaUrl: string) => ({
  $schema: schemaUrl,
  version: 1,
  fleet: 'production',
  defaults: { rpo: '24h', rto: '4h', warnAt: 0.8 },
  instances: [
    {
      name: 'AX01',
      host: 'sqlax01.example.internal',
      port: 1433,
      auth: { type: 'sql', user: 'rpotop_monitor', passwordEnv: 'RPOTOP_AX01_PASSWORD' },
      encrypt: true,
      targets: { rpo: '15m', rto: '2h' },
      databases: { include: ['*'], exclude: ['tempdb', 'model'] },
    },
  ],
  groups: [{ name: 'ax-production', preset: 'dynamics-ax', business: 'MicrosoftDynamicsAX', instance: 'AX01', targets: { rpo: '15m' } }],
});
