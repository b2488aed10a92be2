export async function runPeers(..._args: unknown[]): Promise<void> {}
