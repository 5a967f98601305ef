// The virtualised list of lines: only the rows in view (plus a few) are in the DOM. It keeps
// to the bottom while following, stops following when the user scrolls up, asks for older
// pages near the top, keeps the view still when lines are inserted above it (older pages, or
// late lines placed at their time), and shows the states of an empty, loading or failed result
// in words.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import type { SearchPattern } from '../lib/highlight.js';
import { itemKey, type LogWindow } from '../lib/logWindow.js';
import { formatDate, formatNumber } from '../lib/format.js';
import { LogRow } from './LogRow.js';
import { revealRow } from './revealRow.js';

/** Height of a collapsed row in CSS pixels (must match .row in styles.css). */
export const ROW_HEIGHT = 22;
const NOTE_HEIGHT = 20;
const PILL_ROOM = 48;

interface Props {
  window: LogWindow;
  status: 'loading' | 'ready' | 'error';
  empty: ReactNode;
  error: ReactNode;
  following: boolean;
  expandedId: number | null;
  pattern: SearchPattern | null;
  loadingOlder: boolean;
  olderError: string | null;
  newCount: number;
  /** Changes with every fresh load: the list then opens at the newest end (or at `focusId`). */
  loadKey: number;
  focusId: number | null;
  onToggleRow(id: number): void;
  onAtBottomChange(atBottom: boolean): void;
  onLoadOlder(): void;
  onJumpToNewest(): void;
}

/** The scrolling list of log rows. */
export function LogList(props: Props) {
  const { window: win, following, expandedId } = props;
  const items = win.items;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Room above the first line for "Start of the results." (so it covers no row), and below
    // the last for the "new lines" button (so it covers no row's buttons).
    paddingStart: win.hasOlder ? 0 : NOTE_HEIGHT,
    paddingEnd: following ? 0 : PILL_ROOM,
    getItemKey: (i) => itemKey(items[i]),
  });

  // Keep the view still when lines are inserted above it, and pinned to the bottom when
  // following. The anchor is the first row in view: lines only ever go in above it (older
  // pages, late lines) while not following, so it can only move down, by whole collapsed rows.
  const anchor = useRef<{ key: number; index: number } | null>(null);
  const takeAnchor = useCallback(() => {
    const el = scrollRef.current;
    const vi = el ? virtualizer.getVirtualItemForOffset(el.scrollTop) : undefined;
    anchor.current = vi && items[vi.index] ? { key: itemKey(items[vi.index]), index: vi.index } : null;
  }, [virtualizer, items]);
  // A fresh load opens at the newest end of the range, or at the shared line.
  const positionedFor = useRef(0);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (props.status === 'ready' && items.length && positionedFor.current !== props.loadKey) {
      positionedFor.current = props.loadKey;
      const i = props.focusId !== null ? items.findIndex((r) => r.id === props.focusId) : -1;
      if (i >= 0) virtualizer.scrollToIndex(i, { align: 'center' });
      else el.scrollTop = el.scrollHeight;
    } else if (following) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current && items.length && items[anchor.current.index]?.id !== anchor.current.key) {
      const { key, index } = anchor.current;
      for (let i = index + 1; i < items.length; i++) {
        if (itemKey(items[i]) === key) {
          el.scrollTop += (i - index) * ROW_HEIGHT;
          break;
        }
      }
    }
    takeAnchor();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items, following, takeAnchor, props.status, props.loadKey]);

  // A collapsed row must drop the height measured while it was open.
  const prevExpanded = useRef<number | null>(null);
  useEffect(() => {
    if (prevExpanded.current !== null && prevExpanded.current !== expandedId) virtualizer.measure();
    prevExpanded.current = expandedId;
  }, [expandedId, virtualizer]);

  // Bring a newly expanded row's details into view (they may open below the bottom edge).
  useEffect(() => {
    if (expandedId === null) return;
    const raf = requestAnimationFrame(() => {
      revealRow(scrollRef.current?.querySelector<HTMLElement>(`[data-testid=log-row][data-id="${expandedId}"]`) ?? null);
    });
    return () => cancelAnimationFrame(raf);
  }, [expandedId]);

  const { onAtBottomChange, onLoadOlder } = props;
  const hasOlder = win.hasOlder;
  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 1.5;
    onAtBottomChange(atBottom);
    takeAnchor();
    if (el.scrollTop < ROW_HEIGHT * 40 && hasOlder) onLoadOlder();
  }, [onAtBottomChange, onLoadOlder, hasOlder, takeAnchor]);

  // A short result never scrolls, so ask for older lines when the list does not fill the view.
  useEffect(() => {
    const el = scrollRef.current;
    if (el && hasOlder && props.status === 'ready' && el.scrollHeight <= el.clientHeight + ROW_HEIGHT) onLoadOlder();
  }, [items.length, hasOlder, props.status, onLoadOlder]);

  // Times of day alone mislead once the lines held span days or are not from today.
  const firstTs = items[0]?.ts;
  const lastTs = items[items.length - 1]?.ts;
  const withDate = firstTs !== undefined && lastTs !== undefined && (formatDate(firstTs) !== formatDate(lastTs) || formatDate(lastTs) !== formatDate(Date.now()));

  const virtualItems = virtualizer.getVirtualItems();
  const atStart = !hasOlder && props.status !== 'loading';
  let body: ReactNode;
  if (props.status === 'loading' && !items.length) body = <div className="list-state" role="status"><span className="spinner" aria-hidden="true" /> Loading lines…</div>;
  else if (props.status === 'error') body = <div className="list-state error" role="alert">{props.error}</div>;
  else if (!items.length) body = <div className="list-state">{props.empty}</div>;
  else
    body = (
      <div className="list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {atStart && <div className="list-start">Start of the results.</div>}
        {virtualItems.map((vi) => {
          const item = items[vi.index];
          const isExpanded = item.id === expandedId;
          return (
            <div
              key={vi.key}
              className="vrow"
              data-index={vi.index}
              ref={isExpanded ? virtualizer.measureElement : undefined}
              style={{ transform: `translateY(${vi.start}px)` }}
            >
              <LogRow record={item} expanded={isExpanded} pattern={props.pattern} withDate={withDate} onToggle={props.onToggleRow} />
            </div>
          );
        })}
      </div>
    );

  // Every live line that arrived while not following, whether the window had room for it or not
  // (those without room are also in droppedNewer, so adding both would count them twice).
  const pending = props.newCount;
  return (
    <div className="list-wrap">
      {items.length > 0 && (
        <div className="list-top-note" aria-live="off">
          {props.status === 'loading'
            ? 'Loading lines…'
            : props.loadingOlder
              ? 'Loading older lines…'
              : props.olderError
                ? props.olderError
                : ''}
        </div>
      )}
      <div className={`list${withDate ? ' with-date' : ''}`} ref={scrollRef} onScroll={onScroll} role="list" aria-label="Log lines" aria-busy={props.status === 'loading'}>
        {body}
      </div>
      {!following && (pending > 0 || !win.atHead) && (
        <button type="button" className="btn new-lines" onClick={props.onJumpToNewest}>
          {pending > 0 ? `${formatNumber(pending)} new line${pending === 1 ? '' : 's'}` : 'Jump to newest'} ↓
        </button>
      )}
    </div>
  );
}
