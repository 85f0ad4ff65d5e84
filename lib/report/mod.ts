/**
 * Headless execution of the notebooks and the report: a front page with
 * every verdict, the notebook pages, the tables, the figure gallery and a
 * PDF of it all.
 *
 * @module
 */
export * from "./jupyter.ts";
export * from "./html.ts";
export * from "./markdown_table.ts";
export * from "./pages.ts";
export * from "./verdicts.ts";
export * from "./provenance.ts";
export * from "./profile_words.ts";
export * from "./front.ts";
export * from "./catalog.ts";
export * from "./pdf.ts";
export * from "./paths.ts";
export * from "./build.ts";
