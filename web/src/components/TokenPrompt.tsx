// Asks for the read token once, when the server refuses a request without it. The token is
// kept in sessionStorage and sent as a header, never in a URL.
import { useState } from 'react';
import { saveToken } from '../api.js';

/** A modal form for the read token. */
export function TokenPrompt({ onSaved, rejected }: { onSaved(): void; rejected: boolean }) {
  const [token, setToken] = useState('');
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        aria-labelledby="token-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          saveToken(token.trim());
          onSaved();
        }}
      >
        <h2 id="token-title">This logpipe server needs a read token</h2>
        <p>It was started with <code>--read-token</code>. The token stays in this tab only.</p>
        {rejected && <p className="state-text error" role="alert">The server did not accept that token.</p>}
        <label>
          Read token
          <input type="password" autoComplete="current-password" autoFocus value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit" className="btn primary">Unlock</button>
      </form>
    </div>
  );
}
