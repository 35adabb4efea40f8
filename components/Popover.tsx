'use client';

import { autoUpdate, computePosition, flip, offset, shift, size } from '@floating-ui/dom';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A button that opens a small modal dialog next to it. The native <dialog> traps focus and closes on
 * Escape; a tap outside closes it too; focus goes back to the button. Floating UI keeps it inside the
 * viewport (flipping above the button or shrinking and scrolling when there is no room below).
 */
export function Popover({
  label,
  title,
  buttonClassName = 'btn',
  children,
  testId,
}: {
  label: ReactNode;
  title: string;
  buttonClassName?: string;
  children: ReactNode;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();

  useEffect(() => {
    const d = dialog.current;
    const b = button.current;
    if (!open || !d || !b) return;
    if (!d.open) d.showModal();
    const place = () =>
      computePosition(b, d, {
        strategy: 'fixed',
        placement: 'bottom-end',
        middleware: [
          offset(8),
          flip({ padding: 8 }),
          shift({ padding: 8 }),
          size({
            padding: 8,
            apply({ availableHeight, elements }) {
              elements.floating.style.maxHeight = `${Math.max(120, Math.floor(availableHeight))}px`;
            },
          }),
        ],
      }).then(({ x, y }) => {
        d.style.left = `${x}px`;
        d.style.top = `${y}px`;
      });
    const stop = autoUpdate(b, d, () => void place());
    return () => {
      stop();
      if (d.open) d.close();
      b.focus();
    };
  }, [open]);

  return (
    <>
      <button
        ref={button}
        type="button"
        className={buttonClassName}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid={testId}
      >
        {label}
      </button>
      {open && (
        <dialog
          ref={dialog}
          className="popover"
          aria-labelledby={headingId}
          onClose={() => setOpen(false)}
          onKeyDown={(e) => {
            // A modal dialog keeps the page behind it inert, but Tab can still leave for the browser's own
            // controls: wrap around inside instead.
            if (e.key !== 'Tab') return;
            const focusable = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
            const first = focusable[0];
            const last = focusable[focusable.length - 1];
            if (!first || !last) return;
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first.focus();
            }
          }}
          onClick={(e) => {
            // A click on the backdrop lands on the dialog element itself, outside its box.
            if (e.target !== e.currentTarget) return;
            const r = e.currentTarget.getBoundingClientRect();
            const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
            if (!inside) setOpen(false);
          }}
        >
          <div className="popover-head">
            <h2 id={headingId}>{title}</h2>
            <button type="button" className="btn small icon-btn" onClick={() => setOpen(false)} aria-label="Close">
              ✕
            </button>
          </div>
          {children}
        </dialog>
      )}
    </>
  );
}
