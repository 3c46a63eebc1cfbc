// Tests of the HTTP backend against a fake bridge: plain answers, IpcErrors, NDJSON streams split anywhere, the bridge's
// token on every request, bridge detection.
import { describe, expect, it } from "vitest";

import { BackendError, toIpcError } from "./backend";
import type { ProgressView } from "./bindings";
import { BRIDGE_TOKEN_HEADER, HttpBackend, bridgeTokenFrom, servedByBridge } from "./http";
import { DEMO_SIGNED_IN } from "./memoryWorld";

type Call = { url: string; method: string; body: string; token: string | null };

/** A fetch that records calls (with the bridge token they carried) and answers with `respond`. */
function fakeFetch(respond: (call: Call) => Response) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: URL | RequestInfo, init?: RequestInit) => {
    const token = new Headers(init?.headers).get(BRIDGE_TOKEN_HEADER);
    const call = { url: String(input), method: init?.method ?? "GET", body: String(init?.body ?? ""), token };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

/** An NDJSON response delivered in the given chunks (split mid-line on purpose). */
function ndjson(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

describe("HttpBackend", () => {
  it("posts the request to /ipc/{command} and returns the JSON answer", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json([{ id: "p", name: "Shop", pipelines: [] }]));
    const backend = new HttpBackend("http://127.0.0.1:9/", fetchImpl);
    await expect(backend.listProjects({ organization: "contoso" })).resolves.toEqual([{ id: "p", name: "Shop", pipelines: [] }]);
    expect(calls).toEqual([{ url: "http://127.0.0.1:9/ipc/list_projects", method: "POST", body: '{"organization":"contoso"}', token: null }]);
  });

  it("sends the bridge's token with plain and streaming commands", async () => {
    const result = { runId: "run-1", status: "completed", error: null, report: { steps: [], connections: [], handOffs: [], markdown: "", json: "{}" } };
    const { calls, fetchImpl } = fakeFetch((call) => (call.url.endsWith("list_runs") ? json([]) : ndjson([`${JSON.stringify({ result })}\n`])));
    const backend = new HttpBackend("http://127.0.0.1:9/", fetchImpl, "5eed");
    await backend.listRuns();
    await backend.rollbackRun({ runId: "run-1" }, () => undefined);
    expect(calls.map((call) => call.token)).toEqual(["5eed", "5eed"]);
  });

  it("reads the token from the URL the bridge printed", () => {
    expect(bridgeTokenFrom("?token=0f3a9c")).toBe("0f3a9c");
    expect(bridgeTokenFrom("?scenario=empty&token=0f3a9c")).toBe("0f3a9c");
    expect(bridgeTokenFrom("")).toBe("");
  });

  it("sends null for commands without a request", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json(DEMO_SIGNED_IN));
    await new HttpBackend("http://127.0.0.1:9", fetchImpl).sessionStatus();
    expect(calls[0]).toMatchObject({ url: "http://127.0.0.1:9/ipc/session_status", body: "null" });
  });

  it("rejects with the bridge's IpcError", async () => {
    const error = { code: "forbidden", message: "Azure DevOps refused (403).", help: "Ask an administrator.", requestId: "r-1" };
    const { fetchImpl } = fakeFetch(() => json(error, 403));
    const thrown = await new HttpBackend("http://127.0.0.1:9/", fetchImpl).listOrganizations().catch((caught: unknown) => caught);
    expect(thrown).toBeInstanceOf(BackendError);
    expect(toIpcError(thrown)).toEqual(error);
  });

  it("streams events before the result, whatever the chunking", async () => {
    const events: ProgressView[] = [
      { event: "runStarted", runId: "run-1", totalSteps: 1, resumed: false },
      { event: "stepFinished", stepId: "identity/0", outcome: "created", detail: "", elapsedMs: 12 },
    ];
    const result = { runId: "run-1", status: "completed", error: null, report: { steps: [], connections: [], handOffs: [], markdown: "", json: "{}" } };
    const text = [...events.map((event) => JSON.stringify({ event })), JSON.stringify({ result })].join("\n") + "\n";
    const { calls, fetchImpl } = fakeFetch(() => ndjson([text.slice(0, 17), text.slice(17, 90), text.slice(90)]));
    const received: ProgressView[] = [];
    const run = await new HttpBackend("http://127.0.0.1:9/", fetchImpl).applySetup({ setup: { identity: { kind: "existing", clientId: "c" }, organizations: [], connections: [] } }, (event) => received.push(event));
    expect(received).toEqual(events);
    expect(run).toEqual(result);
    expect(calls[0]?.url).toBe("http://127.0.0.1:9/ipc/apply_setup");
  });

  it("rejects a stream that ends with an error line", async () => {
    const error = { code: "cancelled", message: "The sign-in was cancelled.", help: "Sign in again." };
    const { fetchImpl } = fakeFetch(() =>
      ndjson([`${JSON.stringify({ event: { kind: "browserOpened" } })}\n${JSON.stringify({ error })}`]),
    );
    const seen: unknown[] = [];
    const thrown = await new HttpBackend("http://127.0.0.1:9/", fetchImpl)
      .signIn({ method: "browser", remember: false }, (event) => seen.push(event))
      .catch((caught: unknown) => caught);
    expect(seen).toEqual([{ kind: "browserOpened" }]);
    expect(toIpcError(thrown)).toEqual(error);
  });

  it("says the bridge is gone when the request cannot be sent", async () => {
    const fetchImpl = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    const thrown = await new HttpBackend("http://127.0.0.1:9/", fetchImpl).listRuns().catch((caught: unknown) => caught);
    expect(toIpcError(thrown)).toMatchObject({ code: "network", help: expect.stringContaining("keyless-browser-bridge") });
  });
});

describe("servedByBridge", () => {
  it("recognises the bridge by its JSON answer, with or without a running demo", async () => {
    expect(await servedByBridge("http://127.0.0.1:9/", fakeFetch(() => json({ url: "http://127.0.0.1:7/" })).fetchImpl)).toBe(true);
    const notRunning = { code: "notFound", message: "the demo cloud is not running", help: "choose the demo cloud first" };
    expect(await servedByBridge("http://127.0.0.1:9/", fakeFetch(() => json(notRunning, 404)).fetchImpl)).toBe(true);
  });

  it("asks with a POST that carries the token, so the browser sends its Origin", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json({ url: "http://127.0.0.1:7/" }));
    await servedByBridge("http://127.0.0.1:9", fetchImpl, 1500, "5eed");
    expect(calls).toEqual([{ url: "http://127.0.0.1:9/bridge/emulator", method: "POST", body: "", token: "5eed" }]);
  });

  it("is false for a static server, Vite's HTML, or no answer", async () => {
    expect(await servedByBridge("http://127.0.0.1:9/", fakeFetch(() => new Response("not found", { status: 404 })).fetchImpl)).toBe(false);
    const html = new Response("<!doctype html>", { headers: { "content-type": "text/html" } });
    expect(await servedByBridge("http://127.0.0.1:9/", fakeFetch(() => html).fetchImpl)).toBe(false);
    const failing = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    expect(await servedByBridge("http://127.0.0.1:9/", failing)).toBe(false);
  });
});
