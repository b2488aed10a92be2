export async function runRetrieval(..._args: unknown[]): Promise<void> {}
