/**
 * What the console may ask of the actions layer. The UI never builds T-SQL nor runs it: it shows the
 * preview it is given, collects the operator's confirmation, and dispatches.
 */
export type ActionKind = 'tail-log' | 'recover' | 'drill';

export interface ActionPreview {
  title: string;
  /** Each statement exactly as it will run, with what it does. */
  steps: { script: string; summary: string }[];
  /** What the operator's users will feel. */
  effect: string;
  /** The database name to type, for statements that overwrite or take a database offline; null: y confirms. */
  confirmWord: string | null;
}

export interface ActionResult {
  ok: boolean;
  messages: string[];
  error: string | null;
  /** The plan changed instead of the step running (nothing was sent): its steps now, and why. */
  planChanged?: { steps: PlanPreview['steps']; why: string };
}

export interface ActionsPort {
  /** Why this action is not offered for this database, or what it would run. */
  preview(kind: ActionKind, databaseKey: string): ActionPreview | { refused: string };
  /**
   * A restore drill of the database on its drill target (the latest chain under a new name, CHECKDB, the copy
   * dropped): planned on the whole history and the target's file lists, so it takes a round trip or two.
   */
  prepareDrill(databaseKey: string): Promise<ActionPreview | { refused: string }>;
  run(kind: ActionKind, databaseKey: string, typed: string, onProgress: (percent: number, message: string) => void): Promise<ActionResult>;
  /** Cancels the statement running now (the driver sends SQL Server an attention); false when none runs. */
  cancelRunning(): boolean;
}

/** A restore plan fixed when it is shown: its steps run one by one, each confirmed, in this order only. */
export interface PlanPreview {
  planId: string;
  title: string;
  /** Chain, restorable-to time, estimate and notes, in words. */
  facts: string[];
  /**
   * `batchable`: a log restore, which may be confirmed together with the log restores after it.
   * `confirmWord`: what a destructive step needs typed (its database's name; `done` for an operator step).
   * `operator`: work outside SQL Server the plan waits on; rpotop sends nothing. `instance`: where it runs.
   */
  steps: { script: string; summary: string; destructive: boolean; skippable: boolean; batchable?: boolean; confirmWord: string; operator?: boolean; instance: string }[];
  /** The database the plan restores (a group's name for a group plan). */
  confirmWord: string;
  /** Where a resumed plan starts. */
  current?: number;
  /** Options on screen this plan cannot honour, with why (shown off, never ticked). */
  notApplied?: { tailFirst?: string; closeConnections?: string };
  /** What is lost when the plan overwrites the database without its tail: beginning it needs a second Enter. */
  losesTail?: string | null;
}

export interface InterruptedPlan {
  planId: string;
  what: string;
  /** The first step (0-based) that did not succeed. */
  next: number;
  total: number;
}

export interface PlanPort {
  /** The plan these options give, checked but not begun (nothing journaled, nothing runnable). */
  draftRestore(databaseKey: string, form: RestoreForm): Promise<PlanPreview | { refused: string }>;
  /** An application group's plan: every member restored together to one point, the operator's steps around it. */
  draftGroupRestore(group: string, form: RestoreForm): Promise<PlanPreview | { refused: string }>;
  /** Begins exactly the draft the operator saw; refused when a newer draft replaced it. */
  beginPlan(planId: string): PlanPreview | { refused: string };
  /** Skips the failed step where the plan can go on without it, the reason journaled. */
  skipPlanStep(planId: string, step: number, reason: string): { ok: true } | { refused: string };
  /** Plans the journal shows as started and neither finished nor stopped (a crash, a lost session, Ctrl-C). */
  interruptedPlans(): InterruptedPlan[];
  /** Reopens an interrupted plan at the step that did not finish, exactly as it was planned. */
  resumePlan(planId: string): PlanPreview | { refused: string };
  /** Records that the operator finished or stopped a plan, so it is not offered for resuming. */
  closePlan(planId: string, reason: string): void;
  runPlanStep(planId: string, step: number, typed: string, onProgress: (percent: number, message: string) => void): Promise<ActionResult>;
  /** Writes the open plan's whole script to a new file (for a ticket or a colleague); where it went, or why not. */
  exportPlan(planId: string): { path: string } | { refused: string };
}

/**
 * The restore options as the operator states them, before they are checked: a point in time as typed
 * (empty: the latest point), a new name as typed (empty: over the database itself).
 */
export interface RestoreForm {
  /** The server's wall clock, "YYYY-MM-DD HH:MM[:SS]"; empty for the latest point. */
  stopAt: string;
  /** Restore as a new database with its files moved; empty to restore over this one. */
  as: string;
  tailFirst: boolean;
  verifyFirst: boolean;
  closeConnections: boolean;
  recover: boolean;
}

export const defaultRestoreForm: RestoreForm = {
  stopAt: '',
  as: '',
  tailFirst: true,
  verifyFirst: false,
  closeConnections: true,
  recover: true,
};
