// Inline SVG icons, drawn on a 16 px grid in currentColor so they follow the theme.
import type { ReactElement } from "react";

export type IconName =
  | "check"
  | "lock"
  | "warning"
  | "flask"
  | "copy"
  | "external"
  | "cross"
  | "info"
  | "retry"
  | "clock"
  | "pending"
  | "running"
  | "download"
  | "undo"
  | "plus"
  | "trash"
  | "chevron"
  | "search"
  | "stop"
  | "handOff";

const PATHS: Record<IconName, ReactElement> = {
  check: <path d="M3 8.5l3 3 7-7" />,
  lock: (
    <>
      <rect x="3.5" y="7" width="9" height="6.5" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </>
  ),
  warning: (
    <>
      <path d="M8 2.5l6 11H2z" />
      <path d="M8 6.5v3M8 11.5v.01" />
    </>
  ),
  flask: (
    <>
      <path d="M6 2h4M6.5 2v4L3 13a1 1 0 0 0 .9 1.5h8.2A1 1 0 0 0 13 13L9.5 6V2" />
      <path d="M4.5 10h7" />
    </>
  ),
  copy: (
    <>
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 5.5V4a1.5 1.5 0 0 0-1.5-1.5H4A1.5 1.5 0 0 0 2.5 4v5A1.5 1.5 0 0 0 4 10.5h1.5" />
    </>
  ),
  external: <path d="M9 2.5h4.5V7M13.5 2.5L7 9M11.5 9.5v3a1 1 0 0 1-1 1h-7a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1h3" />,
  cross: <path d="M4 4l8 8M12 4l-8 8" />,
  info: (
    <>
      <circle cx="8" cy="8" r="6" />
      <path d="M8 7.5v4M8 5v.01" />
    </>
  ),
  retry: <path d="M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.5h-2.5" />,
  clock: (
    <>
      <circle cx="8" cy="8" r="6" />
      <path d="M8 4.5V8l2.5 1.5" />
    </>
  ),
  pending: <circle cx="8" cy="8" r="5.5" strokeDasharray="2 2.3" />,
  running: (
    <>
      <circle cx="8" cy="8" r="6" />
      <path d="M6.5 5.5l4 2.5-4 2.5z" />
    </>
  ),
  download: <path d="M8 2.5v8M4.5 7L8 10.5 11.5 7M3 13.5h10" />,
  undo: <path d="M5.5 3L2.5 6l3 3M2.5 6H10a3.5 3.5 0 0 1 0 7H7" />,
  plus: <path d="M8 3v10M3 8h10" />,
  trash: <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9" />,
  chevron: <path d="M6 4l4 4-4 4" />,
  search: (
    <>
      <circle cx="7" cy="7" r="4.5" />
      <path d="M10.5 10.5L14 14" />
    </>
  ),
  stop: <rect x="4" y="4" width="8" height="8" rx="1" />,
  handOff: <path d="M2.5 8h8M8 5l3 3-3 3M13.5 3v10" />,
};

/** A decorative icon; the text next to it carries the meaning. */
export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : "icon"}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[name]}
    </svg>
  );
}

/** The Keyless mark: a key crossed out, as in the app icon. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 512 512" width="28" height="28" aria-hidden="true" focusable="false">
      <defs>
        <mask id="logo-gap">
          <rect width="512" height="512" fill="#fff" />
          <path d="M170 358 L366 162" stroke="#000" strokeWidth="80" strokeLinecap="round" />
        </mask>
      </defs>
      <rect x="16" y="16" width="480" height="480" rx="112" className="logo-tile" />
      <g mask="url(#logo-gap)" fill="none" stroke="#fff" strokeWidth="36" strokeLinecap="round">
        <circle cx="166" cy="158" r="76" />
        <path d="M220 212 L394 386 M394 386 L352 428 M338 330 L302 366" />
      </g>
      <path d="M170 358 L366 162" stroke="#fff" strokeWidth="36" strokeLinecap="round" />
    </svg>
  );
}
