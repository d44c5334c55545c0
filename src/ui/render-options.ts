/**
 * How the console asks ink to draw, shared by the CLI, bench/render and the tests, so that they measure
 * and check what an operator's terminal receives.
 */
export const CONSOLE_RENDER = {
  exitOnCtrlC: false,
  // Few frames are enough on a dashboard and spare an SSH link.
  maxFps: 10,
  // ink's incremental mode draws a frame that ends in a newline one row down (it moves up one line too few),
  // so ink redraws whole frames and the stream it writes to (writingChangedLines) sends the changed lines.
  incrementalRendering: false,
} as const;
