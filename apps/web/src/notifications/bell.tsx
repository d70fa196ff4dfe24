// The bell in the header: a link to your notifications with how many are unread. While
// notifications is down it shows no number (not an error) and says why on hover and to
// assistive technology; the number comes back by itself (unread-count.tsx).
import { unavailable } from '../api/client';
import { href } from '../router';
import { useUnreadCount } from './unread-count';

export function Bell({ current }: { current: boolean }) {
  const { unread, down } = useUnreadCount();
  const shown = unread !== null && unread > 0 ? (unread > 99 ? '99+' : String(unread)) : '';
  const label = down
    ? `Notifications (${unavailable('notifications')})`
    : unread
      ? `Notifications, ${unread} unread`
      : 'Notifications';
  return (
    <a
      className="bell"
      href={href.notifications}
      aria-current={current ? 'page' : undefined}
      aria-label={label}
      title={down ? unavailable('notifications') : undefined}
      data-state={down ? 'down' : unread === null ? 'unknown' : 'up'}
      data-unread={unread ?? ''}
    >
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {shown && (
        <span className="bell-count" aria-hidden="true">
          {shown}
        </span>
      )}
    </a>
  );
}
