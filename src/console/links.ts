/**
 * Links into the web console (`/console/...`) for messages that leave the daemon: notifications, APPROVAL_PENDING
 * errors, the CLI. `publicUrl` is notifications.publicUrl (how people reach the daemon); without it the path alone.
 */
export function consoleUrl(publicUrl: string | undefined, path: string): string {
  const rel = path.startsWith('/') ? path : `/${path}`;
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${rel}` : rel;
}
