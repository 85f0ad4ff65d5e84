/**
 * Small helpers for writing SVG by hand.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

/** Base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Reads width and height from the root element of an SVG document. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
  const width = Number(root.match(/\bwidth="([\d.]+)/)?.[1] ?? NaN);
  const height = Number(root.match(/\bheight="([\d.]+)/)?.[1] ?? NaN);
  return { width, height };
}
