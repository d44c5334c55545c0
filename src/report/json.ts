import type { DrillRecord } from '../domain/drill.js';
import type { BackupSet } from '../domain/history.js';
import type { FleetSnapshot } from '../fleet/snapshot.js';

/** Version of the JSON document `rpotop status --format json` prints; bump on any breaking change. */
export const STATUS_SCHEMA = 'rpotop.status/1';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function backup(b: BackupSet | null) {
  return b
    ? {
        finishedAt: iso(b.finish),
        type: b.type,
        copyOnly: b.isCopyOnly,
        firstLsn: b.firstLsn.toString(),
        lastLsn: b.lastLsn.toString(),
        files: b.media.map((m) => m.physicalDeviceName),
        recordedOn: b.recordedOn,
      }
    : null;
}

/** A drill as status and the drill report print it (README: "rpotop status --format json", lastDrill). */
export function drillJson(r: DrillRecord | null) {
  return r
    ? {
        finishedAt: r.finishedAt,
        result: r.result,
        target: r.target,
        restoreSeconds: Math.round(r.restoreMs / 1000),
        checkdbSeconds: Math.round(r.checkdbMs / 1000),
        totalSeconds: Math.round(r.totalMs / 1000),
        rtoSeconds: r.rtoSeconds,
        withinRto: r.restoreMs <= r.rtoSeconds * 1000,
        errors: r.errors,
      }
    : null;
}

/** The documented, versioned JSON shape (README: "rpotop status --format json"). LSNs are strings. */
export function formatJson(snapshot: FleetSnapshot, exitCode: number): string {
  return JSON.stringify(
    {
      schema: STATUS_SCHEMA,
      fleet: snapshot.fleet,
      generatedAt: iso(snapshot.takenAt),
      worst: snapshot.worst,
      exitCode,
      counts: snapshot.counts,
      instances: snapshot.instances.map((i) => ({
        name: i.name,
        host: i.host,
        status: i.status,
        error: i.error,
        lastPollAt: iso(i.lastSuccessAt),
        version: i.version,
        utcOffsetMinutes: i.utcOffsetMinutes,
        encryption: i.encryption,
        readOnly: i.readOnly,
        findings: i.findings,
      })),
      databases: snapshot.databases.map((d) => ({
        instance: d.instance,
        database: d.name,
        inventoried: d.inventoried,
        groups: d.groups,
        status: d.assessment.status,
        reason: d.assessment.reason,
        breachSince: d.assessment.status === 'BREACH' && d.assessment.since !== null ? new Date(d.assessment.since).toISOString() : null,
        exposureSeconds: d.assessment.exposureMs === null ? null : Math.round(d.assessment.exposureMs / 1000),
        exposureAtMostSeconds: d.assessment.exposureAtMostMs === null ? null : Math.round(d.assessment.exposureAtMostMs / 1000),
        rpoSeconds: d.targets.rpoMinutes * 60,
        rtoSeconds: d.targets.rtoMinutes * 60,
        targetSources: d.targets.source,
        recoveryModel: d.state.recoveryModel,
        state: d.state.state,
        availabilityGroup: d.state.availabilityGroup,
        standbyOf: d.state.standbyOf
          ? {
              server: d.state.standbyOf.sourceServer,
              database: d.state.standbyOf.sourceDatabase,
              holdsTo: iso(d.state.standbyOf.holdsTo),
              lastRestoreAt: iso(d.state.standbyOf.restoredAt),
              lastRestoreType: d.state.standbyOf.restoreType,
            }
          : null,
        historyMergedFrom: d.mergedFrom,
        lastFull: backup(d.assessment.lastFull),
        lastDiff: backup(d.assessment.lastDiff),
        lastLog: backup(d.assessment.lastLog),
        restorableTo: iso(d.assessment.chain?.restorableTo ?? null),
        estimatedRestoreSeconds: d.rto ? Math.round(d.rto.seconds) : null,
        estimateBasis: d.rto?.basis ?? null,
        lastDrill: drillJson(d.lastDrill),
        lastRestored: d.lastRestored ? { at: iso(d.lastRestored.at), instance: d.lastRestored.instance, as: d.lastRestored.as, by: d.lastRestored.by } : null,
        // null: SQL Agent's tables were not read (not yet, or the login may not); [] no job backs it up.
        jobs:
          d.jobs?.map(({ step, kinds, replica, agentStopped }) => ({
            job: step.job,
            // A group's database: the replica whose Agent holds the job (null: this instance), and whether it is stopped there.
            replica: replica ?? null,
            agentStopped: agentStopped ?? false,
            kinds,
            enabled: step.enabled,
            schedules: step.schedules,
            nextRun: iso(step.nextRun),
            lastOutcome: step.lastOutcome,
            lastRun: iso(step.lastRun),
            failuresSinceSuccess: step.failuresSinceSuccess,
            failingSince: iso(step.failingSince),
            runningSince: iso(step.runningSince),
            lastFailure: step.lastFailure ? { at: iso(step.lastFailure.at), message: step.lastFailure.message } : null,
          })) ?? null,
        findings: d.findings,
      })),
      groups: snapshot.groups.map((g) => ({
        name: g.name,
        title: g.title,
        status: g.status,
        reason: g.reason,
        commonRecoveryPoint: iso(g.commonPoint),
        commonRecoveryPointProven: g.commonPointProven,
        limitedBy: g.limitedBy,
        newestCommonMark: g.commonMark ? { name: g.commonMark.name, committedAt: iso(g.commonMark.time) } : null,
        exposureSeconds: g.exposureMs === null ? null : Math.round(g.exposureMs / 1000),
        breachSince: g.status === 'BREACH' && g.since !== null ? iso(g.since) : null,
        rpoSeconds: g.targets.rpoMinutes * 60,
        rtoSeconds: g.targets.rtoMinutes * 60,
        estimatedRestoreSeconds: g.rto ? Math.round(g.rto.seconds) : null,
        estimateBasis: g.rto?.text ?? null,
        estimatePerInstance: g.rto?.perInstance.map((p) => ({ instance: p.instance, seconds: Math.round(p.seconds), databases: p.members })) ?? [],
        members: g.members.map((m) => ({ ...m, restorableTo: iso(m.restorableTo) })),
        missing: g.missing,
        standbys: g.standbys.map((sb) => ({
          instance: sb.instance,
          status: sb.status,
          holdsTo: iso(sb.holdsTo),
          lagSeconds: Math.round(sb.lagMs / 1000),
          breachSince: sb.status === 'BREACH' && sb.since !== null ? iso(sb.since) : null,
          limitedBy: sb.limitedBy,
          copies: sb.copies.map((c) => ({ database: c.database, source: c.source, lagSeconds: Math.round(c.lagMs / 1000) })),
          notCopied: sb.notCopied,
        })),
      })),
    },
    null,
    2,
  );
}
