// The field sidebar: the fields of the records the view selects (GET /api/v1/fields) with their
// most frequent values and counts; + and − add `field:value` or `-field:value` to the query.
import type { FieldsResponse } from '../../../src/shared/api.js';
import { formatCount } from '../lib/format.js';
import { escapeBidiText } from '../lib/bidi.js';
import { VisibleText } from './VisibleText.js';

interface Props {
  fields: FieldsResponse | null;
  error: string | null;
  onFilter(field: string, value: string, negate: boolean): void;
}

/** The list of fields with their top values and +/− filter buttons. */
export function FieldSidebar({ fields, error, onFilter }: Props) {
  return (
    <aside className="field-sidebar" id="field-sidebar" aria-label="Fields">
      <h2 className="sidebar-title">Fields</h2>
      {fields === null && !error && <p className="state-text">Loading fields…</p>}
      {error && <p className="state-text error">Could not load the fields: {error}</p>}
      {fields && (
        <p className="sidebar-note" data-testid="fields-sampled">
          {fields.sampled
            ? `From the newest ${formatCount(fields.scanned)} of the matching lines (sampled).`
            : `From all ${formatCount(fields.matched)} matching line${fields.matched === 1 ? '' : 's'}.`}
        </p>
      )}
      {fields && fields.fields.length === 0 && <p className="state-text">No fields in these lines.</p>}
      <ul className="field-list">
        {fields?.fields.map((f) => (
          <li key={f.field}>
            <details>
              <summary>
                <span className="field-name"><VisibleText text={f.field} /></span>
                <span className="count">{formatCount(f.count)}</span>
              </summary>
              <ul className="field-values" aria-label={`Top values of ${f.field}`}>
                {f.values.map((v) => (
                  <li key={v.value}>
                    <span className="field-value" title={escapeBidiText(v.value)}><VisibleText text={v.value} /></span>
                    <span className="count">{formatCount(v.count)}</span>
                    <button type="button" className="btn tiny" aria-label={`Filter for ${f.field}:${v.value}`} title="Only lines with this value" onClick={() => onFilter(f.field, v.value, false)}>+</button>
                    <button type="button" className="btn tiny" aria-label={`Filter out ${f.field}:${v.value}`} title="Hide lines with this value" onClick={() => onFilter(f.field, v.value, true)}>−</button>
                  </li>
                ))}
                {f.distinct > f.values.length && <li className="dim">{formatCount(f.distinct)}{f.distinctCapped ? '+' : ''} distinct values</li>}
              </ul>
            </details>
          </li>
        ))}
      </ul>
    </aside>
  );
}
