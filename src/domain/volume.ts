/**
 * Which volume a file lives on. The server's own answer (sys.dm_os_volume_stats.volume_mount_point)
 * wins; otherwise the longest known mount point that prefixes the path, then the drive or UNC share.
 * Windows paths compare case-insensitively, as the file system does.
 */
export function volumeOf(path: string, knownMountPoints: readonly string[] = []): string {
  const windows = /^[a-z]:[\\/]/i.test(path) || path.startsWith('\\\\');
  const norm = (p: string) => (windows ? p.replace(/\//g, '\\').toLowerCase() : p);
  const target = norm(path);
  let best: string | null = null;
  for (const mount of knownMountPoints) {
    const m = norm(mount);
    if (target.startsWith(m) && (!best || m.length > norm(best).length)) best = mount;
  }
  if (best) return norm(best);
  const drive = /^([a-z]:)[\\/]/i.exec(path);
  if (drive) return `${drive[1]!.toLowerCase()}\\`;
  const unc = /^(\\\\[^\\]+\\[^\\]+)/.exec(path.replace(/\//g, '\\'));
  if (unc) return `${unc[1]!.toLowerCase()}\\`;
  return '/';
}
