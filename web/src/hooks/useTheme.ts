// Dark terminal theme by default, light on request; the choice is kept in localStorage.
import { useCallback, useEffect, useState } from 'react';

export type Theme = 'dark' | 'light';
const KEY = 'logpipe.theme';

/** The stored theme, or dark. */
export function storedTheme(): Theme {
  try {
    return localStorage.getItem(KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

/** Applies a theme to the document (a data attribute the stylesheet keys on). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

/** The current theme and a toggle that persists it. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => {
    applyTheme(theme);
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // Private mode: the theme lasts for this page only.
    }
  }, [theme]);
  // The attribute is set before the state changes: children (the histogram) read the theme's
  // colours in their effects, which run before this hook's effect would.
  const toggle = useCallback(
    () =>
      setTheme((t) => {
        const next = t === 'dark' ? 'light' : 'dark';
        applyTheme(next);
        return next;
      }),
    [],
  );
  return [theme, toggle];
}
