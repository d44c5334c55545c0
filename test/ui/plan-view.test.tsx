import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { planState } from '../../src/ui/screens/plan.js';
import { batchRange } from '../../src/ui/PlanView.js';
import type { PlanPreview } from '../../src/ui/actions-port.js';
import { PlanView } from '../../src/ui/PlanView.js';
import { running } from '../../src/ui/running.js';
import { loadTheme } from '../../src/ui/theme.js';

const theme = loadTheme('default');
const plan: PlanPreview = {
  planId: 'p1',
  title: "Restore SQL01 / Sales ]Q'4 to the latest point",
  facts: ['restorable to 2026-11-22 02:00:01 (server time) plus the tail'],
  steps: [
    { script: "DECLARE @file1 nvarchar(260) = N'X:\\f.bak';\nRESTORE VERIFYONLY FROM DISK = @file1 WITH FILE = @position, CHECKSUM;", summary: 'check that backup #7 can be read', destructive: false, skippable: true, confirmWord: "Sales ]Q'4", instance: 'SQL01' },
    { script: "RESTORE DATABASE [Sales ]]Q'4] FROM DISK = @file1 WITH FILE = @position, NORECOVERY;", summary: 'restore the full backup #7', destructive: true, skippable: false, confirmWord: "Sales ]Q'4", instance: 'SQL01' },
  ],
  confirmWord: "Sales ]Q'4",
};

const draw = (state: ReturnType<typeof planState>, width = 100) => render(<PlanView state={state} theme={theme} height={20} width={width} now={0} />).lastFrame() ?? '';

