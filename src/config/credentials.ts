import type { InstanceConfig } from './schema.js';

/** Asks the operator for a password without echoing it; absent when there is no terminal. */
export type PasswordPrompt = (question: string) => Promise<string>;

export type Credential = { ok: true; password: string | null } | { ok: false; reason: string };

/**
 * The password of an instance: from the environment variable its inventory names, else from the
 * prompt. Never from a file; the reason never contains a password.
 */
export async function resolveCredential(
  instance: InstanceConfig,
  env: NodeJS.ProcessEnv,
  prompt: PasswordPrompt | null,
): Promise<Credential> {
  const auth = instance.auth;
  if (auth.type === 'azure-active-directory-default') return { ok: true, password: null };
  const fromEnv = auth.passwordEnv ? env[auth.passwordEnv] : undefined;
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
  return { ok: true, password: await prompt(`Password for ${who} on ${instance.name}: `) };
}
