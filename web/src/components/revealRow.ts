// Scrolls the list just enough to show more of a row that grew (expanded, context loaded),
// without pushing the row's own first line out of view.

/** Scrolls the nearest scrolling list so that `row` is as visible as it can be, top first. */
export function revealRow(row: HTMLElement | null): void {
  const list = row?.closest<HTMLElement>('.list');
  if (!row || !list) return;
  const box = row.getBoundingClientRect();
  const view = list.getBoundingClientRect();
  if (box.bottom > view.bottom) list.scrollTop += Math.min(box.bottom - view.bottom + 8, box.top - view.top);
}
