/**
 * A statement awaiting confirmation, folded to the screen's width: every character of it on screen,
 * never an ellipsis (what the operator approves is what runs). A line breaks after a space or comma
 * where one falls in the last third of the width, else at the width; continuation lines are indented
 * further, so a fold never reads as a new statement.
 */
export function scriptLines(script: string, width: number, indent = '   '): string[] {
  const first = Math.max(20, width - indent.length);
  const more = Math.max(20, first - 3);
  const out: string[] = [];
  for (const line of script.split('\n')) {
    let rest = line;
    let room = first;
    let lead = indent;
    while ([...rest].length > room) {
      const chars = [...rest];
      let cut = room;
      for (let i = room; i > Math.floor((room * 2) / 3); i--) {
        if (chars[i - 1] === ' ' || chars[i - 1] === ',') {
          cut = i;
          break;
        }
      }
      out.push(lead + chars.slice(0, cut).join(''));
      rest = chars.slice(cut).join('');
      room = more;
      lead = `${indent}   `;
    }
    out.push(lead + rest);
  }
  return out;
}
