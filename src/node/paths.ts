/** Host paths to the core's workspace-relative POSIX paths, whatever the platform's separator. */
import { isAbsolute, relative, sep } from 'node:path';

/** `file` relative to `root` with `/` separators, or undefined when it is `root` itself or not inside it. */
export function posixRelative(root: string, file: string): string | undefined {
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
