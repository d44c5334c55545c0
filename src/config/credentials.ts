import type { InstanceConfig } from './schema.js';

/** Asks the operator for a password without echoing it; absent when there is no terminal. */
export type PasswordPrompt = (question: string) => Promise<string>;

/** `prompted`: typed by the operator, who can be asked again when the server refuses it. */
export type Credential = { ok: true; password: string | null; prompted?: boolean } | { ok: false; reason: string };

/**
 * The password of an instance: from the environment variable its inventory names, else from the
 * prompt. Never from a file; the reason never contains a password.
 */
export async function resolveCredential(
  instance: InstanceConfig,
  env: NodeJS.ProcessEnv,
  prompt: PasswordPrompt | null,
  /** The instances the prompted password is for, when several share the login (see credentialKey). */
  sharedBy: readonly string[] = [instance.name],
  /** Why the operator is asked again (the server refused the last password); the variable is not read then. */
  again?: string,
): Promise<Credential> {
  const auth = instance.auth;
  if (auth.type === 'azure-active-directory-default') return { ok: true, password: null };
  const fromEnv = auth.passwordEnv && !again ? env[auth.passwordEnv] : undefined;
  if (fromEnv) return { ok: true, password: fromEnv };
  if (!prompt) {
    return {
      ok: false,
      reason: auth.passwordEnv
        ? `no password: $${auth.passwordEnv} is not set and there is no terminal to ask on`
        : 'no password: the inventory names no passwordEnv and there is no terminal to ask on',
    };
  }
  const who = auth.type === 'ntlm' ? `${auth.domain}\\${auth.user}` : auth.user;
  const on = sharedBy.length <= 1 ? instance.name : `${sharedBy.slice(0, -1).join(', ')} and ${sharedBy.at(-1)!}`;
  return { ok: true, password: await prompt(`${again ? `${again}. ` : ''}Password for ${who} on ${on}: `), prompted: true };
}

/**
 * Instances with the same key share one password prompt: the same kind of login, domain, user and
 * password variable (a fleet monitored by one rpotop_monitor login is asked for once, naming every
 * instance it is for). Null for logins without a password.
 */
export function credentialKey(instance: InstanceConfig): string | null {
  const auth = instance.auth;
  if (auth.type === 'azure-active-directory-default') return null;
  return [auth.type, auth.type === 'ntlm' ? auth.domain.toLowerCase() : '', auth.user.toLowerCase(), auth.passwordEnv ?? ''].join('\u0000');
}
