export async function runIdleStreams(..._args: unknown[]): Promise<void> {}
