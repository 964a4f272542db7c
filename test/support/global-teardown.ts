export default async function globalTeardown(): Promise<void> {
  const running = (globalThis as { __dynamodb?: { stop(): Promise<void> } }).__dynamodb;
  await running?.stop();
}
