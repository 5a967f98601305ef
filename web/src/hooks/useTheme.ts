// The system's colour scheme (prefers-color-scheme) until the user picks one with the toggle;
// that choice is kept in localStorage and wins from then on.
import { useCallback, useEffect, useState } from 'react';

export type Theme = 'dark' | 'light';
const KEY = 'logpipe.theme';

function chosenTheme(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** The theme the user chose, else the system's (dark when it states none). */
export function storedTheme(): Theme {
  return chosenTheme() ?? systemTheme();
}

/** Applies a theme to the document (a data attribute the stylesheet keys on). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

/** The current theme and a toggle that persists it. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => applyTheme(theme), [theme]);
  // Follow the system's scheme as it changes, as long as the user has not chosen.
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const mq = matchMedia('(prefers-color-scheme: light)');
    const onChange = () => {
      if (chosenTheme()) return;
      const next = mq.matches ? 'light' : 'dark';
      applyTheme(next);
      setTheme(next);
    };
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  // The attribute is set before the state changes: children (the histogram) read the theme's
  // colours in their effects, which run before this hook's effect would.
  const toggle = useCallback(
    () =>
      setTheme((t) => {
        const next = t === 'dark' ? 'light' : 'dark';
        applyTheme(next);
        try {
          localStorage.setItem(KEY, next);
        } catch {
          // Private mode: the theme lasts for this page only.
        }
        return next;
      }),
    [],
  );
  return [theme, toggle];
}
