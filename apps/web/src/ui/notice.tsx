// Short inline notices: what is unavailable right now, never an error page. Rendered inside a
// live region so screen readers hear them arrive.
import type { ReactNode } from 'react';

export function Notice({ children, tone = 'warn' }: { children: ReactNode; tone?: 'warn' | 'info' | 'error' }) {
  if (!children) return null;
  return <p className={`notice notice-${tone}`}>{children}</p>;
}

/** A region whose changes are announced politely; keep it mounted, change its content. */
export function LiveRegion({ children, className }: { children?: ReactNode; className?: string }) {
  return (
    <div role="status" aria-live="polite" className={className}>
      {children}
    </div>
  );
}
