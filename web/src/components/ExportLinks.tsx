// Download links for everything matching the current filters and range (not just what is on
// screen); the server streams the file, so it never passes through the page's memory.
import { downloadWithToken, exportHref, readToken } from '../api.js';

interface Props {
  params: URLSearchParams;
}

/** NDJSON and CSV export links. */
export function ExportLinks({ params }: Props) {
  const links = (['ndjson', 'csv'] as const).map((format) => {
    const href = exportHref(params, format);
    const filename = `logpipe-export.${format}`;
    return (
      <a
        key={format}
        className="btn"
        href={href}
        download={filename}
        aria-label={`Export matching lines as ${format.toUpperCase()}`}
        onClick={(e) => {
          // A link cannot carry the read token; with one, fetch and save instead.
          if (readToken()) {
            e.preventDefault();
            downloadWithToken(href, filename).catch((err: Error) => {
              // Cancelling the save dialog is not a failure.
              if (err.name !== 'AbortError') window.alert(`The export failed: ${err.message}`);
            });
          }
        }}
      >
        ⤓ {format.toUpperCase()}
      </a>
    );
  });
  return <div className="export" role="group" aria-label="Export">{links}</div>;
}
