// Calls `fn` every `ms` while the page is visible, and once at once when it becomes visible again.
// A refresh nobody can see costs the edge as much as one somebody can; a hidden tab asks nothing,
// and catches up the moment it is looked at.
import { useEffect, useRef } from 'react';

export function useVisibleInterval(fn: () => void, ms: number, enabled = true): void {
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const visible = () => document.visibilityState === 'visible';
    const restart = () => {
      clearInterval(timer);
      timer = visible() ? setInterval(() => latest.current(), ms) : undefined;
    };
    const onVisibility = () => {
      if (visible()) latest.current();
      restart();
    };
    restart();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ms, enabled]);
}
