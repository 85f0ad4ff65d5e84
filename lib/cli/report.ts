/**
 * `deno task report`: executes every notebook headlessly and rebuilds the
 * figures and the HTML report.
 *
 *   deno task report [--profile converged|quick|smoke|full] [--train missing|never]
 *                    [--only 01,02] [--no-html] [--no-execute] [--workdir DIR]
 *
 * The profile defaults to `RNNX_PROFILE`, else `converged` (the committed
 * report's). `--train never` reads the stored runs only: models without one
 * are left out and said to be missing in every table, figure and claim.
 * `--train missing` trains them first. The default is `never` for the
 * `converged` profile (its runs are committed, and training the rest takes
 * days) and `missing` for the others.
 *
 * `--no-execute` rebuilds the HTML pages from the executed notebooks as they are.
 *
 * `--workdir DIR` executes copies into DIR/notebooks and writes DIR/figures and
 * DIR/report, leaving the committed outputs untouched (used by CI).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { buildReport, JupyterMissingError, NotebookExecutionError } from "../report/mod.ts";
import {
  experimentProfileName,
  TRAINING_ENV,
  type TrainingMode,
  trainingMode,
} from "../experiments/mod.ts";
import { parseProfileName } from "../train/profiles.ts";
import { exitCodeOf, parseOptions, USAGE_EXIT, UsageError, wantsHelp } from "./usage.ts";

const root = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

const USAGE = "usage: deno task report [--profile converged|quick|smoke|full] " +
  "[--train missing|never] [--only 01,02] [--no-html] [--no-execute] [--workdir DIR]";

if (wantsHelp(Deno.args)) {
  console.log(USAGE);
  Deno.exit(0);
}

try {
  const values = parseOptions(Deno.args, {
    profile: { type: "string" },
    train: { type: "string" },
    only: { type: "string" },
    "no-html": { type: "boolean" },
    "no-execute": { type: "boolean" },
    workdir: { type: "string" },
  }, USAGE) as {
    profile?: string;
    train?: string;
    only?: string;
    "no-html"?: boolean;
    "no-execute"?: boolean;
    workdir?: string;
  };
  const profile = parseProfileName(values.profile ?? experimentProfileName());
  let training: TrainingMode;
  try {
    training = trainingMode(profile, values.train ?? Deno.env.get(TRAINING_ENV));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(TRAINING_ENV, "--train"), USAGE);
  }
  const work = values.workdir ? (await Deno.realPath(values.workdir)) : undefined;
  const paths = work
    ? {
      notebooks: `${root}/notebooks`,
      executed: `${work}/notebooks`,
      figures: `${work}/figures`,
      report: `${work}/report`,
    }
    : {
      notebooks: `${root}/notebooks`,
      executed: `${root}/notebooks`,
      figures: `${root}/figures`,
      report: `${root}/report`,
    };
  const t0 = performance.now();
  const result = await buildReport({
    profile,
    training,
    only: values.only ? values.only.split(",").map((s) => s.trim()).filter(Boolean) : [],
    html: !values["no-html"],
    execute: !values["no-execute"],
    paths,
    log: (line) => console.log(line),
  });
  console.log("\nnotebook                               time");
  for (const n of result.notebooks) {
    console.log(`${n.notebook.padEnd(38)} ${n.seconds.toFixed(0).padStart(5)} s`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`executed notebooks: ${paths.executed}`);
  console.log(`figures:            ${paths.figures} (MANIFEST.json)`);
  if (result.index) console.log(`report:             ${result.index}`);
} catch (e) {
  const code = exitCodeOf(e);
  if (code === USAGE_EXIT) {
    console.error(`${(e as Error).name}: ${(e as Error).message}`);
  } else if (e instanceof JupyterMissingError || e instanceof NotebookExecutionError) {
    console.error(e.message);
  } else {
    console.error(`report failed: ${(e as Error).message}`);
  }
  Deno.exit(code);
}
