import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** An inventory of a thousand instances is about 300 KiB; anything past this is not an inventory. */
export const MAX_INVENTORY_BYTES = 4 * 1024 * 1024;

/** Why a file could not be read as text, in words for the operator; never its content. */
export class UnreadableFile extends Error {
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
    this.name = 'UnreadableFile';
  }
}

function openQuietly(file: string): number {
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    return openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnreadableFile('no such file', true);
    if (code === 'EACCES' || code === 'EPERM') throw new UnreadableFile('cannot be read: permission denied');
    if (code === 'ENOTDIR') throw new UnreadableFile('cannot be read: a part of the path is a file, not a folder');
    if (code === 'ELOOP') throw new UnreadableFile('cannot be read: too many symbolic links');
    throw new UnreadableFile(`cannot be read (${code ?? 'unknown error'})`);
  }
}

/**
 * Reads a regular file of at most `limit` bytes as UTF-8, without a byte order mark. A folder, a FIFO, a
 * device or a socket is refused before a byte is read (a FIFO would hang the read, /dev/zero would fill
 * memory), and so is a file that is not UTF-8.
 */
export function readRegularText(file: string, limit = MAX_INVENTORY_BYTES): string {
  const fd = openQuietly(file);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UnreadableFile('is a folder; give the path of the inventory file inside it');
    if (!stat.isFile()) {
      throw new UnreadableFile('is not a regular file (a FIFO, socket or device); rpotop reads its inventory from a regular file only');
    }
    if (stat.size > limit) {
      throw new UnreadableFile(`is ${stat.size} bytes; an inventory is at most ${limit} bytes (${limit / 1024 / 1024} MiB)`);
    }
    // Read to the end in chunks, not into a buffer of the limit (4 MiB for a 2 KiB inventory): a file that
    // grows past the limit while it is read is still caught.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
      if (length > limit) throw new UnreadableFile(`grew past ${limit} bytes while it was read`);
    }
    try {
      // The decoder drops a leading byte order mark (editors on Windows write one; JSON.parse refuses it).
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, length));
    } catch {
      throw new UnreadableFile('is not UTF-8 text (UTF-16, or a legacy code page?); save it as UTF-8');
    }
  } finally {
    closeSync(fd);
  }
}
