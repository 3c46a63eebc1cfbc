//! Acts on the real Keyless window like a user would, through WebDriver scripts: find a control by its role and accessible name, click, check, type, choose.
// WebKitWebDriver has no Playwright-style locators, so each action is a small script run in the
// page and retried until the control exists and is enabled (the wizard loads from the demo cloud).

/**
 * Source run in the page before every action: `find(role, source, flags)` returns the first
 * control of `role` whose accessible name (aria-label, aria-labelledby, its labels, or its text)
 * matches the regular expression.
 */
const PAGE_HELPERS = `
const SELECTORS = {
  button: "button",
  radio: "input[type=radio]",
  checkbox: "input[type=checkbox]",
  combobox: "select",
  textbox: "input:not([type]), input[type=text], input[type=search], textarea",
  heading: "h1, h2, h3",
  list: "ul, ol",
};
const squash = (text) => (text ?? "").replace(/\\s+/g, " ").trim();
// innerText, not textContent: it separates block-level parts (a choice's title and its hint) as the
// accessible name does.
const textOf = (element) => element.innerText ?? element.textContent;
const nameOf = (element) => {
  if (element.hasAttribute("aria-label")) return squash(element.getAttribute("aria-label"));
  const labelledBy = element.getAttribute("aria-labelledby");
  if (labelledBy) return squash(labelledBy.split(" ").map((id) => (document.getElementById(id) ? textOf(document.getElementById(id)) : "")).join(" "));
  if (element.labels && element.labels.length > 0) return squash([...element.labels].map(textOf).join(" "));
  return squash(textOf(element));
};
const find = (role, source, flags) => {
  const pattern = new RegExp(source, flags);
  return [...document.querySelectorAll(SELECTORS[role])].find((element) => pattern.test(nameOf(element)));
};
// React tracks an input's value itself: set it through the prototype's setter, then announce it.
const setValue = (element, value, eventName) => {
  const prototype = Object.getPrototypeOf(element);
  Object.getOwnPropertyDescriptor(prototype, "value").set.call(element, value);
  element.dispatchEvent(new Event(eventName, { bubbles: true }));
};
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A regular expression as the `source, flags` arguments of the page's `find`. */
const patternArgs = (pattern) => `${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)}`;

/** Wraps a WebDriver session (tests/smoke/webdriver.mjs) with user-level actions on the wizard. */
export function wizardPage(session) {
  /** Runs `body` in the page until it returns true; throws with `what` after `timeoutMs`. */
  const until = async (what, body, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await session.script(`${PAGE_HELPERS}\n${body}`)) return;
      if (Date.now() > deadline) {
        const heading = await session.script("return document.querySelector('h1')?.textContent ?? ''");
        throw new Error(`${what} did not happen within ${timeoutMs} ms (screen: ${JSON.stringify(heading)})`);
      }
      await sleep(150);
    }
  };
  const control = (role, pattern) => `const element = find(${JSON.stringify(role)}, ${patternArgs(pattern)});`;

  return {
    /** Waits until the screen's heading matches `pattern`. */
    heading: (pattern, timeoutMs) =>
      until(`heading ${pattern}`, `return ${pattern}.test(document.querySelector("h1")?.textContent ?? "")`, timeoutMs),
    /** Waits until a control of `role` named like `pattern` is on the screen. */
    visible: (role, pattern, timeoutMs) =>
      until(`${role} ${pattern} to appear`, `${control(role, pattern)} return element !== undefined;`, timeoutMs),
    /** Waits until `css` matches an element. */
    present: (css, timeoutMs) => until(`${css} to appear`, `return document.querySelector(${JSON.stringify(css)}) !== null`, timeoutMs),
    /** Clicks the enabled control of `role` named like `pattern`. */
    click: (role, pattern, timeoutMs) =>
      until(`click on ${role} ${pattern}`, `${control(role, pattern)} if (!element || element.disabled) return false; element.click(); return true;`, timeoutMs),
    /** Clicks the wizard's primary action in the footer once it is enabled. */
    primary: (timeoutMs) =>
      until(
        "click on the primary action",
        `const element = document.querySelector(".app-footer .button-primary"); if (!element || element.disabled) return false; element.click(); return true;`,
        timeoutMs,
      ),
    /** Checks the radio or checkbox named like `pattern` (a click, so React sees it). */
    check: (role, pattern, timeoutMs) =>
      until(
        `check ${role} ${pattern}`,
        `${control(role, pattern)} if (!element || element.disabled) return false; if (!element.checked) element.click(); return element.checked;`,
        timeoutMs,
      ),
    /** Types `value` into the text field named like `pattern`. */
    fill: (pattern, value, timeoutMs) =>
      until(
        `fill ${pattern}`,
        `${control("textbox", pattern)} if (!element || element.disabled) return false; setValue(element, ${JSON.stringify(value)}, "input"); return element.value === ${JSON.stringify(value)};`,
        timeoutMs,
      ),
    /** Chooses, in the drop-down named like `pattern`, the first option whose value or text matches `option`. */
    choose: (pattern, option, timeoutMs) =>
      until(
        `choose ${option} in ${pattern}`,
        `${control("combobox", pattern)} if (!element || element.disabled) return false;
         const wanted = new RegExp(${patternArgs(option)});
         const match = [...element.options].find((candidate) => wanted.test(candidate.value) || wanted.test(candidate.text));
         if (!match) return false;
         if (element.value !== match.value) setValue(element, match.value, "change");
         return element.value === match.value;`,
        timeoutMs,
      ),
    /** The text of the main area. */
    mainText: () => session.script("return document.querySelector('main')?.innerText ?? ''"),
  };
}
