// Waiting helpers shared by the Node suites (conformance, integration, e2e). No dependencies,
// so each suite imports it by relative path.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls fn() every pollMs until it returns a truthy value, which it returns; an exception from
 * fn counts as "not yet" and is named in the error thrown at the deadline.
 */
export async function waitFor(fn, timeoutMs, what = 'condition', { pollMs = 25 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(pollMs);
  }
}

/** Rejects if p has not settled within ms. */
export function withTimeout(p, ms, what = 'promise') {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