describe('the plan screen', () => {
  it('asks for y on a check and for the name on a step that writes over the database', () => {
    expect(draw(planState(plan))).toContain('Press y to run step 1, Esc to stop.');
    const second = draw({ ...planState(plan), current: 1, typed: 'Sal' });
    expect(second).toContain("Step 2 writes database Sales ]Q'4 or takes it offline: it needs the name typed.");
    expect(second).toContain("Type Sales ]Q'4 and Enter to run it, Esc to stop: Sal");
    expect(second).toMatch(/✔ +1\. check that backup #7 can be read/);
  });

  it("gives way with a group plan's many facts, never with the step, its script or the operator's prompt", () => {
    const group: PlanPreview = {
      ...plan,
      facts: Array.from({ length: 14 }, (_, i) => `member ${i + 1}: full #1, 84 log backup(s)`),
      steps: [
        { script: '-- operator step (rpotop sends nothing): Stop every AOS instance.', summary: 'you, outside SQL Server: Stop every AOS instance.', destructive: false, skippable: false, confirmWord: 'done', operator: true, instance: 'AX01' },
        ...plan.steps,
      ],
    };
    const frame = draw(planState(group));
    expect(frame.split('\n').length).toBeLessThanOrEqual(20);
    expect(frame).toMatch(/\.\.\. \d+ more fact\(s\): Ctrl-E writes them with the script/);
    expect(frame).toContain('Step 1 is yours, outside SQL Server: rpotop sends nothing and waits until you say it is done.');
    expect(frame).toContain('Type done and Enter once it is done, Esc to stop:');
  });

  it('says above the prompt that the plan changed instead of running the step, and asks again', () => {
    const why = '1 log backup(s) of Sales ]Q\'4 taken after the plan was made (#9) are restored before its tail, as steps 2-2. Nothing was sent: confirm step 1 again to take the tail.';
    const last = { ok: false, messages: [], error: null, planChanged: { steps: plan.steps, why } };
    const frame = draw({ ...planState(plan), last });
    // Wrapped at the frame's 100 columns.
    expect(frame.replace(/\s*\n\s*/g, ' ')).toContain(`↻ the plan changed: ${why}`);
    expect(frame).toContain('Press y to run step 1, Esc to stop.');
    expect(frame).not.toContain('failed');
    // Once the step runs, the note has done its work.
    expect(draw({ ...planState(plan), last, running: running(0) })).not.toContain('the plan changed');
  });

  it('offers skipping a failed check with a reason, and not a failed restore', () => {
    const last = { ok: false, messages: ['Msg 3201: Cannot open backup device'], error: 'VERIFY DATABASE is terminating abnormally.' };
    const failedCheck = draw({ ...planState(plan), failed: true, last });
    expect(failedCheck).toContain('✖ step 1 failed: VERIFY DATABASE is terminating abnormally.');
    expect(failedCheck).toContain('Msg 3201: Cannot open backup device');
    expect(failedCheck).toContain('r runs this step again; s skips it (with a reason); Esc stops the plan here');
    expect(draw({ ...planState(plan), failed: true, last, skipping: 'read by hand' })).toContain('Why is this step skipped? (kept in the journal) read by hand');
    const failedRestore = draw({ ...planState(plan), current: 1, failed: true, last });
    expect(failedRestore).toContain('r runs this step again; Esc stops the plan here');
    expect(failedRestore).not.toContain('s skips it');
    expect(draw({ ...planState(plan), current: 2, skipped: [0] })).toMatch(/↷ +1\. check that backup #7/);
  });

  it('shows the statement awaiting confirmation whole at 80 columns, folded, never cut with an ellipsis', () => {
    const path = "B:\\Backup\\AXSQL01\\Sales ]Q'4 Björn\\LOG\\AXSQL01_Sales ]Q'4 Björn_LOG_20261127_091500_with_a_long_tail.trn";
    const long: PlanPreview = {
      ...plan,
      steps: [
        {
          script: `DECLARE @file1 nvarchar(260) = N'${path.replace(/'/g, "''")}';\nDECLARE @position int = 1;\nRESTORE LOG [Sales ]]Q'4 Björn] FROM DISK = @file1 WITH FILE = @position, NORECOVERY, CHECKSUM, STATS = 10;`,
          summary: 'restore the log backup #9',
          destructive: false,
          skippable: false,
          confirmWord: "Sales ]Q'4 Björn",
          instance: 'AXSQL01',
        },
      ],
    };
    const frame = draw(planState(long), 80);
    expect(frame).not.toContain('…');
    expect(frame.split('\n').every((l) => [...l].length <= 80)).toBe(true);
    // Every character of the statement is on screen, in order, across the folds.
    const shown = frame.split('\n').filter((l) => l.startsWith('   ') && !l.startsWith('   Press')).map((l) => l.replace(/^ +/, '')).join('');
    for (const part of long.steps[0]!.script.split('\n')) expect(shown.replace(/ /g, '')).toContain(part.replace(/ /g, ''));
  });
});

describe('the remaining log restores, confirmed together', () => {
  const logs: PlanPreview = {
    ...plan,
    steps: [
      plan.steps[0]!,
      ...Array.from({ length: 6 }, (_, i) => ({ script: `RESTORE LOG [db] FROM DISK = @file1 WITH NORECOVERY; -- ${i}`, summary: `restore the log backup #${100 + i}`, destructive: true, skippable: false, batchable: true, confirmWord: "Sales ]Q'4", instance: 'SQL01' })),
      { script: 'RESTORE DATABASE [db] WITH RECOVERY;', summary: 'recover', destructive: true, skippable: false, batchable: false, confirmWord: "Sales ]Q'4", instance: 'SQL01' },
    ],
  };

  it('are offered only after a first log restore was confirmed on its own, up to the last log', () => {
    expect(batchRange({ plan: logs, current: 1 })).toBeNull();
    expect(batchRange({ plan: logs, current: 2 })).toEqual({ from: 2, to: 6 });
    expect(batchRange({ plan: logs, current: 6 })).toBeNull();
    expect(draw({ ...planState(logs), current: 2 })).toContain('Ctrl-R confirms steps 3-7, the 5 remaining log restores, together');
    expect(draw({ ...planState(logs), current: 1 })).not.toContain('Ctrl-R');
  });

  it('ask for the name once, naming the steps they run', () => {
    const frame = draw({ ...planState(logs), current: 2, batch: { typed: 'Sal' } });
    expect(frame.replace(/\s+/g, ' ')).toContain('Steps 3-7, the 5 remaining log restores, run one after another; the first that fails stops the rest.');
    expect(frame).toContain('and Enter to run them all, Esc to confirm them one by one: Sal');
    expect(frame).not.toContain('Enter to run it');
    expect(frame).toContain('restore the log backup #102');
    expect(frame).toContain('restore the log backup #105');
  });
});
