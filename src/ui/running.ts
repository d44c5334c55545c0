/** A statement sent and not answered yet: its progress, since when, and whether the operator is cancelling it. */
export interface Running {
  percent: number;
  message: string;
  startedAt: number;
  /** Esc asked whether to cancel ('asked'); the cancel went to SQL Server ('sent'). */
  cancel: 'asked' | 'sent' | null;
}

export const running = (now: number): Running => ({ percent: 0, message: '', startedAt: now, cancel: null });

/**
 * A key while a statement runs. Esc asks; a second Esc (or y) cancels it, which the driver sends to SQL
 * Server as an attention; any other key takes the question back. Nothing else acts while it runs.
 */
export function runningKey(r: Running, name: string): { running: Running; cancel: boolean } {
  if (r.cancel === 'sent') return { running: r, cancel: false };
  if (r.cancel === 'asked' && (name === 'esc' || name === 'y')) return { running: { ...r, cancel: 'sent' }, cancel: true };
  if (name === 'esc') return { running: { ...r, cancel: 'asked' }, cancel: false };
  return { running: { ...r, cancel: null }, cancel: false };
}

/** Elapsed time to the second while a statement runs (a minute without news is worth seeing as it passes). */
function elapsed(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The line under the progress bar: what the server last said, for how long, and what Esc does now. */
export function runningText(r: Running, now: number): string {
  const said = r.message || 'sent; waiting for SQL Server (no progress message yet)';
  const time = `running ${elapsed(now - r.startedAt)}`;
  const esc =
    r.cancel === 'sent'
      ? 'cancel sent: waiting for SQL Server to stop the statement'
      : r.cancel === 'asked'
        ? 'Esc again cancels it: SQL Server stops and rolls back this statement (a RESTORE leaves the database RESTORING); any other key keeps it running'
        : 'Esc to cancel';
  return `${said} · ${time} · ${esc}`;
}
