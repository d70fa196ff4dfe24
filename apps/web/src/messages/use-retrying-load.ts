// Loads something once, and while it fails (a service down) again every few seconds, so a page
// shows "messaging is unavailable right now" and then fills in by itself when it is back.
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/client';

const RETRY_MS = 4000;

export function useRetryingLoad<T>(load: (() => Promise<T>) | null): {
  data: T | undefined;
  error: string | null;
  reload: () => void;
} {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    if (!load) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    load()
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!live) return;
        setError(describeError(err));
        timer = setTimeout(reload, RETRY_MS);
      });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load, round, reload]);
  return { data, error, reload };
}
