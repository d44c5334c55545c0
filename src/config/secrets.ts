import { formatPath, type ConfigProblem } from './errors.js';

const SECRET_KEY = /^(password|passwd|pwd|secret|clientsecret)$/i;
/**
 * A password written into a string, however it is spelled: `Password=` in a connection string after any
 * separator (`;`, `,`, `&`, a space, or none), `Password: …`, and the user:password@ of a URL. A note
 * that merely says "password" is not caught; one that says "password: x" is, which is the safe mistake.
 */
const STRING_SECRETS = [
  /(^|[^a-z0-9])(password|passwd|pwd)\s*[=:]\s*\S/i,
  /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i,
];

/**
 * Finds passwords written into the inventory. They are an error, not a warning: a file that holds one
 * has already leaked it to backups of the home directory and to whoever reads it. The value itself
 * is never repeated in the message.
 */
export function findInlineSecrets(value: unknown, path: (string | number)[] = []): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => found.push(...findInlineSecrets(item, [...path, i])));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const here = [...path, key];
      if (SECRET_KEY.test(key) && item !== null && item !== '') {
        found.push({
          path: formatPath(here),
          message:
            'a password must not be stored in the inventory. Remove it, put it in an environment variable and name that ' +
            'variable with "passwordEnv" (for example "RPOTOP_SQL01_PASSWORD"), or leave "passwordEnv" out to be prompted',
        });
      } else {
        found.push(...findInlineSecrets(item, here));
      }
    }
  } else if (typeof value === 'string' && STRING_SECRETS.some((pattern) => pattern.test(value))) {
    found.push({
      path: formatPath(path),
      message:
        'this string holds a password (Password=…, Password: … or user:password@ in a URL); remove it, give host, port and ' +
        'auth, and name an environment variable in "passwordEnv"',
    });
  }
  return found;
}
