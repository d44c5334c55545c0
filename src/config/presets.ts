/**
 * What must be backed up, and restored, together for the application estates operators run
 * (docs/architecture.md 6). A preset expands into group members; its notes are shown with the group because
 * they change how a restore is done, not only what it covers.
 */
export interface PresetMember {
  /** A database name pattern (see pattern.ts). */
  database: string;
  role: string;
  /** Must be restored to one common point with the other `together` members. */
  together: boolean;
  /** A feature not every installation deploys: its absence is noted, never a fault. */
  optional?: boolean;
}

export interface Preset {
  id: PresetId;
  title: string;
  members(options: PresetOptions): PresetMember[];
  notes: string[];
  /**
   * Work outside SQL Server a group restore waits on, before its first statement and after its last: the
   * plan shows each, and cannot pass it until the operator says it is done (rpotop runs nothing on those hosts).
   */
  operatorSteps: { before: string[]; after: string[] };
}

export interface PresetOptions {
  /** Dynamics AX: the business database's name; its model store is `<business>_model`. */
  business?: string | undefined;
}

export const presetIds = ['dynamics-ax', 'biztalk', 'lync-2013', 'reporting-services'] as const;
export type PresetId = (typeof presetIds)[number];

// A default instance names its catalog ReportServer, a named one ReportServer$NAME: either may be absent.
const reportingServices: PresetMember[] = [
  { database: 'ReportServer', role: 'Reporting Services catalog', together: true, optional: true },
  { database: 'ReportServerTempDB', role: 'Reporting Services temporary store', together: true, optional: true },
  { database: 'ReportServer$*', role: 'Reporting Services catalog (named instance)', together: true, optional: true },
];

export const presets: Record<PresetId, Preset> = {
  'dynamics-ax': {
    id: 'dynamics-ax',
    title: 'Microsoft Dynamics AX',
    members: ({ business = 'MicrosoftDynamicsAX' }) => [
      { database: business, role: 'business database', together: true },
      { database: `${business}_model`, role: 'model store', together: true },
      { database: 'SharePoint_Config', role: 'Enterprise Portal: SharePoint configuration', together: false, optional: true },
      { database: 'SharePoint_AdminContent_*', role: 'Enterprise Portal: SharePoint administration', together: false },
      { database: 'WSS_Content*', role: 'Enterprise Portal: content', together: false },
      { database: '*Search_Service_Application*', role: 'Enterprise Search', together: false },
      ...reportingServices.map((m) => ({ ...m, together: false })),
    ],
    notes: [
      'Stop every AOS instance before restoring, and close remaining connections.',
      'Restore the business database and its model store to the same point in time.',
      'Analysis Services databases are backed up outside SQL Server (.abf files).',
      'If BizTalk is deployed for AIF, add a biztalk group as well.',
    ],
    operatorSteps: {
      before: ['Stop every AOS instance (the Microsoft Dynamics AX Object Server service on each AOS host) and close the remaining connections to the business database and the model store.'],
      after: ['Start the AOS instances again and check that the AX client connects.'],
    },
  },
  biztalk: {
    id: 'biztalk',
    title: 'BizTalk Server',
    members: () => [
      // Every BizTalk group has these four; the rule engine and BAM are features an installation may leave out.
      ...[
        ['BizTalkMgmtDb', 'configuration'],
        ['BizTalkMsgBoxDb', 'MessageBox'],
        ['BizTalkDTADb', 'tracking'],
        ['SSODB', 'Enterprise Single Sign-On'],
      ].map(([database, role]) => ({ database: database!, role: role!, together: true })),
      ...[
        ['BizTalkRuleEngineDb', 'Business Rule Engine'],
        ['BAMPrimaryImport', 'BAM primary import'],
        ['BAMAlertsApplication', 'BAM alerts'],
        ['BAMAlertsNSMain', 'BAM alerts (Notification Services)'],
      ].map(([database, role]) => ({ database: database!, role: role!, together: true, optional: true })),
      { database: 'BAMStarSchema', role: 'BAM star schema (own backup procedure)', together: false, optional: true },
      { database: 'BAMArchive', role: 'BAM archive (own backup procedure)', together: false, optional: true },
    ],
    notes: [
      'The Backup BizTalk Server job backs these up together with marked transactions: restore every "together" database to the same mark (STOPATMARK).',
      'BAMStarSchema and BAMArchive follow their own procedures; BAMAnalysis and BizTalkAnalysisDb are Analysis Services databases.',
      'Stop the BizTalk host instances, SSO and the SQL Agent jobs before restoring.',
    ],
    operatorSteps: {
      before: [
        'Stop every BizTalk host instance, the Enterprise Single Sign-On service, and the BizTalk SQL Agent jobs (Backup BizTalk Server among them) on every BizTalk server.',
      ],
      after: ['Start Enterprise Single Sign-On, the BizTalk SQL Agent jobs and the host instances again.'],
    },
  },
  'lync-2013': {
    id: 'lync-2013',
    title: 'Lync Server 2013',
    members: () =>
      [
        ['xds', 'Central Management store'],
        ['lis', 'Central Management store: location information'],
        ['rtcxds', 'user store'],
        ['rtcshared', 'user store: shared'],
        ['rtcab', 'address book'],
        ['rgsconfig', 'response groups: configuration'],
        ['rgsdyn', 'response groups: runtime'],
        ['cpsdyn', 'call park'],
        ['LcsLog', 'archiving'],
        ['LcsCDR', 'monitoring: call detail records'],
        ['QoEMetrics', 'monitoring: quality of experience'],
      ].map(([database, role]) => ({ database: database!, role: role!, together: false, optional: !['xds', 'lis', 'rtcxds'].includes(database!) })),
    notes: [
      'Restore the Central Management store (xds, lis) with Install-CsDatabase / Import-CsConfiguration as Microsoft documents, then the user store.',
      'Archiving and monitoring databases may live on their own instances: give those members an instance.',
    ],
    operatorSteps: {
      before: ['Stop the Lync Server services on every Front End server of the pool (Stop-CsWindowsService).'],
      after: ['Start the Lync Server services again (Start-CsWindowsService) and check replication (Get-CsManagementStoreReplicationStatus).'],
    },
  },
  'reporting-services': {
    id: 'reporting-services',
    title: 'SQL Server Reporting Services',
    members: () => reportingServices,
    notes: ['Back up the Reporting Services encryption key too (rskeymgmt -e): without it, stored credentials are lost.'],
    operatorSteps: {
      before: ['Back up the Reporting Services encryption key (rskeymgmt -e) and stop the SQL Server Reporting Services service.'],
      after: ['Start Reporting Services again; restore the encryption key (rskeymgmt -a) if the service reports it cannot decrypt.'],
    },
  },
};
