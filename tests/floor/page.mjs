//! Acts on the real Keyless window like a user would, through WebDriver scripts: find a control by its role and accessible name, click, check, type, choose.
// WebKitWebDriver has no Playwright-style locators, so each action is a function installed once in
// the page, called by a one-line script and retried until the control exists and is enabled (the
// wizard loads from the demo cloud). Installing once keeps the scripts WebKit compiles small: the
// memory after the onboarding is what scripts/floor measures, and the driving should weigh little.

/** Installs `window.__keylessFloor`: the actions, each returning true once done. */
const INSTALL = `
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
  if (labelledBy) {
    return squash(labelledBy.split(" ").map((id) => (document.getElementById(id) ? textOf(document.getElementById(id)) : "")).join(" "));
  }
  if (element.labels && element.labels.length > 0) return squash([...element.labels].map(textOf).join(" "));
  return squash(textOf(element));
};
/** The first control of role whose accessible name matches the pattern [source, flags]. */
const find = (role, [source, flags]) => {
  const pattern = new RegExp(source, flags);
  return [...document.querySelectorAll(SELECTORS[role])].find((element) => pattern.test(nameOf(element)));
};
const usable = (element) => element !== undefined && element !== null && !element.disabled;
// React tracks an input's value itself: set it through the prototype's setter, then announce it.
const setValue = (element, value, eventName) => {
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(element), "value").set.call(element, value);
  element.dispatchEvent(new Event(eventName, { bubbles: true }));
};
window.__keylessFloor = {
  heading: ([source, flags]) => new RegExp(source, flags).test(document.querySelector("h1")?.textContent ?? ""),
  visible: (role, pattern) => find(role, pattern) !== undefined,
  present: (css) => document.querySelector(css) !== null,
  click: (role, pattern) => {
    const element = find(role, pattern);
    if (!usable(element)) return false;
    element.click();
    return true;
  },
  primary: () => {
    const element = document.querySelector(".app-footer .button-primary");
    if (!usable(element)) return false;
    element.click();
    return true;
  },
  // A click, so React sees the change.
  check: (role, pattern) => {
    const element = find(role, pattern);
    if (!usable(element)) return false;
    if (!element.checked) element.click();
    return element.checked;
  },
  fill: (pattern, value) => {
    const element = find("textbox", pattern);
    if (!usable(element)) return false;
    if (element.value !== value) setValue(element, value, "input");
    return element.value === value;
  },
  choose: (pattern, [source, flags]) => {
    const element = find("combobox", pattern);
    if (!usable(element)) return false;
    const wanted = new RegExp(source, flags);
    const match = [...element.options].find((option) => wanted.test(option.value) || wanted.test(option.text));
    if (!match) return false;
    if (element.value !== match.value) setValue(element, match.value, "change");
    return element.value === match.value;
  },
  heading1: () => document.querySelector("h1")?.textContent ?? "",
};
return true;
`;

const POLL_MS = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A regular expression as JSON-friendly [source, flags]. */
const pattern = (regex) => [regex.source, regex.flags];

/** Wraps a WebDriver session (tests/smoke/webdriver.mjs) with user-level actions on the wizard. */
export function wizardPage(session) {
  let scripts = 0;
  /** Calls the installed action `name`, installing the actions first if the page lacks them. */
  const call = async (name, args) => {
    const source = `return window.__keylessFloor ? window.__keylessFloor.${name}(...${JSON.stringify(args)}) : "missing"`;
    scripts += 1;
    const result = await session.script(source);
    if (result !== "missing") return result;
    scripts += 1;
    await session.script(INSTALL);
    return call(name, args);
  };
  /** Calls `name` until it returns true; throws with `what` after `timeoutMs`. */
  const until = async (what, name, args, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await call(name, args)) === true) return;
      if (Date.now() > deadline) {
        throw new Error(`${what} did not happen within ${timeoutMs} ms (screen: ${JSON.stringify(await call("heading1", []))})`);
      }
      await sleep(POLL_MS);
    }
  };

  return {
    /** Waits until the screen's heading matches `regex`. */
    heading: (regex, timeoutMs) => until(`heading ${regex}`, "heading", [pattern(regex)], timeoutMs),
    /** Waits until a control of `role` named like `regex` is on the screen. */
    visible: (role, regex, timeoutMs) => until(`${role} ${regex} to appear`, "visible", [role, pattern(regex)], timeoutMs),
    /** Waits until `css` matches an element. */
    present: (css, timeoutMs) => until(`${css} to appear`, "present", [css], timeoutMs),
    /** Clicks the enabled control of `role` named like `regex`. */
    click: (role, regex, timeoutMs) => until(`click on ${role} ${regex}`, "click", [role, pattern(regex)], timeoutMs),
    /** Clicks the wizard's primary action in the footer once it is enabled. */
    primary: (timeoutMs) => until("click on the primary action", "primary", [], timeoutMs),
    /** Checks the radio or checkbox named like `regex`. */
    check: (role, regex, timeoutMs) => until(`check ${role} ${regex}`, "check", [role, pattern(regex)], timeoutMs),
    /** Types `value` into the text field named like `regex`. */
    fill: (regex, value, timeoutMs) => until(`fill ${regex}`, "fill", [pattern(regex), value], timeoutMs),
    /** Chooses, in the drop-down named like `regex`, the first option whose value or text matches `option`. */
    choose: (regex, option, timeoutMs) => until(`choose ${option} in ${regex}`, "choose", [pattern(regex), pattern(option)], timeoutMs),
    /** The text of the main area. */
    mainText: () => session.script("return document.querySelector('main')?.innerText ?? ''"),
    /** How many scripts the page has run for these actions. */
    scripts: () => scripts,
  };
}
