// The Diagnose path's screens in one module, so the window loads their code (one chunk) only when that path is opened.
export { FindingsScreen } from "./FindingsScreen";
export { FixScreen } from "./FixScreen";
export { ScopeScreen } from "./ScopeScreen";
