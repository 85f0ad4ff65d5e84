/**
 * HTML text helpers of the report pages.
 *
 * @module
 */

/** Text without HTML tags and with the common entities decoded. */
export function stripTags(html: string): string {
  return html.replace(/<a class="anchor-link"[^>]*>[\s\S]*?<\/a>/g, "").replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code))).replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&").trim();
}
