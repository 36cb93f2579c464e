// Pure: the Ignite test payload typed by the user (any JSON value: the handler receives its bytes).

/** `{problem}` when the text is not JSON (shown under the input box), else `{value}`. */
export function parsePayloadJson(text: string): { value?: unknown; problem?: string } {
  try {
    return { value: JSON.parse(text.trim()) };
  } catch (e) {
    return { problem: `Not valid JSON: ${(e as Error).message}` };
  }
}
