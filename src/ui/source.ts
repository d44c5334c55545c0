import type { FleetSnapshot } from '../fleet/snapshot.js';

/** What the console reads: the fleet's state and its changes. The UI never polls a server itself. */
export interface SnapshotSource {
  snapshot(): FleetSnapshot;
  subscribe(listener: (snapshot: FleetSnapshot) => void): () => void;
  /** Asks for a poll of every instance now. */
  refresh(): void;
}
