import { readRegularText, UnreadableFile } from './read-text.js';
import type { InstanceConfig } from './schema.js';

/** A bundle of a few dozen certificates is under 256 KiB. */
const MAX_CA_BYTES = 1024 * 1024;

export type Authority = { ok: true; pem: string | null } | { ok: false; reason: string };

/**
 * The certificate authority an instance's `caFile` names, read once when its client is built. A file that
 * cannot be used makes that instance UNKNOWN with the reason, and never falls back to an unchecked link.
 */
export function readAuthority(instance: InstanceConfig): Authority {
  const file = instance.caFile;
  if (file === undefined) return { ok: true, pem: null };
  try {
    const pem = readRegularText(file, MAX_CA_BYTES);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { ok: false, reason: `caFile ${file}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)` };
    return { ok: true, pem };
  } catch (error) {
    if (error instanceof UnreadableFile) return { ok: false, reason: `caFile ${file}: ${error.missing ? 'no such file' : error.message}` };
    throw error;
  }
}
