// How a deeply nested part of the page (an expanded row) adds a field filter to the query
// without threading a callback through the list and every row.
import { createContext } from 'react';

/** Adds `field:value` (or `-field:value` when `negate`) to the view's query; null outside the app. */
export type AddFieldFilter = (field: string, value: string, negate: boolean) => void;

/** Provided once by the app with a stable callback, so rows do not re-render for it. */
export const FieldFilterContext = createContext<AddFieldFilter | null>(null);
