import { useLiveEvents } from '../live-events';

/** Whether new messages arrive by themselves right now. */
export function LiveBadge() {
  const { state } = useLiveEvents();
  const text = state === 'live' ? 'live' : state === 'connecting' ? 'reconnecting…' : 'offline';
  return <span className={`live-badge live-${state}`}>{text}</span>;
}
