// A button that copies text to the clipboard and says so.
import { useState } from 'react';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Older browsers or insecure origins: a temporary textarea and the legacy copy command.
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.className = 'offscreen';
  document.body.appendChild(ta);
  ta.select();
  document.execCommand('copy');
  ta.remove();
}

/** Copies `text` when pressed; `label` names what is copied ("Copy message"); `short` is shown instead when space is tight. */
export function CopyButton({ text, label, short }: { text: string; label: string; short?: string }) {
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  const said = state === 'done' ? 'Copied' : state === 'failed' ? 'Copy failed' : null;
  return (
    <button
      type="button"
      className="btn small"
      aria-label={said ?? label}
      onClick={(e) => {
        e.stopPropagation();
        copyText(text).then(
          () => setState('done'),
          () => setState('failed'),
        );
        setTimeout(() => setState('idle'), 1500);
      }}
    >
      {said ?? short ?? label}
    </button>
  );
}
