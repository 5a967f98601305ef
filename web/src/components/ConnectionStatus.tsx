// Says in words whether live lines are arriving, and why not when they are not.
import { useEffect, useState } from 'react';
import type { TailStatus } from '../hooks/useLiveTail.js';

interface Props {
  tail: TailStatus;
  live: boolean;
  liveRange: boolean;
}

/** The connection indicator in the header. */
export function ConnectionStatus({ tail, live, liveRange }: Props) {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (tail.state !== 'reconnecting') return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [tail.state]);
  let kind = tail.state as string;
  let text: string;
  if (!liveRange) {
    kind = 'off';
    text = 'Fixed range, not live';
  } else if (tail.state === 'live') text = live ? 'Connected, live' : 'Connected, paused';
  else if (tail.state === 'connecting') text = 'Connecting…';
  else if (tail.state === 'reconnecting') {
    const secs = tail.retryAt ? Math.max(0, Math.ceil((tail.retryAt - Date.now()) / 1000)) : 0;
    text = secs > 0 ? `Disconnected, retrying in ${secs} s` : 'Reconnecting…';
  } else if (tail.state === 'unauthorized') text = 'Read token needed';
  else text = 'Not connected';
  return (
    <div className={`conn conn-${kind}`} role="status" data-testid="connection" data-state={liveRange ? tail.state : 'fixed'} title={tail.error ?? undefined}>
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-text">{text}</span>
    </div>
  );
}
