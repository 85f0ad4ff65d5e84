/**
 * What a benchmark ran on: the CPU (model name and logical cores from
 * `/proc/cpuinfo` where it exists), the operating system, Deno, TensorFlow.js,
 * the backend and whether the native BLAS is in use.
 *
 * @module
 */
import { backendInfo } from "../backend/mod.ts";

/** The machine and software behind a benchmark. */
export interface MachineInfo {
  /** CPU model name, e.g. "AMD EPYC 7B13" ("unknown" where it cannot be read). */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Operating system and architecture, e.g. "linux x86_64". */
  os: string;
  /** Deno version. */
  deno: string;
  /** TensorFlow.js version. */
  tfjs: string;
  /** The backend and its mode, e.g. "wasm: tfjs-backend-wasm (SIMD) + OpenBLAS …". */
  backend: string;
  /** The native BLAS in use, or "off". */
  blas: string;
  /** What runs the convolutions: oneDNN, "native BLAS" or "tfjs". */
  convolutions: string;
}

/** Model name and processor count from the text of `/proc/cpuinfo`. */
export function parseCpuinfo(text: string): { cpu: string | null; cores: number } {
  const names = [...text.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1].trim());
  const processors = [...text.matchAll(/^processor\s*:/gm)].length;
  return { cpu: names[0] ?? null, cores: processors };
}

/** Describes this machine and the active backend (call after `initBackend`). */
export function machineInfo(): MachineInfo {
  let parsed: { cpu: string | null; cores: number } = { cpu: null, cores: 0 };
  try {
    parsed = parseCpuinfo(Deno.readTextFileSync("/proc/cpuinfo"));
  } catch {
    // not Linux, or no permission: fall back to what the runtime says
  }
  const info = backendInfo();
  return {
    cpu: parsed.cpu ?? "unknown",
    cores: parsed.cores || navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    tfjs: info.tfjsVersion,
    backend: `${info.name}: ${info.detail}`,
    blas: info.blas ?? "off",
    convolutions: info.dnnl ?? (info.blas ? "native BLAS" : "tfjs"),
  };
}

/** The machine as Markdown list lines, for the head of a benchmark table. */
export function machineLines(m: MachineInfo): string[] {
  return [
    `- CPU: ${m.cpu} (${m.cores} logical cores), ${m.os}`,
    `- Deno ${m.deno}, TensorFlow.js ${m.tfjs}`,
    `- backend: ${m.backend}`,
    `- native BLAS: ${m.blas}`,
    `- convolutions: ${m.convolutions}`,
  ];
}
