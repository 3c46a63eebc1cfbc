// A minimal W3C WebDriver client (fetch over loopback) for driving the real Keyless window via tauri-driver.

/** Sends one WebDriver command and returns its `value`, throwing with the driver's message on error. */
async function command(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok || payload.value?.error) {
    throw new Error(`WebDriver ${method} ${path} failed: ${payload.value?.error}: ${payload.value?.message}`);
  }
  return payload.value;
}

/** Waits until the driver at `base` answers /status, or throws after `timeoutMs`. */
export async function waitForDriver(base, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await command(base, "GET", "/status");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`tauri-driver did not answer at ${base}: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Starts the app at `application` in a new session and returns a small API over it. */
export async function startSession(base, application) {
  const session = await command(base, "POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application } } },
  });
  const prefix = `/session/${session.sessionId}`;
  const element = async (css) => {
    const found = await command(base, "POST", `${prefix}/element`, { using: "css selector", value: css });
    return Object.values(found)[0];
  };
  return {
    text: async (css) => command(base, "GET", `${prefix}/element/${await element(css)}/text`),
    /**
     * Polls the `textContent` of `css` until it matches `pattern`; returns it. `textContent` rather
     * than WebDriver's rendered text, because the live region is visually hidden.
     */
    waitForText: async (css, pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      while (Date.now() < deadline) {
        last = await command(base, "POST", `${prefix}/execute/sync`, {
          script: "return document.querySelector(arguments[0])?.textContent ?? ''",
          args: [css],
        });
        if (pattern.test(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`${css} never matched ${pattern}; last text: ${JSON.stringify(last)}`);
    },
    script: (source) => command(base, "POST", `${prefix}/execute/sync`, { script: source, args: [] }),
    title: () => command(base, "GET", `${prefix}/title`),
    setRect: (width, height) => command(base, "POST", `${prefix}/window/rect`, { width, height }),
    /** Closes the window as the user would, so the app runs its close handlers. */
    closeWindow: () => command(base, "DELETE", `${prefix}/window`),
    screenshotPng: async () => Buffer.from(await command(base, "GET", `${prefix}/screenshot`), "base64"),
    close: () => command(base, "DELETE", prefix),
  };
}
