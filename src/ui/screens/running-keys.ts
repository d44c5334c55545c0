import { runningKey, type Running } from '../running.js';

/** Keys while a statement runs: only Esc (asked, then confirmed) does anything, and it cancels the statement. */
export function runningKeys(r: Running, names: readonly string[]): { running: Running; cancel: boolean } {
  let next = r;
  let cancel = false;
  for (const name of names) {
    const key = runningKey(next, name);
    next = key.running;
    cancel ||= key.cancel;
  }
  return { running: next, cancel };
}
