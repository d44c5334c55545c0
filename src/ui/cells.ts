import { visible } from '../domain/visible.js';
import { exposureWords, statusGlyph } from '../domain/status.js';
import { formatDuration, durations } from '../domain/time.js';
import type { DatabaseSnapshot } from '../fleet/snapshot.js';
import type { SortKey } from './grid-model.js';
import { drillCell } from '../domain/drill.js';

export interface Column {
  id: SortKey | 'reason';
  title: string;
  width: number;
  /** Lower goes first when the terminal is narrow. */
  priority: number;
  cell(d: DatabaseSnapshot, now: number): string;
}

const age = (finish: number | undefined, now: number) => (finish === undefined ? '-' : formatDuration(Math.max(0, now - finish)));
const short = (model: string) => (model === 'BULK_LOGGED' ? 'BULK' : model);

export const COLUMNS: readonly Column[] = [
  { id: 'status', title: 'STATUS', width: 13, priority: 0, cell: (d) => `${statusGlyph[d.assessment.status]} ${d.assessment.status}` },
  { id: 'instance', title: 'INSTANCE', width: 11, priority: 1, cell: (d) => d.instance },
  { id: 'database', title: 'DATABASE', width: 21, priority: 0, cell: (d) => (d.inventoried ? d.name : `${d.name} (not inventoried)`) },
  { id: 'group', title: 'GROUP', width: 13, priority: 6, cell: (d) => d.groups.join(',') || '-' },
  { id: 'recovery', title: 'MODEL', width: 6, priority: 5, cell: (d) => short(d.state.recoveryModel) },
  {
    id: 'exposure',
    title: 'EXPOSURE/RPO',
    width: 18,
    priority: 0,
    cell: (d) => `${exposureWords(d.assessment)}/${formatDuration(d.targets.rpoMinutes * durations.MINUTE)}`,
  },
  { id: 'full', title: 'FULL', width: 10, priority: 4, cell: (d, now) => age(d.assessment.lastFull?.finish, now) },
  { id: 'diff', title: 'DIFF', width: 10, priority: 7, cell: (d, now) => age(d.assessment.lastDiff?.finish, now) },
  { id: 'log', title: 'LOG', width: 10, priority: 2, cell: (d, now) => age(d.assessment.lastLog?.finish, now) },
  // The last restore drill: ✔ passed, ✖ failed (CHECKDB or the restore), ! interrupted, and how long ago.
  { id: 'drill', title: 'DRILL', width: 10, priority: 8, cell: (d, now) => drillCell(d.lastDrill, now) },
  { id: 'reason', title: 'REASON', width: 0, priority: 3, cell: (d) => d.assessment.reason },
];

/** Narrowest useful reason column; narrower than this it is left to the detail view. */
const MIN_REASON = 16;

/**
 * The columns that fit: lowest priority dropped first (the reason included, when even its minimum does
 * not fit); the reason takes whatever width is left.
 */
export function fitColumns(width: number): { columns: Column[]; reasonWidth: number } {
  const chosen = [...COLUMNS];
  const fixed = () => chosen.reduce((n, c) => n + (c.id === 'reason' ? 0 : c.width + 1), 0) + 2;
  const fits = () => width - fixed() >= (chosen.some((c) => c.id === 'reason') ? MIN_REASON : 0);
  while (!fits()) {
    const drop = [...chosen].sort((a, b) => b.priority - a.priority)[0];
    if (!drop || drop.priority === 0) break;
    chosen.splice(chosen.indexOf(drop), 1);
  }
  return { columns: chosen, reasonWidth: chosen.some((c) => c.id === 'reason') ? Math.max(0, width - fixed()) : 0 };
}

/**
 * Pads or cuts to a width, with an ellipsis when cut: a row is always exactly as wide as its column. What
 * a cell cannot show (a line break, an escape sequence, a right-to-left mark) is shown escaped.
 */
export function fit(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = visible(raw);
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Words laid out on lines of at most `width` characters (a longer word is cut over lines), shown escaped. */
export function wrapWords(raw: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of visible(raw).split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if ([...candidate].length <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    let rest = [...word];
    while (rest.length > width) {
      lines.push(rest.slice(0, width).join(''));
      rest = rest.slice(width);
    }
    line = rest.join('');
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
