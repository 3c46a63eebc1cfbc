// The process tree under a pid, read from /proc: for the tests that look at the app's WebKit processes.
import { readFileSync, readdirSync } from "node:fs";

/** Every process's parent, from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
function parents() {
  const parentOf = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while being listed.
    }
  }
  return parentOf;
}

/** `root` and every descendant of it. */
export function processTree(root) {
  const parentOf = parents();
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1) {
    for (const [pid, parent] of parentOf) if (parent === tree[index]) tree.push(pid);
  }
  return tree;
}

/** The command name of `pid` (as /proc/<pid>/comm has it: at most 15 characters). */
export function commandName(pid) {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}
