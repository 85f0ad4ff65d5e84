/**
 * Letting notebook outputs arrive. The Deno Jupyter kernel (2.x) can report a
 * cell as finished before the display messages sent just before have left
 * it; a headless run (nbconvert) then drops them, so a figure or table shown
 * at the end of a cell goes missing from the executed notebook now and then.
 * Waiting briefly after the last display of a step lets them through.
 *
 * @module
 */
import { jupyterDisplay } from "../plot/mod.ts";

/** Milliseconds to wait after displaying, inside a Jupyter kernel. */
export const DISPLAY_SETTLE_MS = 100;

/**
 * Inside a Deno Jupyter kernel, waits {@link DISPLAY_SETTLE_MS} so that the
 * outputs displayed so far reach the notebook before the cell ends; elsewhere
 * returns at once.
 */
export async function settleDisplays(): Promise<void> {
  if (!jupyterDisplay()) return;
  await new Promise((resolve) => setTimeout(resolve, DISPLAY_SETTLE_MS));
}
