// One notification: who (each a link to their profile), what, and a link to where it happened —
// the comment on its post, the post, or for a follow the follower's profile.
import { Fragment } from 'react';
import type { Notification } from '../api/types';
import { href } from '../router';
import { formatTime } from '../ui/time';
import { actorsOf, targetOf, verbOf } from './notification-list';

export function NotificationItem({ notification: n, fresh }: { notification: Notification; fresh: boolean }) {
  const { shown, others } = actorsOf(n);
  const excerpt = n.comment?.excerpt ?? n.post?.excerpt ?? null;
  const target = targetOf(n);
  return (
    <li className={fresh ? 'notification fresh' : 'notification'} data-notification-id={n.id} data-type={n.type}>
      <p>
        {fresh && <span className="new-tag">new </span>}
        {shown.map((a, i) => (
          <Fragment key={a.id}>
            {i > 0 && (i === shown.length - 1 && others === 0 ? ' and ' : ', ')}
            <a className="author" href={href.user(a.username)}>
              {a.displayName}
            </a>
          </Fragment>
        ))}
        {others > 0 && ` and ${others} ${others === 1 ? 'other' : 'others'}`} {verbOf(n)}
        {n.type === 'like' && n.count !== undefined && n.count > 1 && <span className="muted"> ({n.count} likes)</span>}
      </p>
      {n.type === 'follow' ? (
        <a className="target" href={target}>
          @{n.actor.username}’s profile
        </a>
      ) : (
        <a className="target" href={target}>
          {excerpt ? `“${excerpt}”` : n.comment ? 'the comment' : 'your post'}
        </a>
      )}{' '}
      <time className="muted small" dateTime={n.createdAt}>
        {formatTime(n.createdAt)}
      </time>
    </li>
  );
}
