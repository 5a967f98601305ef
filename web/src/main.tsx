import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<p>logpipe dashboard is being built.</p>);
