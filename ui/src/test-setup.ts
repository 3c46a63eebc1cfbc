// Vitest setup for component tests: the DOM matchers (toBeChecked, toHaveTextContent, ...) of jest-dom.
import "@testing-library/jest-dom/vitest";
