import { Box } from 'ink';
import { statusGlyph } from '../domain/status.js';
import { fit, fitColumns } from './cells.js';
import type { GridRow, GridState } from './grid-model.js';
import { commonPointText, groupRpoText, groupRtoText } from '../domain/group.js';
import { FastLine, Styled } from './Styled.js';
import type { Theme } from './theme.js';

interface Props {
  rows: readonly GridRow[];
  top: number;
  height: number;
  selected: number;
  width: number;
  theme: Theme;
  state: GridState;
  /** Server-side "now" per instance, for ages of the last backups. */
  nowFor: (instance: string) => number;
}

/** A heading names its rows; an application group's says what the bridge asks: to what point, and how long. */
function headingText(row: Extract<GridRow, { kind: 'heading' }>): string {
  const databases = `${row.count} database${row.count === 1 ? '' : 's'}`;
  const g = row.group;
  if (!g) return `── ${row.label} · ${databases} · worst ${statusGlyph[row.worst]} ${row.worst} `;
  const point = g.exposureMs === null ? 'no common point' : `common point ${commonPointText(g)} / RPO ${groupRpoText(g)}`;
  // What a narrow screen cuts goes last: the mark's long name after the problem that explains the status.
  const mark = g.commonMark ? ` · newest common mark ${g.commonMark.name}` : '';
  return `── ${statusGlyph[g.status]} ${g.status} ${row.label} · ${point} · restore ${groupRtoText(g)} · ${databases}${g.problem ? ` · ${g.problem}` : ''}${mark} `;
}

/**
 * The fleet grid, windowed: only the rows on screen are rendered, so 50,000 databases cost what 20 do.
 * The selected row is inverse and marked with ▶, so it shows without colour too.
 */
export function Grid({ rows, top, height, selected, width, theme, state, nowFor }: Props) {
  const { columns, reasonWidth } = fitColumns(width);
  const widthOf = (id: string, w: number) => (id === 'reason' ? reasonWidth : w);
  const header = columns
    .map((c) => {
      const arrow = state.sort.key === c.id ? (state.sort.desc ? '▼' : '▲') : '';
      return fit(`${c.title}${arrow}`, widthOf(c.id, c.width));
    })
    .join(' ');
  const visible = rows.slice(top, top + height);
  return (
    <Box flexDirection="column">
      <FastLine theme={theme} token="header" text={fit(`  ${header}`, width)} />
      {visible.map((row, i) => {
        const index = top + i;
        if (row.kind === 'heading') {
          return (
            <Styled key={row.key} theme={theme} token={`status.${row.worst}`}>
              {fit(headingText(row), width)}
            </Styled>
          );
        }
        const now = nowFor(row.db.instance);
        const line = columns.map((c) => fit(c.cell(row.db, now), widthOf(c.id, c.width))).join(' ');
        const isSelected = index === selected;
        const token = `status.${row.db.assessment.status}` as const;
        return (
          <FastLine
            key={row.key}
            theme={theme}
            token={isSelected ? 'selection' : row.db.inventoried ? token : 'muted'}
            // Only the selected row's bar needs its trailing spaces: ink tokenizes every character it is given.
            text={isSelected ? fit(`▶ ${line}`, width) : fit(`  ${line}`, width).trimEnd()}
          />
        );
      })}
      {rows.length === 0 ? (
        <Styled theme={theme} token="muted">
          {state.filter ? `  nothing matches "${state.filter}" (Esc clears the filter)` : '  no databases yet: waiting for the first poll'}
        </Styled>
      ) : null}
    </Box>
  );
}
