import { formatPath, type ConfigProblem } from './errors.js';

const SECRET_KEY = /^(password|passwd|pwd|secret|clientsecret)$/i;
const CONNECTION_STRING_SECRET = /(^|;)\s*(password|pwd)\s*=/i;

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
  } else if (typeof value === 'string' && CONNECTION_STRING_SECRET.test(value)) {
    found.push({
      path: formatPath(path),
      message: 'this string holds a password (Password=... in a connection string); give host, port and auth instead',
    });
  }
  return found;
}
