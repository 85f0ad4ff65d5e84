/**
 * The worker thread of a oneDNN helper (`dnnl_helpers.ts`): oneDNN on one thread,
 * running the parts of convolution passes it is handed.
 *
 * @module
 */
import { workerData } from "node:worker_threads";
import { openDnnl } from "./dnnl_library.ts";
import type { ConvolutionPart } from "./dnnl_parts.ts";
import { serveParts } from "./dnnl_helpers.ts";

serveParts<ConvolutionPart>(workerData, (library) => {
  const dnnl = openDnnl(library, 1);
  return (part) => dnnl.runPart(part);
});
