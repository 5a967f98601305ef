// Entry point: applies the stored theme before the first paint, mounts the app, then loads the
// regex engine.
import { createRoot } from 'react-dom/client';
import { App } from './components/App.js';
import { applyTheme, storedTheme } from './hooks/useTheme.js';
import './styles.css';

applyTheme(storedTheme());
createRoot(document.getElementById('root')!).render(<App />);

// The regex engine (re2js, a quarter of the script) comes once the first view is on screen; from
// then on the query bar checks patterns as they are typed (until then the server says LP_ERR_QUERY).
const loadRegexEngine = () => void import('../../src/shared/query/regex.js');
if ('requestIdleCallback' in window) window.requestIdleCallback(loadRegexEngine, { timeout: 2000 });
else setTimeout(loadRegexEngine, 500);
