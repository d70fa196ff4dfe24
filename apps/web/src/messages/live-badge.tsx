import { unavailable } from '../api/client';
import { useLiveEvents } from '../live-events';

/**
 * Whether new messages arrive by themselves right now: the stream is open and messaging answers.
 * An open stream alone is not enough: it stays open while messaging is down, when nothing can be
 * sent to arrive on it.
 */
export function LiveBadge() {
  const { state, messaging } = useLiveEvents();
  const shown = state === 'live' && messaging === 'down' ? 'down' : state;
  const text = { live: 'live', connecting: 'reconnecting…', down: 'not live', off: 'offline' }[shown];
  return (
    <span
      className={`live-badge live-${shown}`}
      data-state={shown}
      title={shown === 'down' ? `${unavailable('messaging')}: new messages do not arrive` : undefined}
    >
      {text}
    </span>
  );
}
