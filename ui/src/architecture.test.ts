// Tidy checks written as absences: only ipc/tauri.ts knows Tauri, and every source file says what it is for.
/// <reference types="node" />
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const SOURCE_ROOT = fileURLToPath(new URL(".", import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

const files = sourceFiles(SOURCE_ROOT).map((path) => ({
  name: relative(SOURCE_ROOT, path),
  text: readFileSync(path, "utf8"),
}));

describe("UI source tree", () => {
  it("imports @tauri-apps/* only from ipc/tauri.ts", () => {
    const importers = files.filter((file) => /from\s+["']@tauri-apps\//.test(file.text)).map((file) => file.name);
    expect(importers).toEqual(["ipc/tauri.ts"]);
  });

  it("branches on error codes, never on message text", () => {
    const parsers = files
      .filter((file) => !file.name.endsWith(".test.ts") && !file.name.endsWith(".test.tsx"))
      .filter((file) => /\.message\s*\.(includes|match|startsWith|endsWith|search)\(|\.test\([^)]*\.message\)/.test(file.text))
      .map((file) => file.name);
    expect(parsers).toEqual([]);
  });

  it("starts every file with a comment saying what it is for", () => {
    const silent = files.filter((file) => !file.text.startsWith("// ")).map((file) => file.name);
    expect(silent).toEqual([]);
  });

  it("loads nothing from outside the app (no CDN, no remote fonts)", () => {
    const styles = readdirSync(SOURCE_ROOT)
      .filter((name) => name.endsWith(".css"))
      .map((name) => readFileSync(join(SOURCE_ROOT, name), "utf8"));
    const html = readFileSync(join(SOURCE_ROOT, "../index.html"), "utf8");
    expect(styles.length).toBeGreaterThan(0);
    for (const text of [...styles, html, ...files.map((file) => file.text)]) {
      expect(text).not.toMatch(/@import\s+url\(|url\(["']?https?:|<script[^>]+src=["']https?:|<link[^>]+href=["']https?:/);
    }
  });

  it("keeps every source and style file under 600 lines", () => {
    const styles = readdirSync(SOURCE_ROOT)
      .filter((name) => name.endsWith(".css"))
      .map((name) => ({ name, text: readFileSync(join(SOURCE_ROOT, name), "utf8") }));
    const long = [...files, ...styles]
      .filter((file) => file.name !== "ipc/bindings.ts" && file.text.split("\n").length > 600)
      .map((file) => file.name);
    expect(long).toEqual([]);
  });
});
