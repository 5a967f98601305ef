// Entry point: applies the stored theme before the first paint, then mounts the app.
import { createRoot } from 'react-dom/client';
import { App } from './components/App.js';
import { applyTheme, storedTheme } from './hooks/useTheme.js';
import './styles.css';

applyTheme(storedTheme());
createRoot(document.getElementById('root')!).render(<App />);
