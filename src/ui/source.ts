import type { BackupSet } from '../domain/history.js';
import type { DatabaseSnapshot, FleetSnapshot } from '../fleet/snapshot.js';

/** What the console reads: the fleet's state and its changes. The UI never polls a server itself. */
export interface SnapshotSource {
  snapshot(): FleetSnapshot;
  /** Hears of every change, and of time passing (exposures grow) about once a second, slower for a fleet slow to assess. */
  subscribe(listener: (snapshot: FleetSnapshot) => void): () => void;
  /** Asks for a poll of every instance now. */
  refresh(): void;
  /**
   * A database's whole history, read when its detail view opens (a snapshot holds only the rows its
   * status needs). Absent: the snapshot's rows are all there is.
   */
  history?(db: DatabaseSnapshot): Promise<readonly BackupSet[]>;
}
