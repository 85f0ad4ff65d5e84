/**
 * Headless execution of the notebooks and the HTML report.
 *
 * @module
 */
export * from "./jupyter.ts";
export * from "./pages.ts";
export * from "./build.ts";
