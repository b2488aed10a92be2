/**
 * @module cli/terminal-palette
 * ANSI colors for the chat's own lines, or plain text when color is off.
 */

export type Paint = (text: string) => string;

export function palette(enabled: boolean) {
  const code =
    (open: number, close: number): Paint =>
    (text) =>
      enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    dim: code(2, 22),
    bold: code(1, 22),
    red: code(31, 39),
    green: code(32, 39),
    yellow: code(33, 39),
    cyan: code(36, 39),
  };
}

export type Palette = ReturnType<typeof palette>;
