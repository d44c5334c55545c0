import type { Binding, Command, KeyContext, Scope } from './keys.js';
import { browseBindings } from './screens/browse.js';
import { confirmBindings } from './screens/confirm.js';
import { optionsBindings } from './screens/options.js';
import { planBindings } from './screens/plan.js';

/**
 * Every key rpotop answers, as data, gathered from the screens that own them (src/ui/screens/): input
 * handling, the help view, the status-bar hints and read-only filtering all read this one table
 * (docs/architecture.md 1). A binding that cannot act now says why (`unavailable`).
 */
export const keymap: readonly Binding[] = [...browseBindings, ...confirmBindings, ...optionsBindings, ...planBindings];

export function bindingsFor(scope: Scope, readOnly: boolean): Binding[] {
  return keymap.filter((b) => b.scopes.includes(scope) && !(readOnly && b.mutates));
}

/** The binding a key names on a screen, or null (read-only mode has no binding that changes a server). */
export function bindingFor(scope: Scope, name: string, readOnly: boolean): Binding | null {
  return bindingsFor(scope, readOnly).find((b) => b.keys.includes(name)) ?? null;
}

export function commandFor(scope: Scope, name: string, readOnly: boolean): Command | null {
  return bindingFor(scope, name, readOnly)?.command ?? null;
}

/** Why a binding does nothing in this context, or null when it acts. */
export const whyUnavailable = (b: Binding, ctx: KeyContext | null): string | null => (ctx && b.unavailable ? b.unavailable(ctx) : null);
