// Type declarations for Vite's client features (CSS imports, import.meta.env).
/// <reference types="vite/client" />
