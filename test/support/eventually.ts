/** Polls for what a test waits on: a page or a process that updates by itself. */

/** Reads until the expectation holds, else fails with its last failure. */
export async function eventually<T>(
  read: () => Promise<T>,
  expectation: (value: T) => void,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      expectation(value);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
